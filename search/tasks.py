"""Celery tasks of the search app: thin interfaces over search.services and search.tag_services."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from search import services, tag_services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=5,
             retry_backoff_max=300, max_retries=10)
def reindex_photos() -> int | None:
    job = services.reindex_run()
    return job.pk if job else None


@shared_task(acks_late=True)
def build_vocabulary() -> dict | None:
    """First start: GloVe's words and the tagging vocabulary (about a minute), then tag what waited."""
    report = tag_services.vocabulary_build(progress=lambda message: logger.info("vocabulary: %s", message))
    if report is None:
        return None
    tagged = tag_services.tags_backfill()
    logger.info("vocabulary ready: %d concepts; %d photo(s) tagged", report.concepts, tagged)
    return {"concepts": report.concepts, "tagged": tagged}
