"""The Celery app (configured from Django's settings, `CELERY_*`) and the worker's start-up hooks.

The hooks import domain code in their bodies: this module is imported while Django's settings
load (imagesearch/__init__.py), before any app or model can be.
"""

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

from celery import Celery
from celery.signals import worker_init, worker_process_init, worker_ready, worker_shutdown
from django.conf import settings
from django.db import connection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagesearch.settings.dev")

logger = logging.getLogger(__name__)

app = Celery("imagesearch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# The queues whose tasks run CLIP: a worker on none of them (ocr, maintenance) never loads it.
MODEL_QUEUES = ("ingest", "reindex", "query")


def consumes_model_queues() -> bool:
    """Whether this worker takes tasks that need the CLIP model. `--queues` and `--exclude-queues`
    are applied to `app.amqp.queues` before `worker_init` (and before the pool forks)."""
    consumed = set(app.amqp.queues.consume_from)
    return any(f"{settings.CELERY_QUEUE_PREFIX}{name}" in consumed for name in MODEL_QUEUES)


def _preload_model() -> None:
    from search.clip import encoders, weights  # noqa: PLC0415 - see the module docstring

    if not consumes_model_queues():
        return  # an OCR or maintenance worker would hold the model's memory for nothing
    try:
        encoders.get_model()
    except weights.ModelUnavailable as exc:
        logger.error("%s", exc)


@worker_init.connect
def encode_queries_here(**kwargs) -> None:
    # A worker owns a model: its own queries (tagging, re-index) never go to the `query` queue.
    from search import query_encoding  # noqa: PLC0415 - see the module docstring

    query_encoding.encode_in_this_process()


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
    from gallery.tasks import sweep_unprocessed_photos  # noqa: PLC0415 - see the module docstring
    from search.services.vocabulary import vocabulary_missing  # noqa: PLC0415 - see the module docstring

    try:
        sweep_unprocessed_photos.apply_async(retry=False)
    except Exception as exc:  # noqa: BLE001 - the periodic sweep will try again
        logger.warning("could not queue the start-up sweep: %s", exc)
    if not settings.VOCABULARY_BUILD_ON_WORKER_START or not consumes_model_queues():
        return
    try:
        missing = vocabulary_missing()
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
    from search.services.tagging import tags_backfill  # noqa: PLC0415 - see the module docstring
    from search.services.vocabulary import vocabulary_build  # noqa: PLC0415 - see the module docstring

    logger.info("building the tagging vocabulary (first start, about a minute)…")
    try:
        report = vocabulary_build(progress=lambda message: logger.info("vocabulary: %s", message))
        if report is not None:
            logger.info("vocabulary ready: %d concepts; %d photo(s) tagged", report.concepts,
                        tags_backfill(wait=True))
    except Exception:  # the next worker start tries again; photos meanwhile simply have no tags
        logger.exception("could not build the tagging vocabulary")
    finally:
        connection.close()


# --- heartbeat: the container healthcheck (python -m imagesearch.healthcheck FILE) reads it ------
_heartbeat_stop = threading.Event()


@worker_ready.connect
def start_heartbeat(sender=None, **kwargs) -> None:
    # A timer of its own (not Celery's event heartbeats, which gossip-less workers don't send):
    # the file is touched only while this process runs and reaches the broker.
    if settings.WORKER_HEARTBEAT_FILE:
        _heartbeat_stop.clear()
        threading.Thread(target=_heartbeat, args=(Path(settings.WORKER_HEARTBEAT_FILE),), name="heartbeat",
                         daemon=True).start()


@worker_shutdown.connect
def stop_heartbeat(**kwargs) -> None:
    _heartbeat_stop.set()
    if settings.WORKER_HEARTBEAT_FILE:
        Path(settings.WORKER_HEARTBEAT_FILE).unlink(missing_ok=True)


def _heartbeat(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    while not _heartbeat_stop.is_set():
        try:
            with app.connection_for_read() as conn:
                conn.ensure_connection(max_retries=1, timeout=5)
            path.touch()
        except Exception as exc:  # noqa: BLE001 - the broker is down: no heartbeat, the healthcheck fails
            logger.warning("heartbeat: broker unreachable (%s)", exc)
        _heartbeat_stop.wait(settings.WORKER_HEARTBEAT_INTERVAL)
