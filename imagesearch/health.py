"""Liveness and readiness for the load balancer and the container healthchecks.

`/healthz` answers as long as the process serves requests (liveness: restart me if not).
`/readyz` also checks what a request needs (readiness: send me traffic): the database, the task
broker and the media storage, each with a short timeout, and says which one failed.
"""

from __future__ import annotations

import logging

from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from imagesearch import media_storage
from imagesearch.celery import app

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker() -> None:
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)


def check_storage() -> None:
    media_storage.check(default_storage)


CHECKS = {"database": check_database, "broker": check_broker, "storage": check_storage}


def readiness() -> dict[str, str]:
    """Each check's result: "ok" or the error's text."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its reason
            logger.warning("readiness: %s failed: %s", name, exc)
            results[name] = f"{type(exc).__name__}: {exc}"[:300]
    return results


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def readyz(request: HttpRequest) -> JsonResponse:
    results = readiness()
    ready = all(value == "ok" for value in results.values())
    return JsonResponse({"ready": ready, **results}, status=200 if ready else 503)
