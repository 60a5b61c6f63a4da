"""Celery tasks of the search app: thin interfaces over search.services."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from search import services


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=5,
             retry_backoff_max=300, max_retries=10)
def reindex_photos() -> int | None:
    job = services.reindex_run()
    return job.pk if job else None

