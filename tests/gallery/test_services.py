import os
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.utils import timezone

from gallery import services
from gallery.models import Photo
from search.models import PhotoEmbedding
from tests import images, workers
from tests.factories import photo_factory, ready_photo_factory


def test_upload_stores_original_under_a_random_name_and_keeps_the_user_name_as_data(user):
    outcome = services.photo_upload(owner=user, file=images.upload(images.jpeg(), name="../../etc/passwd.jpg"))
    photo = outcome.photo
    assert outcome.result == "added"
    assert photo.original_name == "passwd.jpg"
    stored = Path(photo.original.path)
    assert stored.is_file() and stored.is_relative_to(Path(settings.MEDIA_ROOT))
    assert "passwd" not in photo.original.name and len(stored.stem) == 32
    assert photo.status == Photo.Status.PENDING and (photo.width, photo.height) == (64, 48)


def test_the_same_bytes_twice_return_the_existing_photo(user):
    data = images.jpeg(seed=42)
    first = services.photo_upload(owner=user, file=images.upload(data, name="a.jpg"))
    second = services.photo_upload(owner=user, file=images.upload(data, name="b.jpg"))
    assert (first.result, second.result) == ("added", "duplicate")
    assert second.photo.pk == first.photo.pk
    assert Photo.objects.filter(owner=user).count() == 1


def test_the_same_bytes_from_two_users_are_two_photos(user, other_user):
    data = images.jpeg(seed=43)
    assert services.photo_upload(owner=user, file=images.upload(data)).result == "added"
    assert services.photo_upload(owner=other_user, file=images.upload(data)).result == "added"


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"hello, I am text", "not an image"),
    (images.truncated_jpeg(), "truncated"),
])
def test_rejected_files_store_nothing(user, data, reason):
    outcome = services.photo_upload(owner=user, file=images.upload(data, name="x.jpg"))
    assert outcome.result == "rejected" and reason in outcome.error
    assert not Photo.objects.exists()


def test_file_size_limit(user, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    outcome = services.photo_upload(owner=user, file=images.upload(images.jpeg(200, 200)))
    assert outcome.result == "rejected"
    assert outcome.error.startswith("The file is ") and outcome.error.endswith("the limit is 1000\xa0bytes.")


def test_processing_makes_a_thumbnail_and_a_unit_vector(user):
    photo = photo_factory(owner=user, data=images.jpeg(1200, 600, seed=7))
    assert services.photos_process_pending() == 1
    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY and photo.error == "" and photo.attempts == 1
    from PIL import Image

    assert Image.open(photo.thumbnail.path).size == (512, 256)
    embedding = PhotoEmbedding.objects.get(photo=photo)
    vector = np.asarray(embedding.embedding, dtype=np.float32)
    assert embedding.owner_id == user.pk and abs(np.linalg.norm(vector) - 1) < 1e-2


def test_processing_many_photos_uses_batches_and_finishes_all(user, settings):
    settings.CLIP_BATCH_SIZE = 4
    photos = [photo_factory(owner=user) for _ in range(10)]
    assert services.photos_process_pending() == 10
    assert set(Photo.objects.values_list("status", flat=True)) == {"ready"}
    assert PhotoEmbedding.objects.filter(photo__in=photos).count() == 10


def test_a_corrupt_original_fails_with_a_message_and_the_rest_go_on(user):
    broken = photo_factory(owner=user)
    good = photo_factory(owner=user)
    Path(broken.original.path).write_bytes(b"garbage")
    services.photos_process_pending()
    broken.refresh_from_db()
    good.refresh_from_db()
    assert broken.status == "failed" and "not an image" in broken.error
    assert good.status == "ready"


def test_a_missing_original_fails_with_a_message(user):
    photo = photo_factory(owner=user)
    Path(photo.original.path).unlink()
    services.photos_process_pending()
    photo.refresh_from_db()
    assert photo.status == "failed" and "missing" in photo.error


def test_unavailable_weights_fail_photos_explicitly(user, settings):
    from search import clip

    settings.CLIP_RANDOM_WEIGHTS = False
    settings.CLIP_OFFLINE_FALLBACK = False
    settings.CLIP_MODEL = "no-such-architecture"
    clip.reset()
    try:
        photo = photo_factory(owner=user)
        services.photos_process_pending()
        photo.refresh_from_db()
        assert photo.status == "failed" and photo.error.startswith("model weights unavailable")
        assert not PhotoEmbedding.objects.exists()
    finally:
        clip.reset()


def test_retry_failed_queues_them_again(user):
    photo = photo_factory(owner=user)
    Photo.objects.filter(pk=photo.pk).update(status="failed", error="boom")
    assert services.photos_retry_failed(owner=user) == 1
    services.photos_process_pending()
    photo.refresh_from_db()
    assert photo.status == "ready" and photo.error == ""


def test_a_photo_deleted_while_processing_ends_quietly(user):
    photo = photo_factory(owner=user)
    claimed = services._claim_batch(size=5)
    decoded = [services._prepare_for_embedding(p) for p in claimed]
    Photo.objects.filter(pk=photo.pk).delete()
    from search import services as search_services

    services._finish_batch(photos=claimed, decoded=decoded, model_row=search_services.active_embedding_model())
    assert not PhotoEmbedding.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).glob("thumbnails/*/*"))


def test_delete_removes_files_and_vectors(user, django_capture_on_commit_callbacks):
    photo = ready_photo_factory(owner=user)
    paths = [Path(photo.original.path), Path(photo.thumbnail.path)]
    with django_capture_on_commit_callbacks(execute=True):
        services.photo_delete(photo=photo)
    assert not any(path.exists() for path in paths)
    assert not PhotoEmbedding.objects.exists()


def test_sweep_returns_stale_claims_to_the_queue(user):
    photo = photo_factory(owner=user)
    services._claim_batch(size=1)  # a worker claims it, then dies
    Photo.objects.filter(pk=photo.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
    assert services.photos_sweep()["released"] == 1
    assert services.photos_process_pending() == 1
    photo.refresh_from_db()
    assert photo.status == "ready" and photo.attempts == 2
    assert PhotoEmbedding.objects.filter(photo=photo).count() == 1


def test_sweep_removes_the_thumbnails_a_dead_worker_left_behind(user):
    kept = ready_photo_factory(owner=user)
    photo = photo_factory(owner=user)
    services._claim_batch(size=1)
    prepared = services._prepare_for_embedding(Photo.objects.get(pk=photo.pk))  # written, then the worker dies
    storage = kept.thumbnail.storage
    old = timezone.now() - timedelta(hours=1)
    os.utime(storage.path(prepared.thumbnail_name), (old.timestamp(), old.timestamp()))
    Photo.objects.filter(pk=photo.pk).update(claimed_at=old)
    fresh = services._prepare_for_embedding(Photo.objects.get(pk=photo.pk)).thumbnail_name  # a live batch's

    assert services.photos_sweep()["released"] == 1
    assert not storage.exists(prepared.thumbnail_name)
    assert storage.exists(kept.thumbnail.name) and storage.exists(fresh)


def test_sweep_gives_up_after_too_many_attempts_with_a_reason(user, settings):
    photo = photo_factory(owner=user)
    services._claim_batch(size=1)
    Photo.objects.filter(pk=photo.pk).update(claimed_at=timezone.now() - timedelta(hours=1),
                                             attempts=settings.PROCESSING_MAX_ATTEMPTS)
    services.photos_sweep()
    photo.refresh_from_db()
    assert photo.status == "failed" and "did not finish" in photo.error


def test_upload_succeeds_when_the_broker_is_unreachable(user, django_capture_on_commit_callbacks):
    with workers.broker("redis://127.0.0.1:1/0"):  # nothing listens on port 1
        with django_capture_on_commit_callbacks(execute=True):
            outcome = services.photo_upload(owner=user, file=images.upload(images.jpeg(seed=99)))
    assert outcome.result == "added"
    assert Photo.objects.get(pk=outcome.photo.pk).status == "pending"
    assert services.photos_process_pending() == 1  # what `manage.py process_pending` runs


@pytest.mark.parametrize("name, expected", [
    ("C:\\Users\\me\\IMG_1.JPG", "IMG_1.JPG"),
    ("a\x00b\x1f.jpg", "ab.jpg"),
    ("", "unnamed"),
])
def test_clean_file_name(name, expected):
    assert services.clean_file_name(name) == expected


def test_clean_file_name_limits_length_and_keeps_the_suffix():
    cleaned = services.clean_file_name("x" * 600 + ".jpeg")
    assert len(cleaned) <= 255 and cleaned.endswith(".jpeg")


def test_a_batch_reclaimed_by_another_worker_is_not_written_twice(user):
    photo = photo_factory(owner=user)
    slow = services._claim_batch(size=1)  # worker A claims, then stalls past the requeue delay
    prepared = [services._prepare_for_embedding(p) for p in slow]
    Photo.objects.filter(pk=photo.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
    services.photos_sweep()
    assert services.photos_process_pending() == 1  # worker B does the work
    photo.refresh_from_db()
    thumbnail = photo.thumbnail.name
    from search import services as search_services

    services._finish_batch(photos=slow, decoded=prepared, model_row=search_services.active_embedding_model())
    photo.refresh_from_db()
    assert photo.thumbnail.name == thumbnail  # A's late result is dropped
    assert not Path(settings.MEDIA_ROOT, prepared[0].thumbnail_name).exists()
    assert PhotoEmbedding.objects.filter(photo=photo).count() == 1
