"""Web processes with and without CLIP (QUERY_ENCODING=local vs worker): the memory of one
gunicorn process (idle after start, after its first search) and the latency of word searches
through HTTP (cold: a new phrase each time; cached: one phrase again), with a Celery worker on
Redis answering the `query` queue in worker mode."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psutil
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from accounts.services.tokens import api_token_create
from benchmarks.stats import percentiles_ms
from search.clip import weights

USER_PREFIX = "bench-query-"
HEAVY_LIBRARIES = ("libtorch", "libc10")  # mapped into a process once torch is imported
Log = Callable[[str], None]


@dataclass(frozen=True)
class ModeFigures:
    mode: str
    rss_idle_mb: float
    rss_after_search_mb: float
    torch_mapped: bool  # libtorch mapped into the web process after the searches
    first_search_s: float
    cold_p50_ms: float
    cold_p95_ms: float
    cached_p50_ms: float
    cached_p95_ms: float
    worker_rss_mb: float | None = None  # the query worker's process, in worker mode

    def line(self) -> str:
        worker = f"{self.worker_rss_mb:.0f}" if self.worker_rss_mb is not None else "-"
        return (f"| {self.mode} | {self.rss_idle_mb:.0f} | {self.rss_after_search_mb:.0f} | "
                f"{'yes' if self.torch_mapped else 'no'} | {self.first_search_s:.2f} | "
                f"{self.cold_p50_ms:.1f} / {self.cold_p95_ms:.1f} | {self.cached_p50_ms:.1f} / {self.cached_p95_ms:.1f} | "
                f"{worker} |")


HEADER = ("| QUERY_ENCODING | web RSS idle MB | web RSS after searches MB | torch in web | first search s | "
          "cold p50 / p95 ms | cached p50 / p95 ms | query worker RSS MB |\n|---|---|---|---|---|---|---|---|")


def run(*, redis_url: str, queries: int = 30, log: Log = lambda message: None) -> list[ModeFigures]:
    token = _token()
    prefix = f"bench-{uuid.uuid4().hex[:8]}-"
    env = _env(redis_url=redis_url, prefix=prefix)
    figures = []
    with _process([sys.executable, "-m", "celery", "-A", "imagesearch", "worker", "--pool", "solo", "--queues",
                   f"{prefix}query", "--without-gossip", "--without-mingle", "--without-heartbeat",
                   "--hostname", f"{prefix}query@%h", "--loglevel", "WARNING"], env=env, name="query-worker") as worker:
        for mode in ("local", "worker"):
            log(f"query encoding: {mode}…")
            figures.append(_measure(mode=mode, env=env, token=token, queries=queries,
                                    worker=worker if mode == "worker" else None))
            log(figures[-1].line())
    return figures


def _measure(*, mode: str, env: dict, token: str, queries: int, worker: psutil.Process | None) -> ModeFigures:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # As compose runs web: gunicorn without manage.py serve's warm-up (the model loads on first use).
    argv = [sys.executable, "-m", "gunicorn", "imagesearch.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
            "--timeout", "300"]
    with _process(argv, env={**env, "QUERY_ENCODING": mode}, name=f"web-{mode}") as master:
        _wait(lambda: _get(f"{base}/healthz", token="")[0] == 200, what="web /healthz")
        web = _only_child(master)
        time.sleep(2.0)
        idle = web.memory_info().rss
        started = time.perf_counter()
        status, body = _get(_search_url(base, "a first search"), token=token)
        first = time.perf_counter() - started
        if status != 200:
            raise RuntimeError(f"search answered {status}: {body[:500]}")
        run_id = uuid.uuid4().hex[:6]
        cold = [_timed(_search_url(base, f"photo {run_id} number {i}"), token) for i in range(queries)]
        cached = [_timed(_search_url(base, "a red car"), token) for _ in range(queries + 1)][1:]
        after = web.memory_info().rss
        mapped = any(library in region.path for region in web.memory_maps() for library in HEAVY_LIBRARIES)
        return ModeFigures(mode=mode, rss_idle_mb=idle / 2**20, rss_after_search_mb=after / 2**20,
                           torch_mapped=mapped, first_search_s=first,
                           cold_p50_ms=percentiles_ms(cold)[0], cold_p95_ms=percentiles_ms(cold)[1],
                           cached_p50_ms=percentiles_ms(cached)[0], cached_p95_ms=percentiles_ms(cached)[1],
                           worker_rss_mb=worker.memory_info().rss / 2**20 if worker else None)


def _search_url(base: str, words: str) -> str:
    # mode=clip: CLIP's text encoder alone, what query encoding changes (no GloVe side).
    return f"{base}/api/v1/search/?{urllib.parse.urlencode({'q': words, 'mode': 'clip', 'limit': 10})}"


def _timed(url: str, token: str) -> float:
    started = time.perf_counter()
    status, body = _get(url, token=token)
    if status != 200:
        raise RuntimeError(f"search answered {status}: {body[:500]}")
    return time.perf_counter() - started


def _get(url: str, *, token: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:
        return 0, str(exc)


def _token() -> str:
    User = get_user_model()
    User.objects.filter(username__startswith=USER_PREFIX).delete()
    user = User.objects.create_user(username=f"{USER_PREFIX}{uuid.uuid4().hex[:8]}")
    return api_token_create(user=user, name="query encoding benchmark").key


def _env(*, redis_url: str, prefix: str) -> dict[str, str]:
    spec = weights.active_spec()
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "imagesearch.settings.dev"),
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": redis_url,
        "CELERY_QUEUE_PREFIX": prefix,
        "CACHE_KEY_PREFIX": prefix,
        "CLIP_MODEL": spec.architecture,
        "CLIP_PRETRAINED": spec.pretrained,
        "CLIP_RANDOM_WEIGHTS": str(not spec.pretrained),
        "CLIP_CACHE_DIR": str(settings.CLIP_CACHE_DIR),
        "RATE_LIMITS_ENABLED": "false",
        # A busy machine may take seconds for one query: measure it rather than answer 503.
        "QUERY_ENCODING_TIMEOUT": "120",
        "QUERY_ENCODING_RETRY_SECONDS": "0",
        "VOCABULARY_BUILD_ON_WORKER_START": "false",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _database_url() -> str:
    db = connection.settings_dict
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host", "")
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    if host.startswith("/"):
        return f"postgres://{auth}@/{db['NAME']}?host={quote(host, safe='/')}"
    return f"postgres://{auth}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


@contextmanager
def _process(argv: list[str], *, env: dict, name: str) -> Iterator[psutil.Process]:
    log_path = Path(settings.DATA_DIR) / f"benchmark-query-encoding-{name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as out:
        popen = subprocess.Popen(argv, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        if popen.poll() is not None:
            raise RuntimeError(f"{name} exited at once:\n{log_path.read_text()[-2000:]}")
        yield psutil.Process(popen.pid)
    finally:
        popen.terminate()
        try:
            popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait()


def _only_child(master: psutil.Process) -> psutil.Process:
    _wait(lambda: len(master.children()) == 1, what="gunicorn's worker process")
    return master.children()[0]


def _wait(predicate: Callable[[], bool], *, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready within {timeout:.0f} s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
