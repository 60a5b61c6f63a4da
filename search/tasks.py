"""Celery tasks of the search app: interfaces over its services, like views."""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError


@shared_task(name="search.tasks.reindex_photos", acks_late=True, autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=5, retry_backoff_max=300, max_retries=10)
def reindex_photos() -> int | None:
    from search.services.reindex import reindex_run  # noqa: PLC0415 - that module queues this task

    job = reindex_run(budget_seconds=settings.TASK_BUDGET_SECONDS)  # past it, it queues its continuation
    return job.pk if job else None


@shared_task(name="search.tasks.read_photo_text", acks_late=True, autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=5, retry_backoff_max=300, max_retries=10)
def read_photo_text() -> int:
    from search.services.photo_text import photo_texts_read  # noqa: PLC0415 - that module queues this task

    # Bounded: past the budget the service queues its continuation (see TASK_BUDGET_SECONDS).
    return photo_texts_read(budget_seconds=settings.TASK_BUDGET_SECONDS, max_batches=settings.TASK_MAX_BATCHES)
