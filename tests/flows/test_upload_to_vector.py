"""An upload through the API becomes a ready photo with its vector, done by a real worker over Redis."""

import pytest
import redis

from gallery.models import Photo
from search.models import Concept, ConceptEmbedding, PhotoEmbedding, PhotoTag
from tests import images, workers
from tests.factories import ready_photo_factory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_broker():
    url = workers.redis_url_or_skip(database=14)
    redis.Redis.from_url(url).flushdb()
    with workers.broker(url):
        yield url


def test_upload_returns_at_once_and_a_worker_makes_it_ready(api_client, user, redis_broker):
    files = [images.upload(images.jpeg(640, 480, seed=s), f"p{s}.jpg") for s in range(3)]
    response = api_client.post("/api/v1/photos/", {"files": files}, format="multipart")
    assert response.status_code == 201
    ids = [r["photo"]["id"] for r in response.json()]
    assert set(Photo.objects.filter(id__in=ids).values_list("status", flat=True)) == {"pending"}

    worker = workers.start_worker(broker_url=redis_broker)
    try:
        finished = workers.wait_for(
            lambda: Photo.objects.filter(id__in=ids, status="ready").count() == 3, timeout=120)
    finally:
        log = workers.stop_worker(worker)
    assert finished, log[-3000:]
    assert PhotoEmbedding.objects.filter(photo_id__in=ids, owner=user).count() == 3
    detail = api_client.get(f"/api/v1/photos/{ids[0]}/").json()
    assert detail["status"] == "ready" and detail["thumbnail_url"]
    assert api_client.get(detail["thumbnail_url"]).status_code == 200


def test_a_worker_starting_without_the_vocabulary_builds_it_and_tags_what_waited(user, glove_words, redis_broker):
    Concept.objects.all().delete()
    photo = ready_photo_factory(owner=user)  # processed before there is a vocabulary: no tags
    assert not PhotoTag.objects.filter(photo=photo).exists()
    embedding = PhotoEmbedding.objects.get(photo=photo)
    assert not embedding.tagged

    worker = workers.start_worker(broker_url=redis_broker, extra_env={"VOCABULARY_BUILD_ON_WORKER_START": "true"})
    try:
        # Tagged: its automatic tags were computed (a generated image may get none above the threshold).
        built = workers.wait_for(lambda: PhotoEmbedding.objects.filter(pk=embedding.pk, tagged=True).exists(),
                                 timeout=180, interval=1)
    finally:
        log = workers.stop_worker(worker)
    assert built, log[-3000:]
    # 1,240 curated concepts and 103 labels the offline model learnt that the curated file lacks.
    assert "vocabulary ready: 1343 concepts; 1 photo(s) tagged" in log
    assert ConceptEmbedding.objects.count() == Concept.objects.count() >= 1000
