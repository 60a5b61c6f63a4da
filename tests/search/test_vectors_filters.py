"""search.vectors under filters: the plan follows the filtered count, results are the best matches
among the photos that pass (recall@10 against an exact scan of them), pages neither repeat nor skip."""

import numpy as np
import pytest
from django.db import connection, transaction

from benchmarks.synthetic import (
    clustered_vectors,
    exact_top_k,
    fill_gallery,
    make_users,
    remove_users_and_model,
    synthetic_model,
)
from gallery.models import Photo
from search import vectors
from search.filters import PhotoFilters
from search.selectors.filters import filtered_photos

DIMS = 64
GALLERY = 6000
SHARES = (1.0, 0.1, 0.02, 0.005, 0.001)  # of the gallery, kept by a filter


def recall(found: list[int], expected: list[int]) -> float:
    return len(set(found) & set(expected)) / len(expected)


PREFIX, MODEL_KEY = "vector-filters", "synthetic/vector-filters"


@pytest.fixture(scope="module")
def stored_gallery(django_db_setup, django_db_blocker):
    """6,000 photos of one owner (and 4,000 of another in the same index), stored once for the
    module (building them, HNSW inserts included, takes most of 20 s) and removed after it; each
    test runs in its own transaction on top. Each photo's camera names every share it is in
    ("share0.1 share0.02 …"; the shares nest), so a camera filter keeps exactly one share."""
    with django_db_blocker.unblock():
        remove_users_and_model(prefix=PREFIX, model_key=MODEL_KEY)  # left by an interrupted run
        try:
            yield _build_gallery()
        finally:
            remove_users_and_model(prefix=PREFIX, model_key=MODEL_KEY)


def _build_gallery() -> dict:
    model = synthetic_model(dims=DIMS, key=MODEL_KEY)
    owner, other = make_users(2, prefix=PREFIX)
    matrix = clustered_vectors(GALLERY + 4000, dims=DIMS, clusters=200, seed=11)
    ids = fill_gallery(owner=owner, model=model, matrix=matrix[:GALLERY])
    fill_gallery(owner=other, model=model, matrix=matrix[GALLERY:])
    order = np.random.default_rng(5).permutation(GALLERY)
    kept = {share: sorted(ids[i] for i in order[:int(GALLERY * share)]) for share in SHARES}
    labels = {photo_id: " ".join(f"share{share}" for share in SHARES[1:] if photo_id in set(kept[share]))
              for photo_id in ids}
    photos = list(Photo.objects.filter(pk__in=ids).only("pk"))
    for photo in photos:
        photo.camera = labels[photo.pk]
    Photo.objects.bulk_update(photos, ["camera"], batch_size=2000)
    return {"model": model, "owner": owner, "ids": ids, "matrix": matrix[:GALLERY], "kept": kept}


@pytest.fixture
def gallery(stored_gallery, db, monkeypatch):
    """The stored gallery, with EXACT_SCAN_MAX_ROWS and the index's cost per candidate lowered so
    that a few thousand rows exercise both plans."""
    monkeypatch.setattr(vectors, "EXACT_SCAN_MAX_ROWS", 200)
    monkeypatch.setattr(vectors, "HNSW_ROWS_PER_CANDIDATE", 0.25)
    vectors._sizes.clear()
    yield stored_gallery
    vectors._sizes.clear()


def _camera_filter(share: float) -> PhotoFilters | None:
    return None if share == 1.0 else PhotoFilters(camera=f"share{share}")


@pytest.mark.django_db
@pytest.mark.parametrize("share", SHARES)
def test_filtered_results_are_the_best_among_the_kept_photos(gallery, share):
    g = gallery
    within = filtered_photos(owner_id=g["owner"].pk, filters=_camera_filter(share))
    kept = g["kept"][share]
    kept_set = set(kept)
    rows = g["matrix"][[g["ids"].index(i) for i in kept]]
    rng = np.random.default_rng(3)
    recalls = []
    for index in rng.choice(GALLERY, size=30, replace=False):
        query = g["matrix"][index]
        expected = exact_top_k(rows, kept, query, 10)
        matches = vectors.nearest(model=g["model"], owner_id=g["owner"].pk, query=query, limit=10, within=within)
        found = [m.photo_id for m in matches]
        assert set(found) <= kept_set
        assert len(found) == min(10, len(kept))
        assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
        recalls.append(recall(found, expected))
    assert np.mean(recalls) >= 0.99, (share, np.mean(recalls))


@pytest.mark.django_db
def test_the_plan_follows_the_filtered_count_not_the_gallery(gallery):
    g = gallery
    plans = {share: vectors.search_plan(model=g["model"], owner_id=g["owner"].pk, depth=10,
                                        within=filtered_photos(owner_id=g["owner"].pk, filters=_camera_filter(share)))
             for share in SHARES}
    assert plans[1.0].use_index and not plans[1.0].filtered
    bound = vectors.exact_scan_bound(depth=10, gallery=GALLERY)
    for share, plan in list(plans.items())[1:]:
        kept = len(g["kept"][share])
        assert plan.rows == min(kept, bound + 1)
        assert plan.use_index == (kept > bound), (share, kept, bound)
    assert plans[0.1].use_index and not plans[0.001].use_index
    # A deeper search (the hybrid text search's 500) scans exactly what an index scan would wade through.
    deep = vectors.search_plan(model=g["model"], owner_id=g["owner"].pk, depth=500,
                               within=filtered_photos(owner_id=g["owner"].pk, filters=_camera_filter(0.1)))
    assert not deep.use_index and deep.bound > len(g["kept"][0.1])


def _filtered_sql(g: dict, *, share: float, select: str, use_index: bool) -> tuple[str, list]:
    """The SQL `nearest` sends for the gallery under a camera filter keeping `share` (before its
    LIMIT and OFFSET), by either plan."""
    within = filtered_photos(owner_id=g["owner"].pk, filters=_camera_filter(share))
    outside_trash, trash_params = vectors._outside_trash(owner_id=g["owner"].pk)
    return vectors._ordered_sql(select=select, table=vectors.TABLE, where=f"model_id = %s AND {outside_trash}",
                                params=[vectors.vector_literal(g["matrix"][0]), g["model"].pk, *trash_params],
                                owner_id=g["owner"].pk, within=within, use_index=use_index)


@pytest.mark.django_db
def test_the_index_plan_keeps_the_filter_on_each_candidate(gallery):
    """EXPLAIN of the filtered index plan: the model's HNSW index with the filter as a sub-plan,
    not a join the planner could run as an exact scan."""
    sql, params = _filtered_sql(gallery, share=0.1, select=f"embedding::halfvec({DIMS}) <=> %s::halfvec({DIMS})",
                                use_index=True)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order; SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", [*params, 10, 0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert vectors.model_index_name(gallery["model"]) in plan, plan
    assert "SubPlan" in plan and "Join" not in plan, plan


@pytest.mark.django_db
@pytest.mark.parametrize("share", [0.1, 0.02])
def test_pages_under_a_filter_neither_repeat_nor_skip(gallery, share):
    g = gallery
    within = filtered_photos(owner_id=g["owner"].pk, filters=_camera_filter(share))
    query = g["matrix"][7]
    pages = [vectors.nearest(model=g["model"], owner_id=g["owner"].pk, query=query, limit=20, offset=offset,
                             within=within) for offset in range(0, 100, 20)]
    paged = [m.photo_id for page in pages for m in page]
    whole = [m.photo_id for m in vectors.nearest(model=g["model"], owner_id=g["owner"].pk, query=query, limit=100,
                                                 within=within, exact=True)]
    assert len(paged) == len(set(paged)) == min(100, len(g["kept"][share]))
    assert recall(paged, whole) >= 0.97


@pytest.mark.django_db
def test_a_wrong_estimate_falls_back_to_the_exact_scan(gallery, monkeypatch):
    """Should the count claim many photos where the index finds few, the exact scan answers."""
    g = gallery
    within = filtered_photos(owner_id=g["owner"].pk, filters=_camera_filter(0.001))
    monkeypatch.setattr(vectors, "filtered_count", lambda **kwargs: 10**9)
    monkeypatch.setattr(vectors, "HNSW_MAX_SCAN_TUPLES_MIN", 1)
    monkeypatch.setattr(vectors, "HNSW_MAX_SCAN_TUPLES_MAX", 50)
    matches = vectors.nearest(model=g["model"], owner_id=g["owner"].pk, query=g["matrix"][0], limit=10, within=within)
    assert sorted(m.photo_id for m in matches) == sorted(g["kept"][0.001])


@pytest.mark.django_db
def test_another_owners_photos_never_pass_a_filter(gallery):
    g = gallery
    other_photos = Photo.objects.exclude(owner=g["owner"])
    other_photos.update(camera="share0.1 share0.02")
    vectors._sizes.clear()
    within = filtered_photos(owner_id=g["owner"].pk, filters=_camera_filter(0.02))
    for exact in (True, False, None):
        matches = vectors.nearest(model=g["model"], owner_id=g["owner"].pk, query=g["matrix"][0], limit=50,
                                  within=within, exact=exact)
        assert {m.photo_id for m in matches} <= set(g["kept"][0.02])


@pytest.mark.django_db
def test_the_exact_plan_reads_the_kept_photos_vectors_in_one_index_scan(gallery):
    """EXPLAIN of the filtered exact scan: the kept photos' ids as one array, their vectors read
    by the photo id index in one scan (not a lookup per photo, nor a scan of the table)."""
    sql, params = _filtered_sql(gallery, share=0.02, select="embedding <=> %s::halfvec", use_index=False)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", [*params, 10, 0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "(photo_id = ANY" in plan and f"Seq Scan on {vectors.TABLE}" not in plan, plan
    assert "Nested Loop" not in plan, plan
