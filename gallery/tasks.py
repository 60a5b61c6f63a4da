"""Celery tasks of the gallery: interfaces over its services, like views. Each imports its
service in its body, because the services import this module to queue the tasks."""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError


@shared_task(
    name="gallery.tasks.process_pending_photos",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError, OSError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=10,
)
def process_pending_photos() -> int:
    from gallery.services.processing import photos_process_pending  # noqa: PLC0415 - it imports this module

    # Bounded: past the budget the service queues its continuation (see TASK_BUDGET_SECONDS).
    return photos_process_pending(budget_seconds=settings.TASK_BUDGET_SECONDS, max_batches=settings.TASK_MAX_BATCHES)


@shared_task(name="gallery.tasks.sweep_unprocessed_photos", acks_late=True)
def sweep_unprocessed_photos() -> dict:
    from gallery.services.housekeeping import photos_sweep  # noqa: PLC0415 - it imports this module (through processing)

    return photos_sweep()


@shared_task(name="gallery.tasks.purge_trash", acks_late=True, autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=30, max_retries=5)
def purge_trash() -> int:
    from gallery.services.trash import trash_purge  # noqa: PLC0415 - tasks import their services in their bodies

    return trash_purge()
