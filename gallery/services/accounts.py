"""What the gallery does when an account goes: its photos with their files (the accounts app
calls this before it deletes the user)."""

from __future__ import annotations

from django.db import transaction

from gallery.models import ImportedFile, Photo

BATCH = 500


def photos_delete_all(*, owner) -> int:
    """Delete every photo of `owner` with their vectors and tags (cascades) and, after each batch
    commits, their files (gallery.signals); files of in-place imports are never touched. Batches
    keep a large gallery's deletion from holding every row in memory at once."""
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(Photo.objects.filter(owner=owner).order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not ids:
                break
            # Lock first: the worker may be storing a thumbnail of one of them right now.
            list(Photo.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
            Photo.objects.filter(pk__in=ids).delete()
            deleted += len(ids)
    ImportedFile.objects.filter(owner=owner).delete()
    return deleted
