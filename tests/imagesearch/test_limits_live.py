"""The limits hold across processes: gunicorn with two workers on the test database, its counts in
the database cache (the embedded run) or in Redis. A flood gets 429s with Retry-After from both
workers while the site keeps answering."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from tests import workers
from tests.factories import PASSWORD, UserFactory, api_token_factory

pytestmark = [pytest.mark.worker]
REDIS_DB = 9


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(url: str, *, data: dict | None = None, token: str = "") -> tuple[int, dict, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@pytest.fixture(params=["database", "redis"])
def gunicorn(request, transactional_db, media_root, tmp_path):
    """gunicorn, two sync workers, limits lowered through the environment as an operator would."""
    extra = {"RATE_LIMIT_LOGIN": "3/minute", "RATE_LIMIT_SEARCH": "3/minute"}
    if request.param == "redis":
        url = workers.redis_url_or_skip(database=REDIS_DB)
        redis.Redis.from_url(url).flushdb()
        extra["CACHE_URL"] = url
    env = workers.worker_env(broker_url="filesystem://", extra_env=extra)
    env["TEST_RUN_DIR"] = str(tmp_path / "run")
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "imagesearch.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--timeout", "120", "--access-logfile", "-", "--access-logformat", "pid=%(p)s %(r)s %(s)s",
             "--error-logfile", "-"],
            cwd=workers.PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        up = workers.wait_for(lambda: _both_workers_serve(base, log) or server.poll() is not None, timeout=90)
        assert up and server.poll() is None, log.read_text()[-3000:]
        yield base, log, request.param
    finally:
        workers.stop_process(server)
        if request.param == "redis":
            redis.Redis.from_url(workers.redis_url_or_skip(database=REDIS_DB)).flushdb()


def _healthy(base: str) -> bool:
    try:
        return request(f"{base}/healthz")[0] == 200
    except OSError:
        return False


def _both_workers_serve(base: str, log) -> bool:
    """Both workers have answered: under load one can still be importing the app after the other
    serves, and a flood then would all go to the first (the "both workers answered" checks)."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        answered = list(pool.map(lambda _: _healthy(base), range(8)))
    return all(answered) and len(pids(log, "/healthz")) == 2


def flood(calls, count: int) -> list[tuple[int, dict, str]]:
    """`count` requests at once, all within one minute window: the counts are per fixed window, so a
    flood that straddled a minute's end would rightly get a fresh allowance after it."""
    into_minute = time.time() % 60
    if into_minute > 30:  # each worker's first search loads the model: leave it time
        time.sleep(60 - into_minute + 0.5)
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: calls(), range(count)))


def pids(log, path: str) -> set[str]:
    return set(re.findall(rf"pid=<?(\d+)>? \w+ {re.escape(path)}", log.read_text()))


def assert_limit_held(results, *, allowed: int, ok: int) -> None:
    statuses = sorted(status for status, _, _ in results)
    assert statuses == [ok] * allowed + [429] * (len(results) - allowed), statuses
    for status, headers, body in results:
        if status == 429:
            assert 0 < int(headers["Retry-After"]) <= 60 and "try again in" in json.loads(body)["detail"]


def test_a_flood_of_token_requests_is_limited_across_both_workers(gunicorn):
    base, log, _ = gunicorn
    user = UserFactory()
    # Enough at once that both sync workers take some (the kernel may hand a short burst to one).
    results = flood(lambda: request(f"{base}/api/v1/auth/token/", data={"username": user.username, "password": PASSWORD}),
                    24)
    assert_limit_held(results, allowed=3, ok=200)
    assert len(pids(log, "/api/v1/auth/token/")) == 2, log.read_text()[-2000:]  # both workers answered
    assert request(f"{base}/healthz")[0] == 200  # the site stays up


def test_a_flood_of_searches_is_limited_across_both_workers(gunicorn):
    base, log, backend = gunicorn
    if backend == "redis":
        pytest.skip("one cache backend is enough for the model-running scope (each worker loads the model)")
    token = api_token_factory(user=UserFactory())
    results = flood(lambda: request(f"{base}/api/v1/search/?q=dog", token=token), 24)
    assert_limit_held(results, allowed=3, ok=200)
    assert len(pids(log, "/api/v1/search/?q=dog")) == 2, log.read_text()[-2000:]
    assert request(f"{base}/api/v1/photos/", token=token)[0] == 200  # other endpoints still answer
