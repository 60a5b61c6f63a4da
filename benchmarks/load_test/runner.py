"""Concurrent load over real HTTP: uploader clients send photos one per request through
`POST /api/v1/photos/` while searcher clients list the gallery, search by words and find similar
photos; then it waits until every uploaded photo is ready and counts what went wrong.

`load_run` drives any server (URL + token). `live_server` starts one like `manage.py serve` does
(gunicorn + a Celery worker, embedded PostgreSQL) in its own data folder, so the database other
people use is never touched. Clients use only the standard library (urllib, threads).
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.search_speed import percentiles_ms

UPLOAD, LIST, SEARCH, SIMILAR, POLL = "upload", "gallery list", "text search", "find-similar", "status poll"
SEARCH_WORDS = ("dog", "airplane", "sunflower", "a red car", "butterfly", "piano", "face", "motorbike",
                "a bird on a branch", "boat on water", "watch", "chair", "camera", "flower", "leopard",
                "building", "guitar", "elephant", "pizza", "lamp")
USER_PREFIX = "loadtest-"
Log = Callable[[str], None]


@dataclass(frozen=True)
class Sample:
    endpoint: str
    status: int  # 0: no HTTP response (refused, reset, timed out)
    seconds: float


@dataclass
class EndpointFigures:
    endpoint: str
    requests: int
    per_second: float
    p50_ms: float
    p95_ms: float
    server_errors: int
    client_errors: int
    no_response: int


@dataclass
class LoadResult:
    url: str
    model: str
    uploaders: int
    searchers: int
    source: str
    photos_sent: int
    added: int  # 201, one new photo each
    upload_failures: int  # anything else (no photo added)
    upload_seconds: float
    uploads_per_s: float
    processing_seconds: float  # server side: first photo created -> last photo ready
    processed_per_s: float
    ready: int
    failed: int
    lost: int  # added but not ready at the end
    lost_ids: list[int]
    server_errors: int  # 5xx on any request
    no_response: int
    search_seconds: float  # how long the searchers ran (upload start -> all ready)
    endpoints: list[EndpointFigures] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.server_errors or self.no_response or self.lost or self.upload_failures)


class ApiClient:
    """A token-authenticated JSON client on urllib that records every request's outcome."""

    def __init__(self, *, url: str, token: str, samples: list[Sample], timeout: float = 120.0):
        self.url, self.timeout, self.samples = url.rstrip("/"), timeout, samples
        self.headers = {"Authorization": f"Token {token}", "Accept": "application/json"}

    def get(self, endpoint: str, path: str, **params) -> tuple[int, object]:
        query = f"?{urlencode(params)}" if params else ""
        return self._send(endpoint, urllib.request.Request(self.url + path + query, headers=self.headers))

    def upload(self, *, name: str, data: bytes) -> tuple[int, object]:
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        headers = {**self.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self._send(UPLOAD, urllib.request.Request(f"{self.url}/api/v1/photos/", data=body, headers=headers))

    def _send(self, endpoint: str, request: urllib.request.Request) -> tuple[int, object]:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        except (OSError, urllib.error.URLError):  # refused, reset, timed out: no answer at all
            status, body = 0, b""
        self.samples.append(Sample(endpoint=endpoint, status=status, seconds=time.perf_counter() - started))
        try:
            return status, json.loads(body) if body else None
        except ValueError:
            return status, None


def load_run(*, url: str, token: str, photos: list[tuple[str, bytes]], uploaders: int, searchers: int,
             source: str = "", ready_timeout: float = 600.0, log: Log = lambda message: None) -> LoadResult:
    """Upload `photos` from `uploaders` threads while `searchers` threads search, then wait until
    every added photo is ready (or failed, or `ready_timeout` passed)."""
    samples: list[Sample] = []
    client = ApiClient(url=url, token=token, samples=[])  # the warm-up stays out of the figures
    model = (client.get(POLL, "/api/v1/status/")[1] or {}).get("model", "?")
    ready_ids = _warm_up(client=client)
    queue = list(reversed(photos))
    added: dict[int, str] = {}
    lock, stop = threading.Lock(), threading.Event()

    def uploader() -> None:
        own = ApiClient(url=url, token=token, samples=samples)
        while True:
            with lock:
                if not queue:
                    return
                name, data = queue.pop()
            status, body = own.upload(name=name, data=data)
            if status == 201 and isinstance(body, list) and body and body[0].get("result") == "added":
                with lock:
                    added[body[0]["photo"]["id"]] = name

    def searcher(number: int) -> None:
        own, rng = ApiClient(url=url, token=token, samples=samples), random.Random(number)
        while not stop.is_set():
            status, body = own.get(LIST, "/api/v1/photos/")
            with lock:
                if status == 200 and isinstance(body, dict):
                    ready_ids.update(item["id"] for item in body.get("results", []) if item.get("status") == "ready")
                similar_to = rng.choice(sorted(ready_ids))
            own.get(SEARCH, "/api/v1/search/", q=rng.choice(SEARCH_WORDS), limit=10)
            own.get(SIMILAR, f"/api/v1/photos/{similar_to}/similar/", limit=10)

    search_threads = [threading.Thread(target=searcher, args=(n,), daemon=True) for n in range(searchers)]
    upload_threads = [threading.Thread(target=uploader, daemon=True) for _ in range(uploaders)]
    log(f"load: {uploaders} uploaders sending {len(photos)} photos, {searchers} searchers, against {url}")
    started = time.perf_counter()
    for thread in search_threads + upload_threads:
        thread.start()
    for thread in upload_threads:
        thread.join()
    upload_seconds = time.perf_counter() - started
    log(f"load: {len(added)} photos added in {upload_seconds:.1f} s; waiting until they are ready…")
    poller = ApiClient(url=url, token=token, samples=samples)  # its 5xx count too; it has no figures row
    final = _wait_until_processed(client=poller, ids=sorted(added), timeout=ready_timeout)
    search_seconds = time.perf_counter() - started
    stop.set()
    for thread in search_threads:
        thread.join()
    return _result(url=url, model=model, uploaders=uploaders, searchers=searchers, source=source, photos=photos,
                   added=added, final=final, samples=samples, upload_seconds=upload_seconds,
                   search_seconds=search_seconds)


def _warm_up(*, client: ApiClient) -> set[int]:
    """One photo through the whole pipeline and one request of each kind, so that no timed request
    pays for loading the model; returns the ids known to be ready."""
    from benchmarks.search_speed import generated_jpeg

    status, body = client.upload(name="warm-up.jpg", data=generated_jpeg(seed=int(time.time() * 1000) % 2**31))
    if status not in (200, 201) or not isinstance(body, list) or not body[0].get("photo"):
        raise RuntimeError(f"the warm-up upload failed: HTTP {status} {body}")
    photo_id = body[0]["photo"]["id"]
    final = _wait_until_processed(client=client, ids=[photo_id], timeout=300)
    if final.get(photo_id, {}).get("status") != "ready":
        raise RuntimeError(f"the warm-up photo did not become ready: {final.get(photo_id)}")
    for _ in range(4):  # each web worker process, probably
        client.get(LIST, "/api/v1/photos/")
        client.get(SEARCH, "/api/v1/search/", q="warm up", limit=10)
        client.get(SIMILAR, f"/api/v1/photos/{photo_id}/similar/", limit=10)
    return {photo_id}


def _wait_until_processed(*, client: ApiClient, ids: list[int], timeout: float) -> dict[int, dict]:
    """Poll the photos (200 ids a request) until none is pending or processing; their last state."""
    deadline, states = time.monotonic() + timeout, {}
    while True:
        for start in range(0, len(ids), 200):
            chunk = ids[start:start + 200]
            status, body = client.get(POLL, "/api/v1/photos/", ids=",".join(map(str, chunk)), page_size=200)
            if status == 200 and isinstance(body, dict):
                states.update({item["id"]: item for item in body.get("results", [])})
        waiting = [i for i in ids if states.get(i, {}).get("status") not in ("ready", "failed")]
        if not waiting or time.monotonic() > deadline:
            return states
        time.sleep(1.0)


def _result(*, url, model, uploaders, searchers, source, photos, added, final, samples, upload_seconds,
            search_seconds) -> LoadResult:
    ready = [final[i] for i in added if final.get(i, {}).get("status") == "ready"]
    lost = sorted(i for i in added if final.get(i, {}).get("status") != "ready")
    created = [_time(final[i]["created_at"]) for i in added if i in final]
    processed = [_time(item["processed_at"]) for item in ready if item.get("processed_at")]
    processing_seconds = (max(processed) - min(created)).total_seconds() if processed and created else 0.0
    return LoadResult(
        url=url, model=model, uploaders=uploaders, searchers=searchers, source=source, photos_sent=len(photos),
        added=len(added), upload_failures=len(photos) - len(added), upload_seconds=round(upload_seconds, 2),
        uploads_per_s=round(len(added) / upload_seconds, 2) if upload_seconds else 0.0,
        processing_seconds=round(processing_seconds, 2),
        processed_per_s=round(len(ready) / processing_seconds, 2) if processing_seconds else 0.0,
        ready=len(ready), failed=sum(1 for i in added if final.get(i, {}).get("status") == "failed"),
        lost=len(lost), lost_ids=lost[:50],
        server_errors=sum(1 for s in samples if s.status >= 500), no_response=sum(1 for s in samples if s.status == 0),
        search_seconds=round(search_seconds, 2),
        endpoints=endpoint_figures(samples=samples, seconds={UPLOAD: upload_seconds}, default_seconds=search_seconds),
    )


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def endpoint_figures(*, samples: list[Sample], seconds: dict[str, float], default_seconds: float
                     ) -> list[EndpointFigures]:
    """Per endpoint: requests, requests/s over its window, p50/p95 latency and error counts."""
    figures = []
    for endpoint in (UPLOAD, LIST, SEARCH, SIMILAR):
        own = [s for s in samples if s.endpoint == endpoint]
        if not own:
            continue
        p50_ms, p95_ms = percentiles_ms([s.seconds for s in own])
        window = seconds.get(endpoint, default_seconds)
        figures.append(EndpointFigures(
            endpoint=endpoint, requests=len(own), per_second=round(len(own) / window, 2) if window else 0.0,
            p50_ms=round(p50_ms, 1), p95_ms=round(p95_ms, 1),
            server_errors=sum(1 for s in own if s.status >= 500),
            client_errors=sum(1 for s in own if 400 <= s.status < 500), no_response=sum(1 for s in own if s.status == 0)))
    return figures


# --- A live server of our own ----------------------------------------------------------------

PREPARE = """
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from rest_framework.authtoken.models import Token
call_command("migrate", interactive=False, verbosity=0)
if {words}:
    call_command("build_vocabulary", no_tagging=True)
User = get_user_model()
with transaction.atomic():
    User.objects.filter(username__startswith={prefix!r}).delete()
user = User.objects.create_user(username={prefix!r} + {name!r})
print("TOKEN=" + Token.objects.create(user=user).key)
"""
# The server must not inherit the caller's database, queue, media or test settings.
_DROPPED_ENV = ("DATABASE_URL", "TEST_DATABASE_URL", "TEST_DATABASE_NAME", "EMBEDDED_DATABASE_NAME", "MEDIA_ROOT",
                "CELERY_BROKER_URL", "REDIS_URL", "TEST_RUN_DIR", "DJANGO_DEBUG", "CLIP_CACHE_DIR")


def default_data_dir() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "loadtest"


@contextmanager
def live_server(*, data_dir: Path, words: bool = True, web_workers: int = 2, log: Log = lambda message: None
                ) -> Iterator[tuple[str, str]]:
    """Run the app as `manage.py serve` does (gunicorn + Celery worker + embedded PostgreSQL) with
    its data in `data_dir`, the active model of this process, and a fresh user; yields (url, token).
    With `words`, GloVe and the tag vocabulary are loaded first (once per data folder: about a
    minute), so uploads get tags and text search is hybrid as in a real install."""
    from django.conf import settings

    from imagesearch import embedded_postgres

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
    from django.conf import settings

    from search import clip

    spec = clip.active_spec()
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


def run(*, uploaders: int, photos: int, searchers: int, url: str | None = None, token: str | None = None,
        data_dir: Path | None = None, ready_timeout: float = 600.0, log: Log = lambda message: None) -> LoadResult:
    """The whole load test: photos sampled like the ingest benchmark, against `url` + `token`, or
    against a live server of our own in `data_dir` (default: <DATA_DIR>/loadtest)."""
    from benchmarks.search_speed import sample_photos

    files, source = sample_photos(count=photos)
    arguments = dict(photos=files, uploaders=uploaders, searchers=searchers, source=source,
                     ready_timeout=ready_timeout, log=log)
    if url:
        if not token:
            raise ValueError("--url needs --token")
        return load_run(url=url, token=token, **arguments)
    with live_server(data_dir=data_dir or default_data_dir(), log=log) as (server_url, server_token):
        return load_run(url=server_url, token=server_token, **arguments)
