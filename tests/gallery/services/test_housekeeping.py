"""The periodic sweep: stale claims, lost messages, thumbnails left behind."""

import os
from datetime import timedelta

from django.utils import timezone

from gallery.models import Photo
from gallery.services import housekeeping, processing
from search.models import PhotoEmbedding
from tests.factories import photo_factory, ready_photo_factory


def test_sweep_returns_stale_claims_to_the_queue(user):
    photo = photo_factory(owner=user)
    processing._claim_batch(size=1)  # a worker claims it, then dies
    Photo.objects.filter(pk=photo.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
    assert housekeeping.photos_sweep()["released"] == 1
    assert processing.photos_process_pending() == 1
    photo.refresh_from_db()
    assert photo.status == "ready" and photo.attempts == 2
    assert PhotoEmbedding.objects.filter(photo=photo).count() == 1


def test_sweep_removes_the_thumbnails_a_dead_worker_left_behind(user):
    kept = ready_photo_factory(owner=user)
    photo = photo_factory(owner=user)
    processing._claim_batch(size=1)
    prepared = processing._prepare_for_embedding(Photo.objects.get(pk=photo.pk))  # written, then the worker dies
    storage = kept.thumbnail.storage
    old = timezone.now() - timedelta(hours=1)
    os.utime(storage.path(prepared.thumbnail_name), (old.timestamp(), old.timestamp()))
    Photo.objects.filter(pk=photo.pk).update(claimed_at=old)
    fresh = processing._prepare_for_embedding(Photo.objects.get(pk=photo.pk)).thumbnail_name  # a live batch's

    assert housekeeping.photos_sweep()["released"] == 1
    assert not storage.exists(prepared.thumbnail_name)
    assert storage.exists(kept.thumbnail.name) and storage.exists(fresh)


def test_sweep_gives_up_after_too_many_attempts_with_a_reason(user, settings):
    photo = photo_factory(owner=user)
    processing._claim_batch(size=1)
    Photo.objects.filter(pk=photo.pk).update(claimed_at=timezone.now() - timedelta(hours=1),
                                             attempts=settings.PROCESSING_MAX_ATTEMPTS)
    housekeeping.photos_sweep()
    photo.refresh_from_db()
    assert photo.status == "failed" and "did not finish" in photo.error
