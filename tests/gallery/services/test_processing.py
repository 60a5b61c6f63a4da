"""The worker's photo pipeline: batches, thumbnails, vectors, failures."""

from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils import timezone
from PIL import Image

from gallery.models import Photo
from gallery.services import housekeeping, processing
from search.clip import encoders
from search.models import PhotoEmbedding
from search.services import embedding_models
from tests import images
from tests.factories import photo_factory


def test_processing_makes_a_thumbnail_and_a_unit_vector(user):
    photo = photo_factory(owner=user, data=images.jpeg(1200, 600, seed=7))
    assert processing.photos_process_pending() == 1
    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY and photo.error == "" and photo.attempts == 1

    assert Image.open(photo.thumbnail.path).size == (512, 256)
    embedding = PhotoEmbedding.objects.get(photo=photo)
    vector = np.asarray(embedding.embedding, dtype=np.float32)
    assert embedding.owner_id == user.pk and abs(np.linalg.norm(vector) - 1) < 1e-2


def test_processing_many_photos_uses_batches_and_finishes_all(user, settings):
    settings.CLIP_BATCH_SIZE = 4
    photos = [photo_factory(owner=user) for _ in range(10)]
    assert processing.photos_process_pending() == 10
    assert set(Photo.objects.values_list("status", flat=True)) == {"ready"}
    assert PhotoEmbedding.objects.filter(photo__in=photos).count() == 10


def test_a_corrupt_original_fails_with_a_message_and_the_rest_go_on(user):
    broken = photo_factory(owner=user)
    good = photo_factory(owner=user)
    Path(broken.original.path).write_bytes(b"garbage")
    processing.photos_process_pending()
    broken.refresh_from_db()
    good.refresh_from_db()
    assert broken.status == "failed" and "not an image" in broken.error
    assert good.status == "ready"


def test_a_missing_original_fails_with_a_message(user):
    photo = photo_factory(owner=user)
    Path(photo.original.path).unlink()
    processing.photos_process_pending()
    photo.refresh_from_db()
    assert photo.status == "failed" and "missing" in photo.error


def test_unavailable_weights_fail_photos_explicitly(user, settings):

    settings.CLIP_RANDOM_WEIGHTS = False
    settings.CLIP_OFFLINE_FALLBACK = False
    settings.CLIP_MODEL = "no-such-architecture"
    encoders.reset()
    try:
        photo = photo_factory(owner=user)
        processing.photos_process_pending()
        photo.refresh_from_db()
        assert photo.status == "failed" and photo.error.startswith("model weights unavailable")
        assert not PhotoEmbedding.objects.exists()
    finally:
        encoders.reset()


def test_a_photo_deleted_while_processing_ends_quietly(user):
    photo = photo_factory(owner=user)
    claimed = processing._claim_batch(size=5)
    decoded = [processing._prepare_for_embedding(p) for p in claimed]
    Photo.objects.filter(pk=photo.pk).delete()

    processing._finish_batch(photos=claimed, decoded=decoded, model_row=embedding_models.active_model_ensure())
    assert not PhotoEmbedding.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).glob("thumbnails/*/*"))
    assert not list(Path(settings.MEDIA_ROOT).glob("previews/*/*"))


def test_a_batch_reclaimed_by_another_worker_is_not_written_twice(user):
    photo = photo_factory(owner=user)
    slow = processing._claim_batch(size=1)  # worker A claims, then stalls past the requeue delay
    prepared = [processing._prepare_for_embedding(p) for p in slow]
    Photo.objects.filter(pk=photo.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
    housekeeping.photos_sweep()
    assert processing.photos_process_pending() == 1  # worker B does the work
    photo.refresh_from_db()
    thumbnail = photo.thumbnail.name

    processing._finish_batch(photos=slow, decoded=prepared, model_row=embedding_models.active_model_ensure())
    photo.refresh_from_db()
    assert photo.thumbnail.name == thumbnail  # A's late result is dropped
    assert not Path(settings.MEDIA_ROOT, prepared[0].thumbnail_name).exists()
    assert PhotoEmbedding.objects.filter(photo=photo).count() == 1


def test_a_bounded_run_stops_after_its_batches_and_queues_the_rest(user, monkeypatch):
    # The worker's task passes a budget, so that no task outlives the broker's visibility timeout.
    queued = []
    monkeypatch.setattr(processing, "photos_enqueue_processing", lambda: queued.append(True) or True)
    for seed in range(5):
        photo_factory(owner=user, data=images.jpeg(seed=900 + seed))
    assert processing.photos_process_pending(batch_size=2, max_batches=1) == 2
    assert queued == [True]  # the continuation
    assert Photo.objects.filter(status="pending").count() == 3
    assert processing.photos_process_pending(batch_size=2, budget_seconds=0) == 2  # one batch, then over time
    assert len(queued) == 2
    assert processing.photos_process_pending(batch_size=2, max_batches=5) == 1
    assert len(queued) == 2  # nothing left: no continuation
