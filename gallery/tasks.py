"""Celery tasks: thin interfaces over gallery.services."""

import logging
import subprocess
import sys
import threading

from celery import shared_task
from celery.signals import worker_init, worker_process_init, worker_ready
from django.conf import settings
from django.db import InterfaceError, OperationalError

from gallery import services

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError, OSError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=10,
)
def process_pending_photos() -> int:
    return services.photos_process_pending()


@shared_task(acks_late=True)
def sweep_unprocessed_photos() -> dict:
    return services.photos_sweep()


def _preload_model() -> None:
    from search import clip

    try:
        clip.get_model()
    except clip.ModelUnavailable as exc:
        logger.error("%s", exc)


@worker_process_init.connect
def load_model_in_child(**kwargs) -> None:
    _preload_model()


@worker_init.connect
def load_model_in_solo_worker(sender=None, **kwargs) -> None:
    # The solo pool runs tasks in this process; the prefork pool loads in each child instead
    # (torch must not be initialised before a fork).
    if sender is not None and "solo" in str(getattr(sender, "pool_cls", "")).lower():
        _preload_model()


@worker_ready.connect
def sweep_at_start(sender=None, **kwargs) -> None:
    # Pick up what waited while no worker ran, and start a re-index after a model switch.
    try:
        sweep_unprocessed_photos.apply_async(retry=False)
    except Exception as exc:  # noqa: BLE001 - the periodic sweep will try again
        logger.warning("could not queue the start-up sweep: %s", exc)
    if not settings.VOCABULARY_BUILD_ON_WORKER_START:
        return
    from search import tag_services

    try:
        missing = tag_services.vocabulary_missing()
    except Exception as exc:  # noqa: BLE001 - the database is down: the next start tries again
        logger.warning("could not check the tagging vocabulary: %s", exc)
        return
    if not missing:
        return
    pool = str(getattr(getattr(sender, "controller", None), "pool_cls", "")).lower()
    if "solo" in pool or not pool:
        # Beside the task pool, so that photos are processed meanwhile (tagged when it is done).
        threading.Thread(target=_build_vocabulary, name="vocabulary", daemon=True).start()
    else:
        # A forking pool's parent must not load torch: build in a process of its own.
        subprocess.Popen([sys.executable, str(settings.BASE_DIR / "manage.py"), "build_vocabulary"])


def _build_vocabulary() -> None:
    from django.db import connection

    from search import tag_services

    logger.info("building the tagging vocabulary (first start, about a minute)…")
    try:
        report = tag_services.vocabulary_build(progress=lambda message: logger.info("vocabulary: %s", message))
        if report is not None:
            logger.info("vocabulary ready: %d concepts; %d photo(s) tagged", report.concepts,
                        tag_services.tags_backfill(wait=True))
    except Exception:  # the next worker start tries again; photos meanwhile simply have no tags
        logger.exception("could not build the tagging vocabulary")
    finally:
        connection.close()
