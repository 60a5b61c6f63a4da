"""The load test's run: uploader and searcher threads against a server (`load_run`), and the
whole test against a live server of our own or a given one (`run`, `manage.py load_test`)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.datasets import generated_jpeg, sample_photos
from benchmarks.load_test.client import ApiClient
from benchmarks.load_test.results import LIST, POLL, SEARCH, SIMILAR, LoadResult, Sample, load_result
from benchmarks.load_test.server import default_data_dir, live_server

SEARCH_WORDS = ("dog", "airplane", "sunflower", "a red car", "butterfly", "piano", "face", "motorbike",
                "a bird on a branch", "boat on water", "watch", "chair", "camera", "flower", "leopard",
                "building", "guitar", "elephant", "pizza", "lamp")
Log = Callable[[str], None]


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
    return load_result(url=url, model=model, uploaders=uploaders, searchers=searchers, source=source, photos=photos,
                   added=added, final=final, samples=samples, upload_seconds=upload_seconds,
                   search_seconds=search_seconds)


def _warm_up(*, client: ApiClient) -> set[int]:
    """One photo through the whole pipeline and one request of each kind, so that no timed request
    pays for loading the model; returns the ids known to be ready."""
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


def run(*, uploaders: int, photos: int, searchers: int, url: str | None = None, token: str | None = None,
        data_dir: Path | None = None, ready_timeout: float = 600.0, log: Log = lambda message: None) -> LoadResult:
    """The whole load test: photos sampled like the ingest benchmark, against `url` + `token`, or
    against a live server of our own in `data_dir` (default: <DATA_DIR>/loadtest)."""
    files, source = sample_photos(count=photos)
    arguments = dict(photos=files, uploaders=uploaders, searchers=searchers, source=source,
                     ready_timeout=ready_timeout, log=log)
    if url:
        if not token:
            raise ValueError("--url needs --token")
        return load_run(url=url, token=token, **arguments)
    with live_server(data_dir=data_dir or default_data_dir(), log=log) as (server_url, server_token):
        return load_run(url=server_url, token=server_token, **arguments)
