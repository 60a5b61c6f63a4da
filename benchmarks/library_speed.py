"""Library speed: the timeline and bulk actions over HTTP for one user with many photos.

Photo rows are inserted in bulk (no files: the lists and actions never open one), with dates taken
spread over twenty years (a tenth without one: they sort by the date added), each with an image
vector under a synthetic 512-d model (its HNSW index built after loading) and a tag vector, so
that a trash and a restore move real search rows in and out of the HNSW indexes. Requests go
through Django's whole stack (the test client: no socket), rate limits off, as the search
benchmark's HTTP rows. Used by `benchmark_library` and `benchmark_report`."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from accounts.services.tokens import api_token_create
from albums.services import album_create
from benchmarks import synthetic
from benchmarks.stats import percentiles_ms
from gallery.models import Photo, TakenAtSource
from search import vectors
from search.models import GLOVE_DIMENSIONS, PhotoEmbedding, PhotoTagVector

PREFIX = "benchmark-library"
MODEL_KEY = "synthetic/benchmark-library-512"
DIMS = 512
PAGE_SIZE = 60  # what the timeline page shows (gallery.timeline.PAGE_SIZE)
TIMELINE_GOAL_MS = 50.0
BULK_GOAL_MS = 2000.0
YEARS = 20
UNDATED_SHARE = 0.1
INSERT_BATCH = 5000
TAG_VECTOR_INDEX = "photo_tag_vector_hnsw"  # search.models.PhotoTagVector's index

Log = Callable[[str], None]


@dataclass
class LibraryRow:
    name: str
    p50_ms: float
    p95_ms: float
    samples: int
    goal_ms: float | None = None

    @property
    def met(self) -> bool | None:
        return None if self.goal_ms is None else self.p95_ms <= self.goal_ms

    def line(self) -> str:
        goal = "-" if self.goal_ms is None else f"p95 ≤ {self.goal_ms:.0f}"
        verdict = {None: "-", True: "met", False: "**NOT met**"}[self.met]
        return f"| {self.name} | {self.p50_ms:.1f} | {self.p95_ms:.1f} | {self.samples} | {goal} | {verdict} |"


@dataclass
class PlanCheck:
    """What one request asked the database: its queries on photos, the indexes they use, counts."""

    request: str
    photo_queries: int
    counts: int  # queries with COUNT( in them
    indexes: list[str] = field(default_factory=list)
    sequential_scans: int = 0  # of the photo table

    def line(self) -> str:
        return (f"| {self.request} | {self.photo_queries} | {self.counts} | {', '.join(self.indexes) or '-'} "
                f"| {self.sequential_scans} |")


@dataclass
class LibrarySpeed:
    photos: int
    requests: int
    bulk_size: int
    bulk_rounds: int
    rows: list[LibraryRow]
    plans: list[PlanCheck]
    build_seconds: float = 0.0


# --- Data -----------------------------------------------------------------------------------

def build(*, photos: int, log: Log) -> None:
    """(Re)create the benchmark user with `photos` photos, their image and tag vectors."""
    teardown(log=log)
    started = time.monotonic()
    (user,) = synthetic.make_users(1, prefix=PREFIX)
    model = synthetic.synthetic_model(dims=DIMS, key=MODEL_KEY, index=False)
    rng = np.random.default_rng(42)
    newest = datetime(2026, 11, 30, tzinfo=dt_timezone.utc)
    seconds_back = rng.uniform(0, YEARS * 365.25 * 86400, size=photos)
    undated = rng.random(photos) < UNDATED_SHARE
    with _tag_vector_index_built_after():
        for start in range(0, photos, INSERT_BATCH):
            _load_batch(user=user, model=model, start=start, stop=min(start + INSERT_BATCH, photos), rng=rng,
                        newest=newest, seconds_back=seconds_back, undated=undated)
            log(f"  {min(start + INSERT_BATCH, photos):,}/{photos:,} photos")
        log("building the tag vectors' HNSW index…")
    log("building the image vectors' HNSW index…")
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
    vectors.ensure_model_index(model=model)
    with connection.cursor() as cursor:
        for table in (Photo._meta.db_table, vectors.TABLE, vectors.TAG_VECTOR_TABLE):
            cursor.execute(f"ANALYZE {table}")
    log(f"loaded {photos:,} photos in {time.monotonic() - started:.0f} s")


@contextmanager
def _tag_vector_index_built_after():
    """Drop the tag vectors' HNSW index while loading and build it again over the loaded rows
    (as the image vectors' index: several times faster than inserting into a live index). The
    table is locked meanwhile: run benchmarks on a database nobody searches."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [TAG_VECTOR_INDEX])
        (definition,) = cursor.fetchone()
        cursor.execute(f"DROP INDEX {TAG_VECTOR_INDEX}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            # Inside a transaction (a test's), the rows' deferred foreign-key checks must run first.
            in_transaction = connection.in_atomic_block
            if in_transaction:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(definition)
            if in_transaction:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _load_batch(*, user, model, start: int, stop: int, rng, newest: datetime, seconds_back, undated) -> None:
    with transaction.atomic():
        rows = Photo.objects.bulk_create([
            Photo(owner=user, original=f"originals/{PREFIX}/{i}.jpg", original_name=f"IMG_{i:06d}.jpg",
                  sha256=f"{i:064x}", content_type="image/jpeg", file_size=1, width=1, height=1,
                  status=Photo.Status.READY,
                  taken_at=None if undated[i] else newest - timedelta(seconds=float(seconds_back[i])),
                  taken_at_source=TakenAtSource.UPLOAD if undated[i] else TakenAtSource.EXIF_OFFSET)
            for i in range(start, stop)])
        embeddings = synthetic.clustered_vectors(stop - start, dims=DIMS, clusters=max(1, (stop - start) // 100),
                                                 seed=start)
        PhotoEmbedding.objects.bulk_create([PhotoEmbedding(photo=photo, owner=user, model=model, embedding=vector)
                                            for photo, vector in zip(rows, embeddings)])
        tag_rows = rng.standard_normal((stop - start, GLOVE_DIMENSIONS)).astype(np.float32)
        tag_rows /= np.linalg.norm(tag_rows, axis=1, keepdims=True)
        PhotoTagVector.objects.bulk_create([PhotoTagVector(photo=photo, owner=user, vector=vector)
                                            for photo, vector in zip(rows, tag_rows)])


def teardown(*, log: Log) -> None:
    synthetic.remove_users_and_model(prefix=PREFIX, model_key=MODEL_KEY)
    log("removed earlier library benchmark data")


def benchmark_user():
    return get_user_model().objects.filter(username__startswith=PREFIX + "-").order_by("id").first()


# --- Measurements ---------------------------------------------------------------------------

def _timed(times: list[float], call: Callable, *args, **kwargs):
    started = time.perf_counter()
    result = call(*args, **kwargs)
    times.append(time.perf_counter() - started)
    return result


def _ok(response, *, status: int = 200):
    assert response.status_code == status, (response.status_code, response.content[:300])
    return response


class _Session:
    """One user's two clients: the API with a token, the pages with a session."""

    def __init__(self, user):
        self.api = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Token {api_token_create(user=user, name='benchmark').key}"}
        self.pages = Client()
        self.pages.force_login(user)

    def get(self, path: str, params: dict | None = None):
        return _ok(self.api.get(path, params or {}, **self.auth))

    def post(self, path: str, body: dict):
        return _ok(self.api.post(path, body, content_type="application/json", **self.auth))

    def page(self, path: str, params: dict | None = None, *, fragment: bool = False):
        headers = {"HTTP_X_REQUESTED_WITH": "fetch"} if fragment else {}
        return _ok(self.pages.get(path, params or {}, **headers))


def _row(name: str, times: list[float], goal_ms: float | None = None) -> LibraryRow:
    return LibraryRow(name, *percentiles_ms(times), samples=len(times), goal_ms=goal_ms)


def measure_timeline(*, session: _Session, requests: int, photos: int) -> list[LibraryRow]:
    months = session.get("/api/v1/photos/months/")
    listed = months.json()["months"]
    old = listed[-max(1, len(listed) // 10):]  # the oldest tenth of the months
    rng = np.random.default_rng(3)
    first, walk, deep, counts, jump, page, scroll, page_jump = ([] for _ in range(8))
    timeline = {"ordering": "-taken_at", "page_size": PAGE_SIZE}
    cursor = None
    def jump_to_month():
        listed = session.get("/api/v1/photos/months/").json()["months"]
        target = listed[int(rng.integers(len(listed)))]
        return session.get("/api/v1/photos/", {**timeline, "cursor": target["cursor"]})

    for _ in range(requests):
        body = _timed(first, session.get, "/api/v1/photos/", timeline).json()
        assert len(body["results"]) == min(PAGE_SIZE, photos)
        # Scrolling on: the next page from the last one's cursor (back to the top at the end).
        cursor = cursor or body["next_cursor"]
        if cursor:
            cursor = _timed(walk, session.get, "/api/v1/photos/", {**timeline, "cursor": cursor}).json()["next_cursor"]
        month = old[int(rng.integers(len(old)))]
        _timed(deep, session.get, "/api/v1/photos/", {**timeline, "cursor": month["cursor"]})
        _timed(counts, session.get, "/api/v1/photos/months/")
        _timed(jump, jump_to_month)
        _timed(page, session.page, "/")
        _timed(scroll, session.page, "/", {"cursor": month["cursor"]}, fragment=True)
        _timed(page_jump, session.page, "/", {"month": f"{month['year']:04d}-{month['month']:02d}"})
    return [
        _row("API timeline, first page (page numbers: counts once)", first, TIMELINE_GOAL_MS),
        _row("API timeline, next page by cursor (scrolling on)", walk, TIMELINE_GOAL_MS) if walk else None,
        _row("API timeline, a page deep in the past (a cursor in the oldest tenth)", deep, TIMELINE_GOAL_MS),
        _row("API month counts (/photos/months/)", counts),
        _row("API jump to a month: month counts + the month's first page", jump),
        _row("page: timeline with the jump list (/)", page, TIMELINE_GOAL_MS),
        _row("page: infinite scroll's next cards, deep in the past", scroll, TIMELINE_GOAL_MS),
        _row("page: jump to a month (/?month=…)", page_jump),
    ]


def measure_bulk(*, session: _Session, user, size: int, rounds: int) -> list[LibraryRow]:
    """Each round takes `size` photos never used before and favourites them, takes the hearts off,
    moves them to the trash, restores them, adds them to an album and takes them out again."""
    ids = list(Photo.objects.filter(owner=user, trashed_at__isnull=True).values_list("id", flat=True))
    rng = np.random.default_rng(9)
    picked = rng.permutation(ids)[:size * rounds].tolist()
    album = album_create(owner=user, name=f"{PREFIX} album")
    actions = {
        "favourite": ("/api/v1/photos/bulk/favourite/", {"favourite": True}),
        "unfavourite": ("/api/v1/photos/bulk/favourite/", {"favourite": False}),
        "move to the trash": ("/api/v1/photos/bulk/trash/", {}),
        "restore": ("/api/v1/photos/bulk/restore/", {}),
        "add to album": (f"/api/v1/albums/{album.pk}/photos/", {}),
        "remove from album": (f"/api/v1/albums/{album.pk}/photos/remove/", {}),
    }
    times: dict[str, list[float]] = {name: [] for name in actions}
    for number in range(rounds):
        batch = picked[number * size:(number + 1) * size]
        if len(batch) < size:
            break
        for name, (path, extra) in actions.items():
            body = _timed(times[name], session.post, path, {"ids": batch, **extra}).json()
            assert body["done"] == len(batch), (name, body["done"])
    return [_row(f"API bulk {name}, {size:,} photos", spent, BULK_GOAL_MS) for name, spent in times.items() if spent]


# --- Query plans ----------------------------------------------------------------------------

def _explain(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return [row[0] for row in cursor.fetchall()]


def plan_check(*, name: str, call: Callable[[], object]) -> PlanCheck:
    """Run a request and EXPLAIN every query it made on the photo table."""
    table = f'"{Photo._meta.db_table}"'
    with CaptureQueriesContext(connection) as captured:
        call()
    photo_queries = [query["sql"] for query in captured.captured_queries
                     if query["sql"].startswith("SELECT") and f"FROM {table}" in query["sql"]]
    indexes: list[str] = []
    sequential = 0
    for sql in photo_queries:
        for line in _explain(sql):
            if " using " in line and " on gallery_photo" in line:
                index = line.split(" using ", 1)[1].split(" on ", 1)[0]
                if index not in indexes:
                    indexes.append(index)
            sequential += "Seq Scan on gallery_photo" in line
    return PlanCheck(request=name, photo_queries=len(photo_queries),
                     counts=sum("COUNT(" in sql.upper() for sql in photo_queries), indexes=indexes,
                     sequential_scans=sequential)


def measure_plans(*, session: _Session) -> list[PlanCheck]:
    timeline = {"ordering": "-taken_at", "page_size": PAGE_SIZE}
    months = session.get("/api/v1/photos/months/").json()["months"]
    first = session.get("/api/v1/photos/", timeline).json()
    deep = months[-1]["cursor"]
    checks = [
        plan_check(name="API first page", call=lambda: session.get("/api/v1/photos/", timeline)),
        plan_check(name="API next page (cursor)",
                   call=lambda: session.get("/api/v1/photos/", {**timeline, "cursor": first["next_cursor"]})),
        plan_check(name="API oldest month's page (cursor)",
                   call=lambda: session.get("/api/v1/photos/", {**timeline, "cursor": deep})),
        plan_check(name="API month counts", call=lambda: session.get("/api/v1/photos/months/")),
        plan_check(name="page: infinite scroll's next cards",
                   call=lambda: session.page("/", {"cursor": deep}, fragment=True)),
        plan_check(name="page: favourites' next cards", call=lambda: session.page("/favourites/", fragment=True)),
    ]
    return checks


def run(*, photos: int, requests: int, bulk_size: int, bulk_rounds: int, reuse: bool, log: Log,
        keep: bool = False) -> LibrarySpeed:
    started = time.monotonic()
    user = benchmark_user() if reuse else None
    if user is None or Photo.objects.filter(owner=user).count() != photos:
        build(photos=photos, log=log)
        user = benchmark_user()
    build_seconds = time.monotonic() - started
    try:
        with override_settings(RATE_LIMITS_ENABLED=False):
            session = _Session(user)
            log(f"timeline: {requests} rounds of requests…")
            rows = [row for row in measure_timeline(session=session, requests=requests, photos=photos) if row]
            log(f"bulk: {bulk_rounds} rounds of {bulk_size:,} photos…")
            rows += measure_bulk(session=session, user=user, size=min(bulk_size, photos // max(1, bulk_rounds)),
                                 rounds=bulk_rounds)
            plans = measure_plans(session=session)
    finally:
        if not keep:
            teardown(log=log)
    return LibrarySpeed(photos=photos, requests=requests, bulk_size=bulk_size, bulk_rounds=bulk_rounds, rows=rows,
                        plans=plans, build_seconds=round(build_seconds, 1))


def markdown_lines(speed: LibrarySpeed) -> list[str]:
    return [
        f"One user with {speed.photos:,} photos (synthetic rows, each with a 512-d image vector in an HNSW index "
        f"and a tag vector); {speed.requests} rounds of timeline requests, {speed.bulk_rounds} rounds of bulk "
        f"actions; Django's whole stack through the test client (no socket), rate limits off.", "",
        "| what | p50 ms | p95 ms | samples | goal | |", "|---|---|---|---|---|---|",
        *(row.line() for row in speed.rows), "",
        "What each request asks of the photo table (EXPLAIN of every query it made on it):", "",
        "| request | photo queries | with COUNT | indexes used | sequential scans |", "|---|---|---|---|---|",
        *(check.line() for check in speed.plans), "",
    ]
