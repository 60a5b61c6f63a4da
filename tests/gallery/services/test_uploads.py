"""Upload intake: validation, storage, deduplication, deletion, retries."""

from pathlib import Path

import pytest
from django.conf import settings

from gallery.models import Photo
from gallery.services import processing, uploads
from search.models import PhotoEmbedding
from tests import images, workers
from tests.factories import photo_factory, ready_photo_factory


def test_upload_stores_original_under_a_random_name_and_keeps_the_user_name_as_data(user):
    outcome = uploads.photo_upload(owner=user, file=images.upload(images.jpeg(), name="../../etc/passwd.jpg"))
    photo = outcome.photo
    assert outcome.result == "added"
    assert photo.original_name == "passwd.jpg"
    stored = Path(photo.original.path)
    assert stored.is_file() and stored.is_relative_to(Path(settings.MEDIA_ROOT))
    assert "passwd" not in photo.original.name and len(stored.stem) == 32
    assert photo.status == Photo.Status.PENDING and (photo.width, photo.height) == (64, 48)


def test_the_same_bytes_twice_return_the_existing_photo(user):
    data = images.jpeg(seed=42)
    first = uploads.photo_upload(owner=user, file=images.upload(data, name="a.jpg"))
    second = uploads.photo_upload(owner=user, file=images.upload(data, name="b.jpg"))
    assert (first.result, second.result) == ("added", "duplicate")
    assert second.photo.pk == first.photo.pk
    assert Photo.objects.filter(owner=user).count() == 1


def test_the_same_bytes_from_two_users_are_two_photos(user, other_user):
    data = images.jpeg(seed=43)
    assert uploads.photo_upload(owner=user, file=images.upload(data)).result == "added"
    assert uploads.photo_upload(owner=other_user, file=images.upload(data)).result == "added"


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"hello, I am text", "not an image"),
    (images.truncated_jpeg(), "truncated"),
])
def test_rejected_files_store_nothing(user, data, reason):
    outcome = uploads.photo_upload(owner=user, file=images.upload(data, name="x.jpg"))
    assert outcome.result == "rejected" and reason in outcome.error
    assert not Photo.objects.exists()


def test_file_size_limit(user, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    outcome = uploads.photo_upload(owner=user, file=images.upload(images.jpeg(200, 200)))
    assert outcome.result == "rejected"
    assert outcome.error.startswith("The file is ") and outcome.error.endswith("the limit is 1000\xa0bytes.")


def test_retry_failed_queues_them_again(user):
    photo = photo_factory(owner=user)
    Photo.objects.filter(pk=photo.pk).update(status="failed", error="boom")
    assert uploads.photos_retry_failed(owner=user) == 1
    processing.photos_process_pending()
    photo.refresh_from_db()
    assert photo.status == "ready" and photo.error == ""


def test_delete_removes_files_and_vectors(user, django_capture_on_commit_callbacks):
    photo = ready_photo_factory(owner=user)
    paths = [Path(photo.original.path), Path(photo.thumbnail.path)]
    with django_capture_on_commit_callbacks(execute=True):
        uploads.photo_delete(photo=photo)
    assert not any(path.exists() for path in paths)
    assert not PhotoEmbedding.objects.exists()


def test_upload_succeeds_when_the_broker_is_unreachable(user, django_capture_on_commit_callbacks):
    with workers.broker("redis://127.0.0.1:1/0"):  # nothing listens on port 1
        with django_capture_on_commit_callbacks(execute=True):
            outcome = uploads.photo_upload(owner=user, file=images.upload(images.jpeg(seed=99)))
    assert outcome.result == "added"
    assert Photo.objects.get(pk=outcome.photo.pk).status == "pending"
    assert processing.photos_process_pending() == 1  # what `manage.py process_pending` runs


@pytest.mark.parametrize("name, expected", [
    ("C:\\Users\\me\\IMG_1.JPG", "IMG_1.JPG"),
    ("a\x00b\x1f.jpg", "ab.jpg"),
    ("", "unnamed"),
])
def test_clean_file_name(name, expected):
    assert uploads.clean_file_name(name) == expected


def test_clean_file_name_limits_length_and_keeps_the_suffix():
    cleaned = uploads.clean_file_name("x" * 600 + ".jpeg")
    assert len(cleaned) <= 255 and cleaned.endswith(".jpeg")
