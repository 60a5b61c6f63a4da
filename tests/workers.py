"""Real Celery workers and brokers for tests (no eager mode, no mocks)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from kombu import pools as kombu_pools

from imagesearch.celery import app

REDIS_PORT = 6379
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def redis_url_or_skip(database: int = 14) -> str:
    """Redis on 127.0.0.1:6379, started here if it is installed but down."""
    if not _port_open(REDIS_PORT) and shutil.which("redis-server"):
        subprocess.run(["redis-server", "--daemonize", "yes", "--port", str(REDIS_PORT), "--save", ""], check=False)
        for _ in range(20):
            if _port_open(REDIS_PORT):
                break
            time.sleep(0.2)
    if not _port_open(REDIS_PORT):
        pytest.skip("Redis is not running on 127.0.0.1:6379 and could not be started")
    return f"redis://127.0.0.1:{REDIS_PORT}/{database}"


@contextlib.contextmanager
def broker(url: str, transport_options: dict | None = None):
    """Point this process's Celery app at another broker for the duration."""
    old = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url, app.conf.broker_transport_options = url, transport_options or {}
    _drop_connection_pools()
    try:
        yield
    finally:
        _drop_connection_pools()
        app.conf.broker_url, app.conf.broker_transport_options = old


def _drop_connection_pools() -> None:
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def database_url() -> str:
    """The URL of the database the tests use, for child processes."""
    db = connection.settings_dict
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host", "")
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    if host.startswith("/"):
        return f"postgres://{auth}@/{db['NAME']}?host={quote(host, safe='/')}"
    return f"postgres://{auth}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def worker_env(*, broker_url: str, extra_env: dict | None = None) -> dict:
    """The environment of a worker subprocess: the test database, this test's media and model."""
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "imagesearch.settings.test",
        "DATABASE_URL": database_url(),
        "TEST_DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CLIP_MODEL": settings.CLIP_MODEL,
        "CLIP_PRETRAINED": settings.CLIP_PRETRAINED,
        "CLIP_RANDOM_WEIGHTS": str(settings.CLIP_RANDOM_WEIGHTS),
        "PYTHONUNBUFFERED": "1",
        "CELERY_QUEUE_PREFIX": settings.CELERY_QUEUE_PREFIX,
        "CACHE_KEY_PREFIX": settings.CACHE_KEY_PREFIX,
        "OCR_ENABLED": str(settings.OCR_ENABLED),
        # Tests that want tags ask for the `vocabulary` fixture; a worker building it on its own
        # would race the flush between transactional tests.
        "VOCABULARY_BUILD_ON_WORKER_START": "false",
    })
    env.update(extra_env or {})
    return env


def start_worker(*, broker_url: str, extra_env: dict | None = None, queues: tuple[str, ...] = (),
                 name: str = "test") -> subprocess.Popen:
    """A solo worker on every queue, or on `queues` (names without this run's prefix)."""
    env = worker_env(broker_url=broker_url, extra_env=extra_env)
    only = ["--queues", ",".join(settings.CELERY_QUEUE_PREFIX + queue for queue in queues)] if queues else []
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "imagesearch", "worker", "--pool", "solo", "--loglevel", "INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--hostname", f"{name}-{os.getpid()}@%h",
         *only],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def stop_process(process: subprocess.Popen, *, timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL if it has not ended within `timeout` seconds (a server or a worker)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stop_worker(process: subprocess.Popen) -> str:
    stop_process(process)
    return process.stdout.read() if process.stdout else ""


def wait_for(predicate, *, timeout: float, interval: float = 0.3) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
