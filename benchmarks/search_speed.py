"""Search speed: find-similar latency and recall on clustered vectors (through the search module,
raw SQL and numpy), and text, region and find-similar requests through Django's stack.
Used by `benchmark_search` and `benchmark_report`."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings

from accounts.services.tokens import api_token_create
from benchmarks import synthetic
from benchmarks.datasets import generated_jpeg
from benchmarks.stats import percentiles_ms
from gallery.models import Photo
from gallery.services import uploads
from search import text, vectors
from search.clip import encoders
from search.models import EmbeddingModel, GloveWord
from search.selectors import embedding_models, words

PREFIX = "benchmark-search"
MODEL_KEY = "synthetic/benchmark-512"
DIMS = 512
K = 10


@dataclass
class Row:
    name: str
    p50_ms: float
    p95_ms: float
    recall: float | None = None

    def line(self) -> str:
        recall = f"{self.recall:.3f}" if self.recall is not None else "-"
        return f"| {self.name} | {self.p50_ms:.2f} | {self.p95_ms:.2f} | {recall} |"


def build(*, total: int, big_users: int, small_size: int, clusters: int, log) -> EmbeddingModel:
    """(Re)create the benchmark data: `big_users` users sharing total - small_size vectors, one small user."""
    teardown(log=log)
    model = synthetic.synthetic_model(dims=DIMS, key=MODEL_KEY, index=False)
    matrix = synthetic.clustered_vectors(total, dims=DIMS, clusters=clusters, seed=42)
    users = synthetic.make_users(big_users + 1, prefix=PREFIX)
    per_big = (total - small_size) // big_users
    started = time.monotonic()
    for number, user in enumerate(users):
        rows = matrix[number * per_big:(number + 1) * per_big] if number < big_users else matrix[-small_size:]
        synthetic.fill_gallery(owner=user, model=model, matrix=rows, batch_size=5000)
        log(f"  loaded user {number + 1}/{len(users)} ({len(rows)} vectors)")
    log(f"loaded {total} vectors in {time.monotonic() - started:.0f} s; building the HNSW index…")
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {vectors.TABLE} SET (parallel_workers = 2)")
        cursor.execute("SET maintenance_work_mem = '512MB'")
    vectors.ensure_model_index(model=model)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {vectors.TABLE}")
    log(f"index built in {time.monotonic() - started:.0f} s")
    return model


def teardown(*, log) -> None:
    synthetic.remove_users_and_model(prefix=PREFIX, model_key=MODEL_KEY)
    log("removed earlier benchmark data")


# The search module's trash condition, written out (the yardstick's SQL is its own).
OUTSIDE_TRASH = f"photo_id NOT IN (SELECT id FROM {vectors.PHOTO_TABLE} WHERE owner_id = %s AND trashed_at IS NOT NULL)"


def nearest_ids_baseline(*, model: EmbeddingModel, owner_id: int, query: np.ndarray, limit: int,
                         use_index: bool) -> list[int]:
    """The plainest form of `vectors.nearest` (no paging, no re-sort, no exclusion): the raw-SQL
    yardstick, with the module's own transport (a binary vector, one round trip)."""
    dims = int(model.dimensions)
    column = f"embedding::halfvec({dims})" if use_index else "embedding"
    sql = (f"SELECT photo_id FROM {vectors.TABLE} WHERE model_id = %s AND {OUTSIDE_TRASH} AND owner_id = %s "
           f"ORDER BY {column} <=> %s::halfvec({dims}) LIMIT %s")
    params = [model.pk, owner_id, owner_id, vectors.halfvec_param(query), limit]
    with vectors.binary_cursor() as cursor:
        if use_index:
            with cursor.connection.pipeline():
                cursor.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)")
                cursor.execute(sql, params)
        else:
            cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def nearest_ids_text_baseline(*, model: EmbeddingModel, owner_id: int, query: np.ndarray, limit: int,
                              use_index: bool) -> list[int]:
    """The same SQL with a text vector and a transaction around `SET LOCAL`: the transport the
    search module used before it bound vectors as binary (what the binary path saves)."""
    dims = int(model.dimensions)
    column = f"embedding::halfvec({dims})" if use_index else "embedding"
    with transaction.atomic(), connection.cursor() as cursor:
        if use_index:
            cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute(f"SELECT photo_id FROM {vectors.TABLE} WHERE model_id = %s AND {OUTSIDE_TRASH} AND owner_id = %s "
                       f"ORDER BY {column} <=> %s::halfvec({dims}) LIMIT %s",
                       [model.pk, owner_id, owner_id, vectors.vector_literal(query), limit])
        return [row[0] for row in cursor.fetchall()]


def measure_user(*, model, user, queries: int, label: str) -> list[Row]:
    ids, matrix = vectors.owner_vectors(model=model, owner_id=user.pk)
    ids = ids.tolist()
    rng = np.random.default_rng(7)
    picks = rng.choice(len(ids), size=min(queries, len(ids)), replace=False)
    use_index = vectors.uses_index(model=model, owner_id=user.pk)
    module_times, sql_times, text_sql_times, numpy_times, recalls = [], [], [], [], []
    for i in picks:  # warm the buffer cache once, so neither timed pass pays for the other's reads
        vectors.nearest(model=model, owner_id=user.pk, query=matrix[i], limit=K, exclude_photo_id=ids[i])
    for i in picks:
        query = matrix[i]
        started = time.perf_counter()
        expected = synthetic.exact_top_k(matrix, ids, query, K, exclude=ids[i])
        numpy_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        found = vectors.nearest(model=model, owner_id=user.pk, query=query, limit=K, exclude_photo_id=ids[i])
        module_times.append(time.perf_counter() - started)
        recalls.append(len({m.photo_id for m in found} & set(expected)) / K)
    for i in picks:
        started = time.perf_counter()
        nearest_ids_baseline(model=model, owner_id=user.pk, query=matrix[i], limit=K, use_index=use_index)
        sql_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        nearest_ids_text_baseline(model=model, owner_id=user.pk, query=matrix[i], limit=K, use_index=use_index)
        text_sql_times.append(time.perf_counter() - started)
    plan = "HNSW iterative" if use_index else "exact scan"
    return [
        Row(f"{label} ({len(ids)} photos): search module, {plan}", *percentiles_ms(module_times), float(np.mean(recalls))),
        Row(f"{label}: raw SQL, same plan (binary vector, one round trip)", *percentiles_ms(sql_times)),
        Row(f"{label}: raw SQL, same plan (text vector, SET LOCAL in a transaction)", *percentiles_ms(text_sql_times)),
        Row(f"{label}: numpy exact scan in process (floor)", *percentiles_ms(numpy_times), 1.0),
    ]


def _clear_query_caches() -> None:
    """Forget cached query vectors, so that the next text queries are cold."""
    text.text_cache_clear()
    words.word_query_cache_clear()


def _timed_requests(calls) -> list[float]:
    times = []
    for call in calls:
        started = time.perf_counter()
        response = call()
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
    return times


def measure_http(*, model, user, requests: int) -> list[Row]:
    """Requests through Django's full stack (test client, so no socket): find-similar on the
    benchmark vectors; text (cold and cached) and region search with the active model encoding
    the query, against the same vectors."""
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Token {api_token_create(user=user, name='benchmark').key}"}
    ids, _ = vectors.owner_vectors(model=model, owner_id=user.pk)
    picks = np.random.default_rng(3).choice(ids, size=min(requests, len(ids)), replace=False)
    rows = []
    loaded = encoders.get_model()  # load outside the timings
    with embedding_models.searching_model(model):  # the synthetic vectors, queries encoded by the real model
        times = _timed_requests(
            (lambda i=i: client.get(f"/api/v1/photos/{i}/similar/?limit={K}", **auth)) for i in picks)
        rows.append(Row(f"HTTP find-similar, user with {len(ids)} photos", *percentiles_ms(times)))
        if loaded.dimensions != DIMS:
            return rows
        words = [f"photo of thing number {n}" for n in range(min(requests, 100))]
        _clear_query_caches()
        cold = _timed_requests((lambda w=w: client.get("/api/v1/search/", {"q": w, "limit": K}, **auth)) for w in words)
        cached = _timed_requests((lambda w=w: client.get("/api/v1/search/", {"q": w, "limit": K}, **auth)) for w in words)
        kind = "hybrid: CLIP + GloVe tag match" if GloveWord.objects.exists() else "CLIP only: no GloVe words loaded"
        rows.append(Row(f"HTTP text search ({kind}), cold query ({loaded.spec.key})", *percentiles_ms(cold)))
        rows.append(Row(f"HTTP text search ({kind}), cached query", *percentiles_ms(cached)))
        photo = _region_photo(user=user)
        rng = np.random.default_rng(5)
        boxes = [sorted(rng.uniform(0, 0.4, 2)) + sorted(rng.uniform(0.6, 1, 2)) for _ in range(min(requests, 50))]
        region = _timed_requests((lambda b=b: client.post(
            "/api/v1/search/region/", {"photo_id": photo.pk, "box": [b[0], b[1], b[2], b[3]], "limit": K},
            content_type="application/json", **auth)) for b in boxes)
        rows.append(Row("HTTP region search (crop decode + image encoder + search)", *percentiles_ms(region)))
    return rows


def _region_photo(*, user) -> Photo:
    """One real 1600x1200 photo in the big user's gallery, for region searches."""
    outcome = uploads.photo_upload(owner=user, file=SimpleUploadedFile(
        "region.jpg", generated_jpeg(seed=11, width=1600, height=1200)), enqueue=False)
    Photo.objects.filter(pk=outcome.photo.pk).update(status=Photo.Status.READY)
    return outcome.photo


def run(*, total: int, big_users: int, small_size: int, clusters: int, queries: int, reuse: bool, log,
        http: bool = True) -> list[Row]:
    """Find-similar rows for the first big user and the small user, then (with `http`) the HTTP rows."""
    model = EmbeddingModel.objects.filter(key=MODEL_KEY).first() if reuse else None
    if model is None:
        model = build(total=total, big_users=big_users, small_size=small_size, clusters=clusters, log=log)
    users = list(get_user_model().objects.filter(username__startswith=PREFIX + "-").order_by("id"))
    rows = measure_user(model=model, user=users[0], queries=queries, label="big user")
    rows += measure_user(model=model, user=users[-1], queries=queries, label="small user")
    if http:
        with override_settings(RATE_LIMITS_ENABLED=False):  # latency, not the limiter (it allows fewer requests)
            rows += measure_http(model=model, user=users[0], requests=queries)
    return rows
