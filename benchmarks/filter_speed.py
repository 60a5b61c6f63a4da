"""Filtered search speed and recall: one big gallery (plus others sharing the index), a camera
filter keeping 100%, 10%, 1%, 0.1% and 0.01% of it; find-similar (limit 10) and the CLIP ranking of
a word search (depth search.selectors.photo_search.HYBRID_DEPTH, the part that filters change),
p50/p95 in the search module and recall@10 against an exact scan of the kept photos."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from benchmarks import synthetic
from benchmarks.stats import percentiles_ms
from gallery.models import Photo
from search import vectors
from search.filters import PhotoFilters
from search.models import EmbeddingModel
from search.selectors.filters import filtered_photos
from search.selectors.photo_search import HYBRID_DEPTH

PREFIX = "bench-filters"
MODEL_KEY = "synthetic/filters"
DIMS = 512
SHARES = (1.0, 0.1, 0.01, 0.001, 0.0001)


@dataclass
class Row:
    what: str
    share: float
    kept: int
    plan: str
    p50: float
    p95: float
    recall: float

    def line(self) -> str:
        return (f"| {self.what} | {self.share:.2%} | {self.kept} | {self.plan} | {self.p50:.1f} | {self.p95:.1f} | "
                f"{self.recall:.3f} |")


def teardown(*, log) -> None:
    users = get_user_model().objects.filter(username__startswith=PREFIX + "-")
    if users.exists():
        with transaction.atomic():
            users.delete()
    for model in EmbeddingModel.objects.filter(key=MODEL_KEY):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {vectors.model_index_name(model)}")
        model.delete()
    log("removed earlier filter benchmark data")


def build(*, gallery: int, others: int, clusters: int, log):
    teardown(log=log)
    model = synthetic.synthetic_model(dims=DIMS, key=MODEL_KEY, index=False)
    matrix = synthetic.clustered_vectors(gallery + others, dims=DIMS, clusters=clusters, seed=42)
    owner, other = synthetic.make_users(2, prefix=PREFIX)
    started = time.monotonic()
    ids = synthetic.fill_gallery(owner=owner, model=model, matrix=matrix[:gallery], batch_size=5000)
    if others:
        synthetic.fill_gallery(owner=other, model=model, matrix=matrix[gallery:], batch_size=5000)
    log(f"loaded {gallery + others} vectors in {time.monotonic() - started:.0f} s; cameras…")
    # Each photo's camera names every (nested) share it is in, so "camera:share0.01" keeps exactly 1%.
    order = np.random.default_rng(7).permutation(gallery)
    with connection.cursor() as cursor:
        for share in SHARES[1:]:
            chosen = [ids[i] for i in order[:max(1, int(gallery * share))]]
            cursor.execute(f"UPDATE {Photo._meta.db_table} SET camera = camera || %s WHERE id = ANY(%s)",
                           [f" share{share}", chosen])
    log("building the HNSW index…")
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
    vectors.ensure_model_index(model=model)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {vectors.TABLE}")
        cursor.execute(f"ANALYZE {Photo._meta.db_table}")
    log(f"index built in {time.monotonic() - started:.0f} s")
    return model, owner, np.asarray(ids), matrix[:gallery]


def run(*, gallery: int, others: int, clusters: int, queries: int, log) -> list[Row]:
    model, owner, ids, matrix = build(gallery=gallery, others=others, clusters=clusters, log=log)
    rng = np.random.default_rng(3)
    rows = []
    for share in SHARES:
        filters = None if share == 1.0 else PhotoFilters(camera=f"share{share}")
        within = filtered_photos(owner_id=owner.pk, filters=filters)
        kept_ids = (ids if within is None else
                    np.asarray(sorted(within.filter(owner=owner).values_list("id", flat=True))))
        position = {photo_id: i for i, photo_id in enumerate(ids)}
        kept_rows = matrix[[position[i] for i in kept_ids]]
        for what, limit in (("find similar", 10), ("word search (CLIP ranking)", HYBRID_DEPTH)):
            plan = vectors.search_plan(model=model, owner_id=owner.pk, within=within, depth=limit)
            times, recalls = [], []
            for index in rng.choice(len(ids), size=queries):
                query = matrix[index]
                started = time.perf_counter()
                found = vectors.nearest(model=model, owner_id=owner.pk, query=query, limit=limit, within=within)
                times.append(time.perf_counter() - started)
                expected = synthetic.exact_top_k(kept_rows, list(kept_ids), query, min(10, len(kept_ids)))
                got = [m.photo_id for m in found[:10]]
                recalls.append(len(set(got) & set(expected)) / max(len(expected), 1))
            p50, p95 = percentiles_ms(times)
            rows.append(Row(what=what, share=share, kept=len(kept_ids), p50=p50, p95=p95,
                            recall=float(np.mean(recalls)),
                            plan=("HNSW" if plan.use_index else "exact") + (f" (counted {plan.rows}, bound {plan.bound})"
                                                                           if plan.filtered else "")))
            log(rows[-1].line())
    return rows
