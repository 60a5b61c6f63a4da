"""Text in photos by real workers over Redis: an ingest worker makes the upload ready, then a worker
on the ocr queue alone reads its text (without loading CLIP), and word search finds it with the text highlighted."""

import pytest
import redis

from benchmarks.text_images import plain_text_image
from gallery.models import Photo
from search.models import PhotoText
from tests import images, workers

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_broker():
    url = workers.redis_url_or_skip(database=14)
    redis.Redis.from_url(url).flushdb()
    with workers.broker(url):
        yield url


def test_an_upload_is_ready_first_then_the_ocr_worker_reads_its_text(api_client, user, redis_broker, settings):
    settings.OCR_ENABLED = True  # reaches the workers through their environment
    assert settings.CELERY_TASK_ROUTES["search.tasks.read_photo_text"]["queue"] == f"{settings.CELERY_QUEUE_PREFIX}ocr"
    response = api_client.post("/api/v1/photos/", {"files": [images.upload(plain_text_image(["PARKING LEVEL 3B"]),
                                                                           "sign.jpg")]}, format="multipart")
    photo_id = response.json()[0]["photo"]["id"]

    ingest = workers.start_worker(broker_url=redis_broker, queues=("ingest",), name="ingest")
    try:
        ready = workers.wait_for(lambda: Photo.objects.filter(pk=photo_id, status="ready").exists(), timeout=120)
    finally:
        ingest_log = workers.stop_worker(ingest)
    assert ready, ingest_log[-3000:]
    assert not PhotoText.objects.filter(photo_id=photo_id).exists()  # the ingest worker never reads text
    assert api_client.get("/api/v1/status/").json()["text"]["waiting"] == 1

    ocr = workers.start_worker(broker_url=redis_broker, queues=("ocr",), name="ocr")
    try:
        read = workers.wait_for(lambda: PhotoText.objects.filter(photo_id=photo_id).exists(), timeout=120)
    finally:
        ocr_log = workers.stop_worker(ocr)
    assert read, ocr_log[-3000:]
    assert "search.tasks.read_photo_text" in ocr_log
    # Only a worker whose queues run CLIP loads it: the OCR worker reads text without the model.
    assert "loaded CLIP model" in ingest_log
    assert "loaded CLIP model" not in ocr_log
    text = PhotoText.objects.get(photo_id=photo_id)
    assert text.read_at > Photo.objects.get(pk=photo_id).processed_at
    body = api_client.get("/api/v1/search/", {"q": "parking level"}).json()
    assert body["results"][0]["photo"]["id"] == photo_id
    assert body["results"][0]["matched_text"]["highlights"]
    assert api_client.get("/api/v1/status/").json()["text"] == {"enabled": True, "read": 1, "total": 1, "waiting": 0,
                                                                "with_text": 1}
