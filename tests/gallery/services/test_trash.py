"""The trash: moving photos there and back, deleting forever, emptying it, the periodic purge."""

from datetime import timedelta
from pathlib import Path

import numpy as np
from django.utils import timezone

from albums.models import AlbumPhoto
from gallery.models import Photo
from gallery.selectors import photo_list, photo_status_counts
from gallery.services import trash, uploads
from gallery.tasks import purge_trash
from search import vectors
from search.models import PhotoEmbedding, PhotoTag
from search.selectors.embedding_models import active_model
from search.services.indexing import photos_index
from tests import images
from tests.factories import album_factory, photo_rows, ready_photo_factory


def stored_files(photo: Photo) -> list[Path]:
    return [Path(field.path) for field in (photo.original, photo.thumbnail, photo.preview) if field]


def test_trash_takes_photos_out_of_the_lists_and_keeps_everything(user):
    photo = ready_photo_factory(owner=user)
    album = album_factory(owner=user, photos=[photo])
    assert trash.photos_trash(photos=[photo]) == {photo.pk}
    photo.refresh_from_db()
    assert photo.trashed_at is not None and photo.status == Photo.Status.READY
    assert not photo_list(owner=user).exists() and list(photo_list(owner=user, trashed=True)) == [photo]
    assert photo_status_counts(owner=user)["ready"] == 0
    assert all(path.is_file() for path in stored_files(photo))
    assert PhotoEmbedding.objects.filter(photo=photo).exists()
    assert AlbumPhoto.objects.filter(album=album, photo=photo).exists()
    assert trash.photos_trash(photos=[photo]) == set()  # already there: unchanged


def test_restore_brings_the_photo_back_in_its_albums(user):
    photo = ready_photo_factory(owner=user)
    link = AlbumPhoto.objects.get(album=album_factory(owner=user, photos=[photo]), photo=photo)
    trash.photos_trash(photos=[photo])
    assert trash.photos_restore(photos=[photo]) == {photo.pk}
    photo.refresh_from_db()
    assert photo.trashed_at is None and list(photo_list(owner=user)) == [photo]
    assert AlbumPhoto.objects.get(pk=link.pk).photo_id == photo.pk
    assert trash.photos_restore(photos=[photo]) == set()


def test_delete_forever_removes_files_vectors_tags_and_album_places(user, django_capture_on_commit_callbacks):
    photo = ready_photo_factory(owner=user)
    album_factory(owner=user, photos=[photo])
    files = stored_files(photo)
    assert len(files) == 3 and PhotoEmbedding.objects.filter(photo=photo).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert trash.photos_delete(photos=[photo]) == 1
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert not PhotoEmbedding.objects.filter(photo_id=photo.pk).exists()
    assert not PhotoTag.objects.filter(photo_id=photo.pk).exists()
    assert not AlbumPhoto.objects.filter(photo_id=photo.pk).exists()
    assert not any(path.exists() for path in files)


def test_empty_trash_deletes_only_the_owners_trashed_photos(user, other_user):
    mine_trashed, mine_kept = photo_rows(owner=user, taken=[None, None])
    theirs = photo_rows(owner=other_user, taken=[None])[0]
    trash.photos_trash(photos=[mine_trashed, theirs])
    assert trash.trash_empty(owner=user) == 1
    assert set(Photo.objects.values_list("pk", flat=True)) >= {mine_kept.pk, theirs.pk}
    assert not Photo.objects.filter(pk=mine_trashed.pk).exists()


def test_the_purge_deletes_photos_trashed_longer_than_the_retention(user, other_user, settings,
                                                                     django_capture_on_commit_callbacks):
    settings.TRASH_RETENTION_DAYS = 30
    old = ready_photo_factory(owner=user)
    recent, alive = photo_rows(owner=user, taken=[None, None])
    foreign_old = photo_rows(owner=other_user, taken=[None])[0]
    trash.photos_trash(photos=[old, recent, foreign_old])
    now = timezone.now()
    Photo.objects.filter(pk__in=[old.pk, foreign_old.pk]).update(trashed_at=now - timedelta(days=30, minutes=1))
    Photo.objects.filter(pk=recent.pk).update(trashed_at=now - timedelta(days=29))
    files = stored_files(old)
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_trash.apply().get() == 2  # the Celery task, run in process
    assert set(Photo.objects.filter(pk__in=[old.pk, recent.pk, alive.pk, foreign_old.pk]).values_list("pk", flat=True)) \
        == {recent.pk, alive.pk}
    assert not any(path.exists() for path in files)
    assert trash.trash_purge(now=now + timedelta(days=2)) == 1  # recent's turn comes


def test_the_purge_runs_hourly_in_celery_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["purge-trash"]
    assert entry["task"] == "gallery.tasks.purge_trash" and entry["schedule"] <= 3600


def test_uploading_a_trashed_photo_again_restores_it(user):
    data = images.jpeg(seed=77)
    photo = uploads.photo_upload(owner=user, file=images.upload(data)).photo
    trash.photos_trash(photos=[photo])
    again = uploads.photo_upload(owner=user, file=images.upload(data, name="again.jpg"))
    assert again.result == "duplicate" and again.photo.pk == photo.pk
    photo.refresh_from_db()
    assert photo.trashed_at is None


def test_a_photo_indexed_while_in_the_trash_stays_out_of_search(user):
    photo = ready_photo_factory(owner=user)
    model = active_model()
    vector = PhotoEmbedding.objects.get(photo=photo, model=model).embedding
    trash.photos_trash(photos=[photo])
    query = np.asarray(vector, dtype=np.float32)
    photos_index(model=model, rows=[(photo.pk, user.pk, query)])  # a re-index passing by
    assert PhotoEmbedding.objects.filter(photo=photo, model=model).exists()
    assert vectors.nearest(model=model, owner_id=user.pk, query=query, limit=5) == []
    trash.photos_restore(photos=[photo])
    assert [match.photo_id for match in vectors.nearest(model=model, owner_id=user.pk, query=query, limit=5)] == [photo.pk]
