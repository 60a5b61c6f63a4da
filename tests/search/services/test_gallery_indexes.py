"""A large gallery's own HNSW index: the sync builds it (concurrently, outside a transaction) for
galleries over the size and no others, the gallery's searches walk it (the planner takes it over
the model's shared index), its results match the exact scan's, and it goes when the gallery
shrinks below half the size or its build was left invalid."""

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from benchmarks.synthetic import (
    clustered_vectors,
    exact_top_k,
    fill_gallery,
    make_users,
    remove_users_and_model,
    synthetic_model,
)
from search import vectors
from search.filters import PhotoFilters
from search.models import PhotoEmbedding
from search.selectors.filters import filtered_photos
from search.selectors.gallery_indexes import gallery_index_status
from search.services.gallery_indexes import gallery_indexes_sync

PREFIX, MODEL_KEY = "gallery-index", "synthetic/gallery-index"
DIMS = 64
LARGE, SMALL = 3000, 1500
MIN_PHOTOS = 2000


@pytest.fixture(scope="module")
def stored(django_db_setup, django_db_blocker):
    """Two galleries in one model's index, stored once for the module and removed after it; the
    larger one is over MIN_PHOTOS. The first sync runs here, in autocommit as on a worker."""
    with django_db_blocker.unblock():
        remove_users_and_model(prefix=PREFIX, model_key=MODEL_KEY)  # left by an interrupted run
        try:
            model = synthetic_model(dims=DIMS, key=MODEL_KEY)
            large, small = make_users(2, prefix=PREFIX)
            matrix = clustered_vectors(LARGE + SMALL, dims=DIMS, clusters=60, seed=21)
            ids = fill_gallery(owner=large, model=model, matrix=matrix[:LARGE])
            fill_gallery(owner=small, model=model, matrix=matrix[LARGE:])
            vectors._sizes.clear()
            first_sync = gallery_indexes_sync(min_photos=MIN_PHOTOS)
            yield {"model": model, "large": large, "small": small, "ids": ids, "matrix": matrix[:LARGE],
                   "first_sync": first_sync}
        finally:
            remove_users_and_model(prefix=PREFIX, model_key=MODEL_KEY)
            vectors._sizes.clear()


@pytest.fixture
def galleries(stored, db, monkeypatch):
    """The stored galleries, with the exact scan's bound lowered so that 3,000 photos go through an index."""
    monkeypatch.setattr(vectors, "EXACT_SCAN_MAX_ROWS", 200)
    monkeypatch.setattr(vectors, "HNSW_ROWS_PER_CANDIDATE", 0.25)
    vectors._sizes.clear()
    yield stored
    vectors._sizes.clear()


def _key(g, owner) -> tuple[int, int]:
    return g["model"].pk, owner.pk


def _index_plan(g, owner, within=None) -> str:
    """EXPLAIN of the query `nearest` sends through an index for this owner."""
    outside_trash, trash_params = vectors._outside_trash(owner_id=owner.pk)
    sql, params = vectors._ordered_sql(select=f"embedding::halfvec({DIMS}) <=> %s::halfvec({DIMS})",
                                       table=vectors.TABLE, where=f"model_id = %s AND {outside_trash}",
                                       params=[vectors.vector_literal(g["matrix"][0]), g["model"].pk, *trash_params],
                                       owner_id=owner.pk, within=within, use_index=True)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order; SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", [*params, 10, 0])
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_the_sync_builds_an_index_for_the_large_gallery_only(galleries):
    g = galleries
    assert _key(g, g["large"]) in g["first_sync"].built
    assert _key(g, g["small"]) not in g["first_sync"].built
    keys = vectors.gallery_index_keys()
    assert keys[_key(g, g["large"])] is True and _key(g, g["small"]) not in keys
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                       [vectors.gallery_index_name(model_id=g["model"].pk, owner_id=g["large"].pk)])
        (definition,) = cursor.fetchone()
    assert "hnsw" in definition and f"owner_id = {g['large'].pk}" in definition, definition
    # A second sync finds it in place.
    again = gallery_indexes_sync(min_photos=MIN_PHOTOS)
    assert _key(g, g["large"]) not in again.built + again.dropped and again.kept >= 1


@pytest.mark.django_db
def test_the_large_gallerys_searches_walk_its_own_index(galleries):
    g = galleries
    own = vectors.gallery_index_name(model_id=g["model"].pk, owner_id=g["large"].pk)
    assert own in _index_plan(g, g["large"])
    within = filtered_photos(owner_id=g["large"].pk, filters=PhotoFilters(favourite=False))
    assert own in _index_plan(g, g["large"], within=within)
    small_plan = _index_plan(g, g["small"])
    assert vectors.model_index_name(g["model"]) in small_plan and own not in small_plan
    # The plan sizes the scan by the rows of the index it walks: the gallery's, not the model's.
    plan = vectors.search_plan(model=g["model"], owner_id=g["large"].pk, depth=10)
    assert plan.use_index and plan.own_index and plan.index_rows == LARGE
    assert plan.ef_search == vectors.ef_search(10, gallery=LARGE, own_index=True)
    small = vectors.search_plan(model=g["model"], owner_id=g["small"].pk, depth=10)
    assert small.index_rows == LARGE + SMALL and not small.own_index


@pytest.mark.django_db
def test_results_through_its_index_are_the_exact_scans(galleries):
    g = galleries
    recalls = []
    for index in np.random.default_rng(4).choice(LARGE, size=30, replace=False):
        photo_id = g["ids"][index]
        expected = exact_top_k(g["matrix"], g["ids"], g["matrix"][index], 10, exclude=photo_id)
        found = vectors.nearest(model=g["model"], owner_id=g["large"].pk, query=g["matrix"][index], limit=10,
                                exclude_photo_id=photo_id, exact=False)
        assert {m.photo_id for m in found} <= set(g["ids"])
        recalls.append(len({m.photo_id for m in found} & set(expected)) / 10)
    assert np.mean(recalls) >= 0.99, np.mean(recalls)


@pytest.mark.django_db
def test_an_index_goes_when_its_gallery_shrinks_below_half(galleries):
    g = galleries
    key = _key(g, g["large"])
    keep_until = sorted(g["ids"])[MIN_PHOTOS // 2 - 1]
    PhotoEmbedding.objects.filter(owner=g["large"], photo_id__gt=keep_until).delete()  # 1,000 left: kept
    assert not gallery_indexes_sync(min_photos=MIN_PHOTOS).dropped
    PhotoEmbedding.objects.filter(owner=g["large"], photo_id=keep_until).delete()  # 999: below half
    assert gallery_indexes_sync(min_photos=MIN_PHOTOS).dropped == [key]
    assert key not in vectors.gallery_index_keys()  # (the test's transaction brings it back)


@pytest.mark.django_db
def test_an_invalid_index_is_built_again(galleries):
    """A concurrent build that failed part way leaves an invalid index, which searches ignore."""
    g = galleries
    name = vectors.gallery_index_name(model_id=g["model"].pk, owner_id=g["large"].pk)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass", [name])
    vectors._sizes.clear()
    assert vectors.gallery_index_keys()[_key(g, g["large"])] is False
    assert [row.state for row in gallery_index_status(min_photos=MIN_PHOTOS) if row.owner == g["large"].username] == [
        "building or failed"]
    assert _key(g, g["large"]) in gallery_indexes_sync(min_photos=MIN_PHOTOS).built
    assert vectors.gallery_index_keys()[_key(g, g["large"])] is True


@pytest.mark.django_db
def test_the_command_lists_the_galleries_and_their_state(galleries, capsys):
    g = galleries
    call_command("gallery_indexes", "--status", "--min-photos", str(MIN_PHOTOS))
    out = capsys.readouterr().out
    assert f"{g['large'].username}: {LARGE:,} photos ({MODEL_KEY}), built" in out
    assert g["small"].username not in out
    call_command("gallery_indexes", "--status", "--min-photos", str(SMALL))
    assert f"{g['small'].username}: {SMALL:,} photos ({MODEL_KEY}), due" in capsys.readouterr().out
    with pytest.raises(CommandError, match="at least 2"):
        call_command("gallery_indexes", "--min-photos", "1")
