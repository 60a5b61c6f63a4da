"""Celery tasks of the search app: interfaces over its services, like views."""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from search import query_encoding


@shared_task(name="search.tasks.reindex_photos", acks_late=True, autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=5, retry_backoff_max=300, max_retries=10)
def reindex_photos() -> int | None:
    from search.services.reindex import reindex_run  # noqa: PLC0415 - that module queues this task

    job = reindex_run(budget_seconds=settings.TASK_BUDGET_SECONDS)  # past it, it queues its continuation
    return job.pk if job else None


@shared_task(name="search.tasks.sync_gallery_indexes", acks_late=True, autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=30, max_retries=5)
def sync_gallery_indexes() -> dict | None:
    from search.services.gallery_indexes import gallery_indexes_sync  # noqa: PLC0415 - tasks import their services in their bodies

    # Periodic (the beat schedule): past its budget it starts no new build; the next run goes on.
    done = gallery_indexes_sync(budget_seconds=settings.TASK_BUDGET_SECONDS)
    return None if done is None else {"built": len(done.built), "dropped": len(done.dropped),
                                      "remaining": len(done.remaining)}


# Query encoding for web processes without torch (QUERY_ENCODING=worker; search/query_encoding.py).
# They keep their results (the web waits for the reply), are never redelivered (a query nobody
# answered in time is worthless: the web has answered 503 already) and run in seconds.
_QUERY_TASK = {"ignore_result": False, "acks_late": False, "time_limit": 60, "soft_time_limit": 50}


@shared_task(name="search.tasks.describe_query_model", **_QUERY_TASK)
def describe_query_model() -> dict:
    return query_encoding.serve_describe()


@shared_task(name="search.tasks.encode_query_texts", **_QUERY_TASK)
def encode_query_texts(texts: list[str]) -> dict:
    return query_encoding.serve_texts(texts)


@shared_task(name="search.tasks.encode_query_image", **_QUERY_TASK)
def encode_query_image(payload: str) -> dict:
    return query_encoding.serve_image(payload)
@shared_task(name="search.tasks.read_photo_text", acks_late=True, autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=5, retry_backoff_max=300, max_retries=10)
def read_photo_text() -> int:
    from search.services.photo_text import photo_texts_read  # noqa: PLC0415 - that module queues this task

    # Bounded: past the budget the service queues its continuation (see TASK_BUDGET_SECONDS).
    return photo_texts_read(budget_seconds=settings.TASK_BUDGET_SECONDS, max_batches=settings.TASK_MAX_BATCHES)
