"""The one module that writes pgvector SQL: vector storage, indexes and similarity queries.

Every query is scoped to one owner and one embedding model, and leaves out photos in the trash
by the photo's own state (`_outside_trash`: not among the owner's trashed photos, a hashed list
read once per query through gallery's partial trash index). Vector rows know nothing of the trash
and stay in the HNSW indexes, so trashing and restoring write only the photos' rows: a restore of
1,000 photos re-inserted nothing into an HNSW graph (it had cost ~2.3 s in re-insertions).

The plan is chosen here, never left to the planner (it picks HNSW even for tiny galleries on
halfvec tables, where it is slower and, without iterative scans, incomplete), by what each costs
for the photos searched: the owner's gallery, or the photos that pass filters (search.filters, as
a Photo queryset from search.selectors.filters: `within`), counted with a bounded count (`SELECT
count(*) FROM (... LIMIT bound + 1)`: at most bound + 1 rows read, through the filter columns'
indexes), never the planner's guess:
- an exact scan of exactly those photos' vectors, while they are few (`exact_scan_bound`):
  EXACT_SCAN_MAX_ROWS, or fewer than it reads in the time an index scan would take. That follows
  the scan's candidate list (ef_search, which follows the depth), so deep searches (the hybrid
  text search's 500 candidates) scan more exactly: a 9,900-photo gallery in 4 ms, where the index
  took 65 ms; and under a filter keeping a share of the gallery it visits about 1 / share times as
  many, so filters that keep a small share of a large gallery scan exactly too;
- more: an HNSW index with pgvector 0.8 iterative scans, so that the owner filter cannot starve
  the result: the model's partial index, shared by its galleries, or a large gallery's own
  (`gallery_index_build`: partial on model and owner; the same query's conditions imply both
  predicates and the planner takes the smaller); under filters each candidate is checked against them (a
  correlated sub-query that the planner cannot turn into a join) and `hnsw.max_scan_tuples` is
  raised for the filter's share of the index so that the scan finds `depth` photos before it
  gives up. Should it still come back short (the estimate was wrong), the exact scan answers.
Other metrics than cosine always scan exactly (the HNSW index serves cosine only).
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np
import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from pgvector import HalfVector, Vector
from pgvector.psycopg.halfvec import HalfVectorBinaryDumper, HalfVectorDumper
from pgvector.psycopg.vector import VectorBinaryDumper, VectorDumper

from gallery.models import Photo
from search.models import EmbeddingModel, GloveWord, PhotoEmbedding, PhotoTag, PhotoTagVector

TABLE = PhotoEmbedding._meta.db_table
GLOVE_TABLE = GloveWord._meta.db_table
TAG_TABLE = PhotoTag._meta.db_table
TAG_VECTOR_TABLE = PhotoTagVector._meta.db_table
PHOTO_TABLE = Photo._meta.db_table
GLOVE_INDEX = "glove_word_hnsw"  # the name search.models.GloveWord declares
EXACT_SCAN_MAX_ROWS = 4000
HNSW_EF_SEARCH_MIN = int(getattr(settings, "SEARCH_HNSW_EF_SEARCH", 40))
# Twice pgvector's default: measured on 100k clustered vectors, recall@10 0.978 -> 0.990 at ef_search 40.
HNSW_EF_CONSTRUCTION = 128
HNSW_EF_SEARCH_MAX = 1000
# Above this many photos a gallery's candidate list widens with the square root of its size (100k
# photos: twice HNSW_EF_SEARCH_MIN). In 1M vectors, ef_search 100 / 200 / 400 gave recall@10 0.982 /
# 0.996 / 0.997 for galleries of 100,000 and 0.961 / 0.974 / 0.998 for one of 300,000.
HNSW_EF_SEARCH_GALLERY = 25_000
# In a gallery's own index (a graph of its photos alone) the list widens only above this many: in
# 1M vectors, a 100,000-photo gallery's own index gave recall@10 0.999 at ef_search 100 (0.991 at
# 200 in the shared one), a 300,000-photo one 0.972 / 0.994 / 0.994 at 100 / 150 / 200.
HNSW_EF_SEARCH_OWN_GALLERY = 100_000
GALLERY_SIZE_TTL_SECONDS = 30.0
HNSW_MAX_SCAN_TUPLES_MIN = 20_000  # pgvector's default
HNSW_MAX_SCAN_TUPLES_MAX = 2_000_000
# An index scan for `depth` photos among a share s of the index visits about depth / s tuples;
# allow this many times that before it stops (iterative scans stop early once the LIMIT is met).
HNSW_SCAN_MARGIN = 4
# An index scan's cost follows its candidate list (ef_search) far more than the table's size: for
# each candidate, as much as an exact scan reading 38-290 rows (measured: 9,900 photos in 100k
# vectors at depths 10-500; 10,000 photos scattered through 1M at depth 10). The lowest leans to
# the index.
HNSW_ROWS_PER_CANDIDATE = 30

# metric -> (pgvector operator, how a distance becomes a score where higher is more similar)
METRICS = {
    "cosine": ("<=>", lambda d: 1.0 - d),  # cosine similarity
    "inner_product": ("<#>", lambda d: -d),  # pgvector returns the negative inner product
    "l2": ("<->", lambda d: 1.0 / (1.0 + d)),
    "l1": ("<+>", lambda d: 1.0 / (1.0 + d)),
}


class UnknownMetric(ValueError):
    pass


@dataclass(frozen=True)
class Match:
    photo_id: int
    score: float
    distance: float


def model_index_name(model: EmbeddingModel) -> str:
    return f"photo_embedding_hnsw_model_{model.pk}"


def ensure_model_index(*, model: EmbeddingModel) -> None:
    """Create the model's partial HNSW cosine index (idempotent).

    The expression casts the unsized column to the model's width so HNSW can index it; the
    HNSW query below uses the same expression and `model_id` filter so the planner can use it.
    Trashed photos' rows stay in it (left out by the queries), so the trash writes nothing to it.
    """
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            # Django's deferred foreign-key checks would block CREATE INDEX in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(_hnsw_index_sql(model_index_name(model), model=model, where=f"model_id = {int(model.pk)}"))


def _hnsw_index_sql(name: str, *, model: EmbeddingModel, where: str, concurrently: bool = False) -> str:
    return (f"CREATE INDEX {'CONCURRENTLY ' if concurrently else ''}IF NOT EXISTS {name} ON {TABLE} "
            f"USING hnsw ((embedding::halfvec({int(model.dimensions)})) halfvec_cosine_ops) "
            f"WITH (m = 16, ef_construction = {HNSW_EF_CONSTRUCTION}) WHERE {where}")


def gallery_index_name(*, model_id: int, owner_id: int) -> str:
    return f"photo_embedding_hnsw_model_{int(model_id)}_owner_{int(owner_id)}"


def gallery_index_build(*, model: EmbeddingModel, owner_id: int) -> bool:
    """Build one gallery's own HNSW index (partial on model and owner), unless it has a valid one;
    an invalid one (a build that failed part way) is dropped first. Outside a transaction it builds
    CONCURRENTLY, so the gallery's uploads and searches go on meanwhile. The query of `nearest` is
    unchanged: its `model_id` and `owner_id` conditions imply this index's predicate as well as the
    model's, and the planner takes the one of fewer rows. Returns whether it built one."""
    name = gallery_index_name(model_id=model.pk, owner_id=owner_id)
    valid = gallery_index_keys().get((model.pk, owner_id))
    if valid:
        return False
    concurrently = not connection.in_atomic_block
    rows = PhotoEmbedding.objects.filter(model=model, owner_id=owner_id).count()
    with connection.cursor() as cursor:
        if valid is False:
            cursor.execute(f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}IF EXISTS {name}")
        if not concurrently:  # deferred foreign-key checks would block CREATE INDEX (tests run in a transaction)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # The whole graph in memory builds several times faster (about 1.6 kB a 512-d element).
        memory = min(settings.SEARCH_INDEX_BUILD_MEMORY_MB, max(64, rows * model.dimensions * 3 // 2**20 + 64))
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, false)", [f"{memory}MB"])
        try:
            cursor.execute(_hnsw_index_sql(name, model=model, concurrently=concurrently,
                                           where=f"model_id = {int(model.pk)} AND owner_id = {int(owner_id)}"))
        finally:
            cursor.execute("RESET maintenance_work_mem")
    _sizes.pop(("gallery indexes",), None)
    return True


def gallery_index_drop(*, model_id: int, owner_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {'' if connection.in_atomic_block else 'CONCURRENTLY '}IF EXISTS "
                       f"{gallery_index_name(model_id=model_id, owner_id=owner_id)}")
    _sizes.pop(("gallery indexes",), None)


def gallery_index_keys() -> dict[tuple[int, int], bool]:
    """The galleries' own indexes, as (model id, owner id) -> whether the index is valid (one that
    is being built, or whose build failed, is not). Cached briefly, like the sizes."""
    def read() -> dict[tuple[int, int], bool]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                           "WHERE i.indrelid = %s::regclass AND c.relname ~ '^photo_embedding_hnsw_model_[0-9]+_owner_[0-9]+$'",
                           [TABLE])
            return {_gallery_index_key(name): valid for name, valid in cursor.fetchall()}

    return _cached(("gallery indexes",), read)


def _gallery_index_key(name: str) -> tuple[int, int]:
    model_id, owner_id = name.removeprefix("photo_embedding_hnsw_model_").split("_owner_")
    return int(model_id), int(owner_id)


def gallery_vector_counts(*, min_rows: int) -> dict[tuple[int, int], int]:
    """(model id, owner id) -> vector rows (trashed photos' too: an index holds them), for every
    gallery with at least `min_rows` of a model."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT model_id, owner_id, count(*) FROM {TABLE} GROUP BY model_id, owner_id "
                       "HAVING count(*) >= %s", [min_rows])
        return {(model_id, owner_id): rows for model_id, owner_id, rows in cursor.fetchall()}


def store_photo_embeddings(*, model: EmbeddingModel, rows: Iterable[tuple[int, int, np.ndarray]]) -> None:
    """Insert or replace vectors; rows are (photo_id, owner_id, unit vector)."""
    embeddings = []
    for photo_id, owner_id, vector in rows:
        if vector.shape != (model.dimensions,):
            raise ValueError(f"vector of shape {vector.shape} for a {model.dimensions}-d model")
        embeddings.append(PhotoEmbedding(photo_id=photo_id, owner_id=owner_id, model=model, embedding=vector))
    PhotoEmbedding.objects.bulk_create(
        embeddings,
        update_conflicts=True,
        unique_fields=["photo", "model"],
        update_fields=["embedding", "created_at", "tagged"],
    )


def copy_photo_embeddings(*, model: EmbeddingModel, rows: Iterable[tuple[int, int, np.ndarray]]) -> int:
    """Bulk-load new vectors by binary COPY; rows are (photo_id, owner_id, vector), for photos that
    have none for the model. Many times faster than `store_photo_embeddings`
    (no text form, no conflict handling); for loading a large table at once, before its HNSW index
    is built. Returns the number of rows written."""
    dims = int(model.dimensions)
    created_at = timezone.now()
    columns = ["photo_id", "owner_id", "model_id", "embedding", "tagged", "created_at"]
    written = 0
    with binary_cursor() as cursor:
        # binary COPY needs each column's exact type (the user id is an integer, photo ids bigints)
        cursor.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attname = ANY(%s)",
                       [TABLE, columns])
        types = dict(cursor.fetchall())
        with cursor.copy(f"COPY {TABLE} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([types[column] for column in columns])
            for photo_id, owner_id, vector in rows:
                if vector.shape != (dims,):
                    raise ValueError(f"vector of shape {vector.shape} for a {dims}-d model")
                copy.write_row((photo_id, owner_id, model.pk, HalfVector(vector), False, created_at))
                written += 1
    return written


def _outside_trash(*, owner_id: int) -> tuple[str, list]:
    """A condition on a vector table's `photo_id`: the photo is not in the owner's trash. NOT IN
    (never turned into a join, so an ordered index scan stays the plan) reads the owner's trashed
    ids once, through gallery's partial trash index, into a hashed list each row is checked against."""
    return (f"photo_id NOT IN (SELECT id FROM {PHOTO_TABLE} WHERE owner_id = %s AND trashed_at IS NOT NULL)",
            [owner_id])


def photo_vector(*, model: EmbeddingModel, photo_id: int, owner_id: int) -> np.ndarray | None:
    row = PhotoEmbedding.objects.filter(model=model, photo_id=photo_id, owner_id=owner_id).values_list(
        "embedding", flat=True).first()
    return None if row is None else np.asarray(row, dtype=np.float32)


def owner_vectors(*, model: EmbeddingModel, owner_id: int) -> tuple[np.ndarray, np.ndarray]:
    """All of an owner's vectors outside the trash: (photo ids, matrix), e.g. for grouping or an
    exact scan in process."""
    rows = list(PhotoEmbedding.objects.filter(model=model, owner_id=owner_id, photo__trashed_at__isnull=True)
                .order_by("photo_id")
                .values_list("photo_id", "embedding"))
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, model.dimensions), dtype=np.float32)
    ids, vectors = zip(*rows)
    return np.asarray(ids, dtype=np.int64), np.asarray([np.asarray(v, dtype=np.float32) for v in vectors])


def vector_literal(vector: np.ndarray) -> str:
    """A vector as pgvector's text form (COPY in text format)."""
    return "[" + ",".join(f"{x:.6g}" for x in np.asarray(vector, dtype=np.float32)) + "]"


def halfvec_param(vector: np.ndarray) -> HalfVector:
    """A query parameter that travels as a binary halfvec (through `binary_cursor`)."""
    return HalfVector(np.asarray(vector, dtype=np.float32))


def vector_param(vector: np.ndarray) -> Vector:
    """A query parameter that travels as a binary vector (through `binary_cursor`)."""
    return Vector(np.asarray(vector, dtype=np.float32))


# psycopg connections that know pgvector's types (their OIDs are looked up once per connection).
_connections_with_vector_types: weakref.WeakSet = weakref.WeakSet()


def _register_vector_dumpers(raw: psycopg.Connection) -> None:
    """Teach one connection to send HalfVector and Vector parameters. Dumpers only: no loaders,
    so the ORM reads vector columns exactly as before. Binary is registered last, so it is what
    a server-binding cursor's `%s` picks; Django's client-binding cursors use the text form."""
    if raw in _connections_with_vector_types:
        return
    with raw.cursor() as cursor:
        halfvec_oid, vector_oid = cursor.execute("SELECT 'halfvec'::regtype::oid, 'vector'::regtype::oid").fetchone()
    for cls, oid, dumpers in ((HalfVector, halfvec_oid, (HalfVectorDumper, HalfVectorBinaryDumper)),
                              (Vector, vector_oid, (VectorDumper, VectorBinaryDumper))):
        for dumper in dumpers:
            raw.adapters.register_dumper(cls, type(dumper.__name__, (dumper,), {"oid": oid}))
    _connections_with_vector_types.add(raw)


@contextmanager
def binary_cursor() -> Iterator:
    """A cursor on Django's connection that binds parameters on the server, so vectors travel as
    binary (Django's own cursors interpolate every parameter into the SQL as text). Wrapped like
    Django's cursors: database errors become Django's, queries are logged when Django logs them."""
    with connection.cursor() as django_cursor:  # health check, thread check, open connection
        raw = django_cursor.connection
        _register_vector_dumpers(raw)
        wrapped = psycopg.Cursor(raw)
        wrapped = connection.make_debug_cursor(wrapped) if connection.queries_logged else connection.make_cursor(wrapped)
        with wrapped:
            yield wrapped


_sizes: dict[tuple, tuple[float, object]] = {}
_sizes_lock = threading.Lock()


def gallery_size(*, model: EmbeddingModel, owner_id: int) -> int:
    """How many vectors the owner has for the model outside the trash (cached briefly: it only
    picks the plan)."""
    return _cached_count((model.pk, owner_id),
                         lambda: PhotoEmbedding.objects.filter(model=model, owner_id=owner_id,
                                                               photo__trashed_at__isnull=True))


def index_size(*, model: EmbeddingModel) -> int:
    """How many vectors the model's HNSW index holds (every owner's, trashed photos' too; cached)."""
    return _cached_count((model.pk, "index"), lambda: PhotoEmbedding.objects.filter(model=model))


def _cached_count(key: tuple, queryset: Callable[[], QuerySet]) -> int:
    """`queryset().count()`, remembered for a while; the queryset is only built on a miss (building
    one costs more than the search it picks a plan for)."""
    return _cached(key, lambda: queryset().count())


def _cached(key: tuple, compute):
    now = time.monotonic()
    cached = _sizes.get(key)
    if cached and now - cached[0] < GALLERY_SIZE_TTL_SECONDS:
        return cached[1]
    value = compute()
    with _sizes_lock:
        _sizes[key] = (now, value)
    return value


def uses_index(*, model: EmbeddingModel, owner_id: int, metric: str = "cosine", depth: int = 10) -> bool:
    """Whether an unfiltered search for `depth` photos goes through the HNSW index."""
    return search_plan(model=model, owner_id=owner_id, metric=metric, depth=depth).use_index


@dataclass(frozen=True)
class Plan:
    """How one search for `depth` photos runs: through the HNSW index or an exact scan, and why
    (`rows`: the photos searched, the gallery or those passing the filters, counted up to `bound` + 1)."""

    use_index: bool
    rows: int
    depth: int
    bound: int = EXACT_SCAN_MAX_ROWS
    index_rows: int = 0
    own_index: bool = False  # the gallery's own index (gallery_index_build), not the model's
    filtered: bool = False
    gallery: int = 0

    @property
    def ef_search(self) -> int:
        return ef_search(self.depth, gallery=self.gallery, own_index=self.own_index)

    def came_back_short(self, *, found: int, limit: int, offset: int) -> bool:
        """An index scan that gave up before a full page though more photos are there (the
        filtered count was off, or trashed photos' rows crowded the scan): the exact scan answers."""
        return self.use_index and found < limit and (self.filtered or self.rows > offset + found)

    @property
    def max_scan_tuples(self) -> int:
        """Enough index tuples to find `depth` of the `rows` photos among the index's rows."""
        wanted = HNSW_SCAN_MARGIN * self.depth * self.index_rows / max(self.rows, 1)
        return int(min(HNSW_MAX_SCAN_TUPLES_MAX, max(HNSW_MAX_SCAN_TUPLES_MIN, wanted)))


def ef_search(depth: int, *, gallery: int = 0, own_index: bool = False) -> int:
    """The HNSW candidate list for a search of `depth` photos in a gallery of `gallery`: wider for
    galleries above HNSW_EF_SEARCH_GALLERY, whose photos crowd each other in the graph."""
    crowded = HNSW_EF_SEARCH_OWN_GALLERY if own_index else HNSW_EF_SEARCH_GALLERY
    widen = math.sqrt(gallery / crowded) if gallery > crowded else 1.0
    return min(HNSW_EF_SEARCH_MAX, max(int(HNSW_EF_SEARCH_MIN * widen), depth))


def exact_scan_bound(*, depth: int, gallery: int) -> int:
    """The most photos an exact scan takes on, of a gallery of `gallery` photos: EXACT_SCAN_MAX_ROWS,
    or as many as it reads in the time an index scan takes. A gallery's photos lie near each other
    in the graph, so an index scan for `depth` of them visits about ef_search candidates; when a
    filter keeps `rows` of them (independently of what they show), about ef_search x gallery / rows.
    Each costs HNSW_ROWS_PER_CANDIDATE rows of an exact scan, so exact is cheaper while
    rows² < HNSW_ROWS_PER_CANDIDATE x ef_search x gallery (unfiltered: rows = gallery)."""
    return max(EXACT_SCAN_MAX_ROWS,
               math.isqrt(int(HNSW_ROWS_PER_CANDIDATE * ef_search(depth, gallery=gallery) * gallery)))


# Compiled once per filters' queryset: a filtered search needs the ids' SQL for its count and again
# for its exact scan (compiling costs 0.2-0.3 ms each time).
_compiled_ids: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _ids_sql(within: QuerySet, *, owner_id: int) -> tuple[str, tuple]:
    """The ids of the owner's photos outside the trash that pass the filters `within`."""
    compiled = _compiled_ids.setdefault(within, {})
    if owner_id not in compiled:
        compiled[owner_id] = (within.filter(owner_id=owner_id, trashed_at__isnull=True).order_by().values("id")
                              .query.sql_with_params())
    return compiled[owner_id]


def filtered_count(*, within: QuerySet, owner_id: int, bound: int) -> int:
    """How many of the owner's photos pass the filters, counting at most bound + 1 (cached
    briefly, as the gallery's size: paging through one search counts once)."""
    sql, params = _ids_sql(within, owner_id=owner_id)

    def count() -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({sql} LIMIT %s) AS filtered", [*params, bound + 1])
            return int(cursor.fetchone()[0])

    return _cached(("filtered", sql, tuple(map(str, params)), bound), count)


def search_plan(*, model: EmbeddingModel, owner_id: int, metric: str = "cosine", within: QuerySet | None = None,
                depth: int = 10) -> Plan:
    """The plan of a search for `depth` photos: by the gallery's size, or by the filtered count."""
    size = gallery_size(model=model, owner_id=owner_id)
    if metric != "cosine":
        return Plan(use_index=False, rows=size, depth=depth, filtered=within is not None)

    def index() -> tuple[int, bool]:  # the rows of the index the scan walks: the gallery's own, or the model's
        if gallery_index_keys().get((model.pk, owner_id)):
            return _cached_count((model.pk, owner_id, "rows"),
                                 lambda: PhotoEmbedding.objects.filter(model=model, owner_id=owner_id)), True
        return index_size(model=model), False

    return _plan_for(size=size, index=index, owner_id=owner_id, within=within, depth=depth)


def _plan_for(*, size: int, index: Callable[[], tuple[int, bool]], owner_id: int, within: QuerySet | None,
              depth: int) -> Plan:
    """The cheaper plan for `depth` of the `size` photos of a gallery (or of those passing the
    filters `within`, counted up to the bound); `index` tells the rows of the index a scan would
    walk and whether it is the gallery's own (asked only for an index plan). The bound is the
    shared index's even for a gallery with its own: under filters keeping a few percent of a large
    gallery the own graph's iterative scans found too little (3% of 300,000 photos: recall 0.91)."""
    filtered = within is not None
    if size <= EXACT_SCAN_MAX_ROWS:
        return Plan(use_index=False, rows=size, depth=depth, filtered=filtered)
    bound = exact_scan_bound(depth=depth, gallery=size)
    rows = filtered_count(within=within, owner_id=owner_id, bound=bound) if filtered else size
    if rows <= bound:
        return Plan(use_index=False, rows=rows, depth=depth, bound=bound, filtered=filtered, gallery=size)
    index_rows, own_index = index()
    return Plan(use_index=True, rows=rows, depth=depth, bound=bound, index_rows=index_rows, own_index=own_index,
                filtered=filtered, gallery=size)


def _ordered_sql(*, select: str, table: str, where: str, params: list, owner_id: int, within: QuerySet | None,
                 use_index: bool) -> tuple[str, list]:
    """`SELECT photo_id, <distance> AS distance FROM table WHERE <where> AND owner_id = <owner>
    ORDER BY distance LIMIT %s OFFSET %s` (the caller appends limit and offset to the params),
    among the photos that pass the filters `within` when given, in a plan fixed here rather than
    left to the planner's statistics:
    - index scan: each candidate checked against the filters by a correlated sub-query on the
      photo's primary key (OFFSET 0 keeps PostgreSQL from turning it into a join, which could leave
      the index; `_fetch_ordered` disables sorts, so the ordered index scan is the plan);
    - exact scan: the filtered photos' ids first, as one sorted array, then their rows by the
      photo id index (`= ANY`: one index scan that walks the array in order, 10-15% faster than
      a lookup per photo: 9,000 photos of a 300,000-photo gallery in 33 ms against 39); no owner
      condition the planner could prefer, since the photos are the owner's already."""
    if within is None:
        return (f"SELECT photo_id, {select} AS distance FROM {table} WHERE {where} AND owner_id = %s "
                "ORDER BY distance LIMIT %s OFFSET %s", [*params, owner_id])
    if use_index:
        check, check_params = within.order_by().filter(pk=RawSQL(f"{table}.photo_id", ())).values("id").query.sql_with_params()
        return (f"SELECT photo_id, {select} AS distance FROM {table} WHERE {where} AND owner_id = %s "
                f"AND EXISTS ({check} OFFSET 0) ORDER BY distance LIMIT %s OFFSET %s",
                [*params, owner_id, *check_params])
    ids, ids_params = _ids_sql(within, owner_id=owner_id)
    return (f"SELECT photo_id, {select} AS distance FROM {table} WHERE {where} "
            f"AND photo_id = ANY(ARRAY({ids} ORDER BY 1)) ORDER BY distance LIMIT %s OFFSET %s", [*params, *ids_params])


def nearest(
    *,
    model: EmbeddingModel,
    owner_id: int,
    query: np.ndarray,
    limit: int,
    offset: int = 0,
    metric: str = "cosine",
    exclude_photo_id: int | None = None,
    exact: bool | None = None,
    within: QuerySet | None = None,
) -> list[Match]:
    """The owner's photos nearest to `query`, best first; with `within` (the owner's photos that
    pass filters: search.selectors.filters.filtered_photos), among those only. `exact` forces a plan
    (tests compare plans; exact recall)."""
    if metric not in METRICS:
        raise UnknownMetric(f"Unknown metric {metric!r}; choose one of: {', '.join(METRICS)}.")
    operator, to_score = METRICS[metric]
    if query.shape != (model.dimensions,):
        raise ValueError(f"query of shape {query.shape} for a {model.dimensions}-d model")
    forced = exact is not None and metric == "cosine"
    # A forced plan over the whole gallery needs no count (one round trip); filters size the scan.
    plan = None if forced and within is None else search_plan(model=model, owner_id=owner_id, metric=metric,
                                                               within=within, depth=limit + offset)
    use_index = (not exact) if forced else plan.use_index
    rows = _nearest_rows(model=model, owner_id=owner_id, query=query, limit=limit, offset=offset,
                         operator=operator, exclude_photo_id=exclude_photo_id, within=within, use_index=use_index,
                         ef=plan.ef_search if plan else ef_search(limit + offset),
                         max_scan_tuples=plan.max_scan_tuples if plan else None)
    if exact is None and plan.came_back_short(found=len(rows), limit=limit, offset=offset):
        rows = _nearest_rows(model=model, owner_id=owner_id, query=query, limit=limit, offset=offset,
                             operator=operator, exclude_photo_id=exclude_photo_id, within=within, use_index=False,
                             ef=plan.ef_search)
    return [Match(photo_id=photo_id, score=float(to_score(distance)), distance=float(distance))
            for photo_id, distance in rows]


def _nearest_rows(*, model: EmbeddingModel, owner_id: int, query: np.ndarray, limit: int, offset: int, operator: str,
                  exclude_photo_id: int | None, within: QuerySet | None, use_index: bool, ef: int,
                  max_scan_tuples: int | None = None) -> list[tuple]:
    dims = int(model.dimensions)
    column = f"embedding::halfvec({dims})" if use_index else "embedding"
    outside_trash, trash_params = _outside_trash(owner_id=owner_id)
    where, params = f"model_id = %s AND {outside_trash}", [halfvec_param(query), model.pk, *trash_params]
    if exclude_photo_id is not None:
        where += " AND photo_id <> %s"
        params.append(exclude_photo_id)
    sql, params = _ordered_sql(select=f"{column} {operator} %s::halfvec({dims})", table=TABLE, where=where,
                               params=params, owner_id=owner_id, within=within, use_index=use_index)
    return _fetch_ordered(sql, [*params, limit, offset], use_index=use_index, ef=ef, max_scan_tuples=max_scan_tuples)


def _fetch_ordered(sql: str, params: list, *, use_index: bool, ef: int, max_scan_tuples: int | None = None) -> list[tuple]:
    """Run a `... ORDER BY distance LIMIT` query in one round trip; through HNSW, with iterative
    scans so that filters cannot starve the result, and re-sorted.

    The HNSW settings are transaction-local (`set_config(..., true)`) and sent in one pipeline
    with the query: statements before a pipeline's Sync share one transaction, so the settings
    hold for the query and end with it, with no BEGIN, SET or COMMIT round trips of their own.
    enable_sort off: the ordered index scan needs no sort, any other plan of ORDER BY distance does.
    """
    with binary_cursor() as cursor:
        if not use_index:
            cursor.execute(sql, params)
            return cursor.fetchall()
        settings_sql = ("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), "
                        "set_config('hnsw.ef_search', %s, true), set_config('enable_sort', 'off', true)")
        settings_params = [str(int(ef))]
        if max_scan_tuples is not None and max_scan_tuples != HNSW_MAX_SCAN_TUPLES_MIN:
            settings_sql += ", set_config('hnsw.max_scan_tuples', %s, true)"
            settings_params.append(str(int(max_scan_tuples)))
        # relaxed_order may return rows slightly out of order; a materialised CTE re-sorts them
        # ("+ 0": PostgreSQL 17+ would otherwise trust the CTE's order and skip the sort).
        sql = f"WITH candidates AS MATERIALIZED ({sql}) SELECT * FROM candidates ORDER BY distance + 0"
        with connection.wrap_database_errors, cursor.connection.pipeline():
            cursor.execute(settings_sql, settings_params)
            cursor.execute(sql, params)
        return cursor.fetchall()


def clip_scores(*, model: EmbeddingModel, owner_id: int, query: np.ndarray, photo_ids: list[int],
                metric: str = "cosine") -> dict[int, float]:
    """The query's score (as `nearest` gives it) for each of these photos; photos without a vector
    for the model are left out."""
    if not photo_ids:
        return {}
    operator, to_score = METRICS[metric]
    outside_trash, trash_params = _outside_trash(owner_id=owner_id)
    with binary_cursor() as cursor:
        cursor.execute(f"SELECT photo_id, embedding {operator} %s::halfvec({int(model.dimensions)}) FROM {TABLE} "
                       f"WHERE model_id = %s AND {outside_trash} AND owner_id = %s AND photo_id = ANY(%s)",
                       [halfvec_param(query), model.pk, *trash_params, owner_id, list(photo_ids)])
        return {photo_id: float(to_score(distance)) for photo_id, distance in cursor.fetchall()}


# --- GloVe space: words, tags and photos' tag vectors --------------------------------------------

def glove_words_replace(*, words: list[str], matrix: np.ndarray) -> None:
    """Replace the GloVe word table (COPY), then build its HNSW index over the loaded rows
    (building after loading is several times faster than inserting into a live index)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {GLOVE_INDEX}")
        cursor.execute(f"TRUNCATE {GLOVE_TABLE}")
        with cursor.cursor.copy(f"COPY {GLOVE_TABLE} (id, word, vector) FROM STDIN") as copy:
            for rank, (word, vector) in enumerate(zip(words, matrix)):
                copy.write_row((rank, word, vector_literal(vector)))
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute(f"CREATE INDEX {GLOVE_INDEX} ON {GLOVE_TABLE} USING hnsw (vector vector_cosine_ops) "
                       "WITH (m = 16, ef_construction = 40)")


def glove_vectors(*, words: list[str]) -> dict[str, np.ndarray]:
    """The stored GloVe vectors of these words (unknown words are absent)."""
    rows = GloveWord.objects.filter(word__in=set(words)).values_list("word", "vector")
    return {word: np.asarray(vector, dtype=np.float32) for word, vector in rows}


def nearest_words(*, query: np.ndarray, limit: int, exclude: list[str], max_rank: int) -> list[tuple[str, float]]:
    """GloVe words nearest to `query` among the `max_rank` most frequent, as (word, cosine similarity).
    Only plain words (letters, with inner hyphens) are returned: GloVe's tail is noisy."""
    sql = (f"SELECT word, vector <=> %s::vector AS distance FROM {GLOVE_TABLE} "
           "WHERE id < %s AND word ~ '^[a-z]+(-[a-z]+)*$' AND NOT (word = ANY(%s)) ORDER BY distance LIMIT %s")
    rows = _fetch_ordered(sql, [vector_param(query), max_rank, list(exclude), limit], use_index=True,
                          ef=ef_search(limit + len(exclude)))
    return [(word, 1.0 - float(distance)) for word, distance in rows]


def tag_vectors_store(*, rows: Iterable[tuple[int, int, np.ndarray | None]]) -> None:
    """Set photos' tag vectors; rows are (photo_id, owner_id, unit vector or None to remove)."""
    rows = list(rows)
    PhotoTagVector.objects.filter(photo_id__in=[photo_id for photo_id, _, vector in rows if vector is None]).delete()
    PhotoTagVector.objects.bulk_create(
        [PhotoTagVector(photo_id=photo_id, owner_id=owner_id, vector=vector)
         for photo_id, owner_id, vector in rows if vector is not None],
        update_conflicts=True, unique_fields=["photo"], update_fields=["vector"],
    )


def tag_search_plan(*, owner_id: int, within: QuerySet | None = None, depth: int = 10) -> Plan:
    """As search_plan, for the tag vectors' table and its HNSW index."""
    size = _cached_count(("tag vectors", owner_id),
                         lambda: PhotoTagVector.objects.filter(owner_id=owner_id, photo__trashed_at__isnull=True))
    return _plan_for(size=size, index=lambda: (_cached_count(("tag vectors",), lambda: PhotoTagVector.objects.all()), False),
                     owner_id=owner_id, within=within, depth=depth)


def nearest_tagged_photos(*, owner_id: int, query: np.ndarray, limit: int, offset: int = 0,
                          within: QuerySet | None = None) -> list[Match]:
    """The owner's photos whose tag vectors lie nearest to a GloVe query vector (cosine), best
    first; with `within`, among the photos that pass filters only (as `nearest`)."""
    plan = tag_search_plan(owner_id=owner_id, within=within, depth=limit + offset)
    outside_trash, trash_params = _outside_trash(owner_id=owner_id)

    def rows(use_index: bool) -> list[tuple]:
        # "+ 0" on the exact scan: an ORDER BY the index cannot serve, so the planner scans exactly.
        distance = "vector <=> %s::vector" if use_index else "(vector <=> %s::vector) + 0"
        sql, params = _ordered_sql(select=distance, table=TAG_VECTOR_TABLE, where=outside_trash,
                                   params=[vector_param(query), *trash_params], owner_id=owner_id, within=within,
                                   use_index=use_index)
        return _fetch_ordered(sql, [*params, limit, offset], use_index=use_index, ef=plan.ef_search,
                              max_scan_tuples=plan.max_scan_tuples)

    found = rows(plan.use_index)
    if plan.came_back_short(found=len(found), limit=limit, offset=offset):
        found = rows(False)
    return [Match(photo_id=photo_id, score=1.0 - float(distance), distance=float(distance))
            for photo_id, distance in found]


def gallery_tags_near(*, owner_id: int, query: np.ndarray, limit: int, exclude: list[str]) -> list[tuple[str, int, float]]:
    """The owner's visible tags nearest to a GloVe vector, as (tag, photo count, cosine similarity)."""
    sql = (
        f"WITH names AS (SELECT name, count(*) AS photos FROM {TAG_TABLE} t JOIN {PHOTO_TABLE} p ON p.id = t.photo_id "
        "  WHERE t.owner_id = %s AND p.status = 'ready' AND p.trashed_at IS NULL AND NOT t.hidden "
        "  AND NOT (t.name = ANY(%s)) GROUP BY name) "
        "SELECT name, photos, (SELECT glove <=> %s::vector FROM " + TAG_TABLE + " t "
        "  WHERE t.owner_id = %s AND t.name = names.name AND t.glove IS NOT NULL LIMIT 1) AS distance "
        "FROM names ORDER BY distance NULLS LAST, photos DESC LIMIT %s"
    )
    with binary_cursor() as cursor:
        cursor.execute(sql, [owner_id, list(exclude), vector_param(query), owner_id, limit])
        return [(name, photos, 1.0 - float(distance)) for name, photos, distance in cursor.fetchall()
                if distance is not None]

