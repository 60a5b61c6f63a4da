from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from gallery.models import Photo


@receiver(post_delete, sender=Photo)
def delete_photo_files(sender, instance: Photo, **kwargs) -> None:
    """Remove a deleted photo's files once the deletion is committed (also on cascades)."""
    files = [f for f in (instance.original, instance.thumbnail, instance.preview) if f]  # never an external_path

    def remove() -> None:
        for field_file in files:
            field_file.storage.delete(field_file.name)

    transaction.on_commit(remove)
