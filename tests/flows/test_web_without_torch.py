"""QUERY_ENCODING=worker: a gunicorn web process encodes no query itself. Searches by words, by an
uploaded image and by a region of a photo go to a real Celery worker over Redis (the `query`
queue, replies through the Redis result backend) and give the same results and scores as
in-process encoding; torch and open_clip never load in the web process (a gunicorn hook reports
its sys.modules after every request). Without a worker, searches answer 503 with a message."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from search.selectors import photo_search
from search.selectors.photo_search import SearchOptions
from tests import images, workers
from tests.factories import api_token_factory, ready_photo_factory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
REDIS_DB = 12
BOX = [0.1, 0.1, 0.7, 0.8]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, *, token: str, fields: dict | None = None, file: bytes | None = None) -> tuple[int, str]:
    """GET, or POST a form (multipart when there is a file), with an API token."""
    headers = {"Authorization": f"Token {token}"}
    body = None
    if file is not None:
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in (fields or {}).items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="query.jpg"\r\n'
                     f"Content-Type: image/jpeg\r\n\r\n".encode() + file + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    elif fields is not None:
        body = json.dumps(fields).encode()
        headers["Content-Type"] = "application/json"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def redis_url():
    url = workers.redis_url_or_skip(database=REDIS_DB)
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def web_timeouts() -> tuple[int, int]:
    """QUERY_ENCODING_TIMEOUT and QUERY_ENCODING_RETRY_SECONDS of the web process: generous for
    a busy machine (a test parametrizes its own)."""
    return 30, 0


@pytest.fixture
def web(web_timeouts, redis_url, media_root, tmp_path):
    """gunicorn as compose runs it (one process, four threads) with QUERY_ENCODING=worker."""
    timeout, retry = web_timeouts
    report = tmp_path / "modules.jsonl"
    env = workers.worker_env(broker_url=redis_url, extra_env={
        "QUERY_ENCODING": "worker", "QUERY_ENCODING_TIMEOUT": str(timeout), "QUERY_ENCODING_RETRY_SECONDS": str(retry),
        "MODULES_REPORT": str(report), "TEST_RUN_DIR": str(tmp_path / "run")})
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "imagesearch.wsgi", "-c", "python:tests.flows.gunicorn_modules_conf",
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4", "--timeout", "120",
             "--error-logfile", "-"],
            cwd=workers.PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        up = workers.wait_for(lambda: _healthy(base) or server.poll() is not None, timeout=60)
        assert up and server.poll() is None, log.read_text()[-3000:]
        yield base, report, log
    finally:
        workers.stop_process(server)


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def query_worker(redis_url, tmp_path):
    """A real Celery worker (solo pool, every queue), its output in a file (a pipe nobody reads would
    fill up and stop it), ready once its banner says so."""
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "imagesearch", "worker", "--pool", "solo", "--loglevel", "INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--hostname", f"query-{uuid.uuid4().hex[:6]}@%h"],
            cwd=workers.PROJECT_ROOT, env=workers.worker_env(broker_url=redis_url), stdout=out, stderr=subprocess.STDOUT)
    try:
        ready = workers.wait_for(lambda: " ready." in log.read_text() or worker.poll() is not None, timeout=180)
        assert ready and worker.poll() is None, log.read_text()[-3000:]
        yield log
    finally:
        workers.stop_process(worker)


def loaded_modules(report) -> set[str]:
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    assert lines, "the gunicorn hook reported no request"
    return set().union(*(line["loaded"] for line in lines))


def assert_same_results(body: str, result) -> None:
    """The web's answer equals the in-process search: the same photos in the same order, the same
    scores (to float noise: the worker and this process may run torch on different thread counts)."""
    answered = json.loads(body)["results"]
    assert [item["photo"]["id"] for item in answered] == [item.photo.pk for item in result.results]
    assert [item["score"] for item in answered] == pytest.approx([item.score for item in result.results], abs=1e-4)
    assert answered


def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def page(url: str, *, cookie: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie}), timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_searches_run_on_the_worker_and_torch_never_loads_in_the_web_process(offline_model, web, query_worker, user,
                                                                            client):
    base, report, log = web
    photos = [ready_photo_factory(owner=user, data=images.jpeg(160, 120, seed=seed)) for seed in range(6)]
    token = api_token_factory(user=user)
    query_image = images.jpeg(300, 200, seed=99)
    options = SearchOptions(limit=30)

    status, body = call(f"{base}/api/v1/search/?q=helicopter&mode=clip", token=token)
    assert status == 200, body + log.read_text()[-3000:] + query_worker.read_text()[-3000:]
    assert_same_results(body, photo_search.search_text(owner=user, text="helicopter", options=options, mode="clip"))
    assert len(json.loads(body)["results"]) == len(photos)

    status, body = call(f"{base}/api/v1/search/image/", token=token, fields={"box": "0.1,0.1,0.7,0.8"},
                        file=query_image)
    assert status == 200, body
    expected = photo_search.search_image(owner=user, file=images.upload(query_image), size=len(query_image), box=BOX,
                                         options=options)
    assert_same_results(body, expected)  # the web-side resize keeps the vector the same

    status, body = call(f"{base}/api/v1/search/region/", token=token, fields={"photo_id": photos[2].pk, "box": BOX})
    assert status == 200, body
    assert_same_results(body, photo_search.search_region(photo=photos[2], box=BOX, options=options))

    # Pages too (the context processor asks which model is active), and several searches at once
    # from the process's four threads share the result backend's one Redis subscription.
    words = ["cat", "red car", "beach", "mountain", "tree", "city at night", "snow", "flowers"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda word: call(f"{base}/api/v1/search/?q={urllib.parse.quote(word)}&mode=clip",
                                                  token=token), words))
    assert [status for status, _ in answers] == [200] * len(words), answers
    for word, (_, body) in zip(words, answers, strict=True):
        assert_same_results(body, photo_search.search_text(owner=user, text=word, options=options, mode="clip"))
    status, body = call(f"{base}/api/v1/status/", token=token)
    assert status == 200 and json.loads(body)["model"].startswith("imagesearch-offline/"), body
    cookie = session_cookie(client, user)
    status, html = page(f"{base}/search/?q=dog", cookie=cookie)
    assert status == 200 and f"/photos/{photos[0].pk}/" in html, html[-2000:]

    assert loaded_modules(report) == set(), report.read_text()[-2000:]


@pytest.mark.parametrize("web_timeouts", [(3, 60)])
def test_without_a_worker_searches_answer_503_with_a_message(offline_model, web, user, client):
    base, report, _ = web
    photo = ready_photo_factory(owner=user)
    token = api_token_factory(user=user)
    status, body = call(f"{base}/api/v1/search/?q=dog", token=token)
    assert status == 503, body
    assert "no ML worker answered within 3 s" in json.loads(body)["detail"] and "query" in json.loads(body)["detail"]
    # Then (and after the start's warm-up, which asked already) it fails fast for
    # QUERY_ENCODING_RETRY_SECONDS instead of making every search wait out the timeout.
    started = time.monotonic()
    status, body = call(f"{base}/api/v1/search/image/", token=token, file=images.jpeg(200, 150, seed=3))
    assert status == 503 and "no ML worker answered" in json.loads(body)["detail"], body
    status, body = call(f"{base}/api/v1/search/region/", token=token, fields={"photo_id": photo.pk, "box": BOX})
    assert status == 503 and "no ML worker answered" in json.loads(body)["detail"], body
    assert time.monotonic() - started < 2
    assert call(f"{base}/api/v1/photos/", token=token)[0] == 200  # what needs no model still answers
    cookie = session_cookie(client, user)
    status, html = page(f"{base}/search/?q=dog", cookie=cookie)
    assert status == 503 and "no ML worker answered within 3 s" in html, html[-2000:]
    assert page(f"{base}/", cookie=cookie)[0] == 200  # pages render (no offline-model notice to show)
    assert loaded_modules(report) == set()
