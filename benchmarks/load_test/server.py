"""A live server of our own for the load test: the app as `manage.py serve` runs it (gunicorn +
a Celery worker + embedded PostgreSQL) in its own data folder, with a fresh user."""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from imagesearch import embedded_postgres
from search.clip import weights

USER_PREFIX = "loadtest-"
Log = Callable[[str], None]

PREPARE = """
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from accounts.services.tokens import api_token_create
call_command("migrate", interactive=False, verbosity=0)
call_command("createcachetable")
if {words}:
    call_command("build_vocabulary", no_tagging=True)
User = get_user_model()
with transaction.atomic():
    User.objects.filter(username__startswith={prefix!r}).delete()
user = User.objects.create_user(username={prefix!r} + {name!r})
print("TOKEN=" + api_token_create(user=user, name="load test").key)
"""
# The server must not inherit the caller's database, queue, media or test settings.
_DROPPED_ENV = ("DATABASE_URL", "TEST_DATABASE_URL", "TEST_DATABASE_NAME", "EMBEDDED_DATABASE_NAME", "MEDIA_ROOT",
                "CELERY_BROKER_URL", "REDIS_URL", "TEST_RUN_DIR", "DJANGO_DEBUG", "CLIP_CACHE_DIR")


def default_data_dir() -> Path:
    return Path(settings.DATA_DIR) / "loadtest"


@contextmanager
def live_server(*, data_dir: Path, words: bool = True, web_workers: int = 2, log: Log = lambda message: None
                ) -> Iterator[tuple[str, str]]:
    """Run the app as `manage.py serve` does (gunicorn + Celery worker + embedded PostgreSQL) with
    its data in `data_dir`, the active model of this process, and a fresh user; yields (url, token).
    With `words`, GloVe and the tag vocabulary are loaded first (once per data folder: about a
    minute), so uploads get tags and text search is hybrid as in a real install."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "load-test.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another load test is using {data_dir}") from None
        env = _server_env(data_dir=data_dir)
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        log(f"load: preparing the server's database in {data_dir} (first time: GloVe load, about a minute)…")
        prepared = subprocess.run([*manage, "shell", "-c", PREPARE.format(words=words, prefix=USER_PREFIX,
                                                                          name=uuid.uuid4().hex[:8])],
                                  cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=900)
        tokens = [line[6:] for line in prepared.stdout.splitlines() if line.startswith("TOKEN=")]
        if prepared.returncode or not tokens:
            embedded_postgres.stop(data_dir / "pgdata")
            raise RuntimeError(f"preparing the load-test server failed:\n{prepared.stdout[-2000:]}\n{prepared.stderr[-3000:]}")
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        with (data_dir / "server.log").open("w") as out:
            server = subprocess.Popen([*manage, "serve", "--port", str(port), "--web-workers", str(web_workers)],
                                      cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        try:
            _wait_healthy(url=url, server=server, log_path=data_dir / "server.log")
            log(f"load: server up at {url} (log: {data_dir / 'server.log'})")
            yield url, tokens[0]
        finally:
            _stop(server)
            embedded_postgres.stop(data_dir / "pgdata")


def _server_env(*, data_dir: Path) -> dict[str, str]:
    spec = weights.active_spec()
    env = {name: value for name, value in os.environ.items() if name not in _DROPPED_ENV}
    env.update({
        "DJANGO_SETTINGS_MODULE": "imagesearch.settings.dev",
        "IMAGESEARCH_DATA_DIR": str(data_dir),
        # Model weights are shared with the caller's cache; the active model (maybe the offline
        # fallback) is named outright so no server process probes the network again.
        "CLIP_CACHE_DIR": str(settings.CLIP_CACHE_DIR),
        "CLIP_MODEL": spec.architecture,
        "CLIP_PRETRAINED": spec.pretrained,
        "CLIP_RANDOM_WEIGHTS": str(not spec.pretrained),
        "PYTHONUNBUFFERED": "1",
        # The load test measures throughput: the per-user and per-address limits would cap it.
        "RATE_LIMITS_ENABLED": "false",
    })
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(*, url: str, server: subprocess.Popen, log_path: Path, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer within {timeout:.0f} s:\n{log_path.read_text()[-3000:]}")


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM lets serve stop gunicorn, the worker and its embedded database in order."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
