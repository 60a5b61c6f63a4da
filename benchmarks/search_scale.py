"""Search at scale: one table of about a million vectors shared by galleries of very different
sizes, and find-similar latency and recall@10 per gallery class through the search module.

The table is loaded the fast way (photo rows and vectors by COPY, the HNSW index built once over
the loaded rows with a large maintenance_work_mem and parallel workers), with photos of each
gallery arriving in batches interleaved with other galleries', as uploads do. Each gallery's
vectors come from a few of a shared set of themes (cluster centres, a skewed few dominating), so a
query's nearest neighbours in the table are mostly other people's photos: the case the owner
filter and iterative index scans must handle. Recall is measured against an exact scan of the
gallery's stored (half precision) vectors. Used by `benchmark_search --scale`."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from benchmarks.stats import percentiles_ms
from benchmarks.synthetic import drop_gallery_indexes, model_gallery_indexes
from gallery.models import Photo, TakenAtSource
from search import vectors
from search.filters import PhotoFilters
from search.models import EmbeddingModel
from search.selectors.filters import filtered_photos
from search.services.gallery_indexes import gallery_indexes_sync

PREFIX = "benchmark-scale"
MODEL_KEY = "synthetic/scale-512"
DIMS = 512
K = 10
THEMES = 8_192
BATCH = 100  # photos of one gallery arriving together
# (galleries, photos each): 1,000,000 photos
SPREAD_1M = ((1, 300_000), (3, 100_000), (20, 10_000), (100, 1_000), (1_000, 100))
# how many galleries of a class are measured at most (queries are spread over them)
MEASURED_GALLERIES = 50
CAMERAS = ["Apple iPhone 13", "Apple iPhone 15 Pro", "Google Pixel 8", "Samsung Galaxy S23", "Canon EOS R6",
           "Sony ILCE-7M4", "Fujifilm X-T5", "Nikon Z 6_2"]
PLACES = [("PT", "Portugal", "Lisbon"), ("PT", "Portugal", "Porto"), ("ES", "Spain", "Madrid"),
          ("FR", "France", "Paris"), ("DE", "Germany", "Berlin"), ("GB", "United Kingdom", "London"),
          ("IT", "Italy", "Rome"), ("US", "United States", "New York"), ("JP", "Japan", "Tokyo"),
          ("BR", "Brazil", "Rio de Janeiro")]


def parse_spread(text: str) -> tuple[tuple[int, int], ...]:
    """"1x300000,3x100000" -> ((1, 300000), (3, 100000))."""
    try:
        spread = tuple((int(count), int(size)) for count, size in (part.split("x") for part in text.split(",")))
    except ValueError as error:
        raise ValueError(f"spread {text!r}: write classes as COUNTxSIZE, comma-separated") from error
    if not spread or any(count < 1 or size < 2 for count, size in spread):
        raise ValueError(f"spread {text!r}: every class needs at least one gallery of at least two photos")
    return spread


@dataclass
class Gallery:
    owner_id: int
    size: int
    seed: int
    photo_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass
class Build:
    model: EmbeddingModel
    galleries: list[Gallery]
    figures: dict[str, str]


@dataclass
class ClassRow:
    size: int
    galleries: int
    measured: int
    plan: str
    p50_ms: float
    p95_ms: float
    recall: float

    def line(self) -> str:
        return (f"| {self.galleries} x {self.size:,} | {self.measured} | {self.plan} | {self.p50_ms:.2f} | "
                f"{self.p95_ms:.2f} | {self.recall:.3f} |")


def themes(*, seed: int = 42) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((THEMES, DIMS)).astype(np.float32)
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def gallery_vectors(*, size: int, seed: int, centres: np.ndarray, spread: float = 0.6) -> np.ndarray:
    """One gallery's unit vectors in half precision (as stored): a few dozen to a few thousand
    themes, Zipf-weighted (a family's photos: some themes everywhere, many rare ones)."""
    rng = np.random.default_rng(seed)
    used = int(np.clip(size // 40, 3, 2_000))
    picked = rng.choice(len(centres), size=used, replace=False)
    weights = 1.0 / np.arange(1, used + 1) ** 0.8
    members = picked[rng.choice(used, size=size, p=weights / weights.sum())]
    points = centres[members] + rng.standard_normal((size, DIMS)).astype(np.float32) * (spread / np.sqrt(DIMS))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float16)


def _batches(galleries: list[Gallery], *, seed: int) -> list[tuple[int, int, int]]:
    """(gallery index, first photo, count) in upload order: every gallery in batches, interleaved."""
    batches = [(number, start, min(BATCH, gallery.size - start))
               for number, gallery in enumerate(galleries) for start in range(0, gallery.size, BATCH)]
    order = np.random.default_rng(seed).permutation(len(batches))
    return [batches[i] for i in order]


def _photo_columns() -> tuple[list[str], list]:
    """Photo's stored columns and a ready photo's values for them (the model's own defaults)."""
    sample = Photo(owner_id=0, original="", original_name="s.jpg", sha256="", content_type="image/jpeg",
                   file_size=1, width=4032, height=3024, status=Photo.Status.READY, metadata_read=True,
                   place_looked_up=True, taken_at_source=TakenAtSource.EXIF_OFFSET)
    now = timezone.now()
    sample.created_at = sample.processed_at = now
    fields = [f for f in Photo._meta.concrete_fields if not getattr(f, "generated", False)]
    return ([f.column for f in fields],
            [f.get_db_prep_save(getattr(sample, f.attname), connection) for f in fields])


def _reserve_photo_ids(count: int) -> int:
    """The first of `count` consecutive photo ids, taken from the table's sequence."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Photo._meta.db_table])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, count])
        return cursor.fetchone()[0] - count + 1


def _copy_photos(galleries: list[Gallery], batches: list[tuple[int, int, int]], *, first_id: int) -> None:
    """Photo rows for every batch, with ids in upload order; dates, cameras and places vary by
    gallery so that filters have something realistic to select."""
    columns, template = _photo_columns()
    at = {name: columns.index(name) for name in ("id", "owner_id", "original", "original_name", "sha256",
                                                  "taken_at", "camera", "camera_make", "camera_model",
                                                  "country_code", "country", "city", "favourite", "content_type")}
    rng = np.random.default_rng(1)
    start_day = datetime(2012, 1, 1, tzinfo=dt_timezone.utc)
    photo_id = first_id
    with connection.cursor() as cursor, cursor.copy(
            f"COPY {Photo._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
        for number, first, count in batches:
            gallery = galleries[number]
            cameras, home = _cameras(gallery), _home(gallery)
            days = rng.integers(0, 14 * 365)
            for i in range(count):
                row = list(template)
                camera = cameras[(first + i) % len(cameras)]
                place = home if rng.random() < 0.7 else PLACES[rng.integers(len(PLACES))]
                row[at["id"]] = photo_id
                row[at["owner_id"]] = gallery.owner_id
                row[at["original"]] = f"originals/synthetic/{gallery.owner_id}/{photo_id}.jpg"
                row[at["original_name"]] = f"IMG_{first + i:07d}.jpg"
                row[at["sha256"]] = f"{gallery.owner_id:08d}{photo_id:056d}"
                row[at["taken_at"]] = start_day + timedelta(days=int(days), minutes=int(rng.integers(0, 60 * 24 * 20)))
                row[at["camera"]] = camera
                row[at["camera_make"]], row[at["camera_model"]] = camera.split(" ", 1)
                row[at["country_code"]], row[at["country"]], row[at["city"]] = place
                row[at["favourite"]] = bool(rng.random() < 0.03)
                row[at["content_type"]] = "image/heic" if rng.random() < 0.1 else "image/jpeg"
                copy.write_row(row)
                gallery.photo_ids[first + i] = photo_id
                photo_id += 1


def _cameras(gallery: Gallery) -> list[str]:
    """The one to three cameras a gallery's photos were taken with, in turn."""
    return [CAMERAS[(gallery.seed + i) % len(CAMERAS)] for i in range(1 + gallery.seed % 3)]


def _home(gallery: Gallery) -> tuple[str, str, str]:
    """Where 70% of a gallery's photos were taken (the rest anywhere in PLACES)."""
    return PLACES[gallery.seed % len(PLACES)]


def _abroad(gallery: Gallery) -> str:
    """A country of PLACES that is not the gallery's home (about 3% of its photos)."""
    return next(country for _, country, _ in PLACES[gallery.seed % len(PLACES):] + PLACES
                if country != _home(gallery)[1])


# The filtered rows' filters, from keeping most of a gallery to about 0.1% of it.
FILTERS = {
    "camera (the gallery's first)": lambda g: PhotoFilters(camera=_cameras(g)[0].split(" ", 1)[1]),
    "file type HEIC (10%)": lambda g: PhotoFilters(file_types=("heic",)),
    "favourite (3%)": lambda g: PhotoFilters(favourite=True),
    "a country abroad (~3%)": lambda g: PhotoFilters(place=_abroad(g)),
    "favourite, abroad (~0.1%)": lambda g: PhotoFilters(favourite=True, place=_abroad(g)),
}


def _vector_rows(model, galleries, batches, centres):
    matrices = {}
    for number, first, count in batches:
        gallery = galleries[number]
        if number not in matrices:
            matrices[number] = gallery_vectors(size=gallery.size, seed=gallery.seed, centres=centres)
        matrix = matrices[number]
        for i in range(first, first + count):
            yield int(gallery.photo_ids[i]), gallery.owner_id, matrix[i]


def build(*, spread, log) -> Build:
    """(Re)create the benchmark table: users, photos and vectors by COPY, then the HNSW index."""
    teardown(log=log)
    model = vectors_model()
    User = get_user_model()
    galleries: list[Gallery] = []
    for count, size in spread:
        users = User.objects.bulk_create([User(username=f"{PREFIX}-{size}-{i}", password="!") for i in range(count)])
        galleries += [Gallery(owner_id=user.pk, size=size, seed=len(galleries) + i, photo_ids=np.zeros(size, dtype=np.int64))
                      for i, user in enumerate(users)]
    total = sum(gallery.size for gallery in galleries)
    batches = _batches(galleries, seed=3)
    centres = themes()
    figures = {}
    started = time.monotonic()
    with transaction.atomic():
        _copy_photos(galleries, batches, first_id=_reserve_photo_ids(total))
    figures["photo rows (COPY)"] = f"{time.monotonic() - started:.0f} s"
    log(f"copied {total:,} photo rows in {figures['photo rows (COPY)']}")
    started = time.monotonic()
    with transaction.atomic():
        vectors.copy_photo_embeddings(model=model, rows=_vector_rows(model, galleries, batches, centres))
    figures["vectors (binary COPY)"] = f"{time.monotonic() - started:.0f} s"
    log(f"copied {total:,} vectors in {figures['vectors (binary COPY)']}")
    figures.update(build_index(model=model, total=total, log=log))
    figures.update(build_gallery_indexes(log=log))
    return Build(model=model, galleries=galleries, figures=figures)


def build_index(*, model: EmbeddingModel, total: int, log) -> dict[str, str]:
    """The model's HNSW index over the loaded rows (the product's definition), the whole graph in
    memory, with parallel workers; then fresh statistics."""
    log("building the HNSW index…")
    started = time.monotonic()
    memory = _maintenance_work_mem(total)
    with connection.cursor() as cursor:
        if connection.in_atomic_block:  # deferred foreign-key checks would block ALTER TABLE (the test run)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {vectors.TABLE} SET (parallel_workers = 2)")
        cursor.execute(f"SET maintenance_work_mem = '{memory}'")
        cursor.execute("SET max_parallel_maintenance_workers = 2")
        vectors.ensure_model_index(model=model)
        cursor.execute("RESET maintenance_work_mem")
        # VACUUM sets hint bits and the visibility map once, instead of the first queries (not
        # possible inside a transaction, as in the test run); autovacuum would, after such a load.
        # The photos' too: filtered ids come from index-only scans, which need the visibility map.
        for table in (vectors.TABLE, Photo._meta.db_table):
            cursor.execute(f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM ANALYZE'} {table}")
    figure = f"{time.monotonic() - started:.0f} s (maintenance_work_mem {memory}, 2 parallel workers)"
    log(f"index built in {figure}")
    return {"HNSW index build": figure}


def build_gallery_indexes(*, log) -> dict[str, str]:
    """The galleries' own indexes, as the product's periodic sync builds them (one at a time)."""
    started = time.monotonic()
    done = gallery_indexes_sync(progress=log)
    if not done or not done.built:
        return {}
    return {f"own HNSW indexes of galleries of {settings.SEARCH_GALLERY_INDEX_MIN_PHOTOS:,}+ photos":
            f"{len(done.built)} built in {time.monotonic() - started:.0f} s (concurrently, one at a time)"}


def _maintenance_work_mem(total: int) -> str:
    """Enough for the whole graph in memory (about 1.6 kB a 512-d halfvec element), at least 256 MB."""
    return f"{max(256, int(total * 1.6 / 1024) + 128)}MB"


def vectors_model() -> EmbeddingModel:
    model, _ = EmbeddingModel.objects.get_or_create(key=MODEL_KEY, defaults={
        "architecture": "synthetic", "pretrained": "", "dimensions": DIMS})
    return model


def existing(*, spread, log) -> Build | None:
    """The galleries of an earlier build with the same spread (for --reuse), or None."""
    model = EmbeddingModel.objects.filter(key=MODEL_KEY).first()
    if model is None:
        return None
    galleries = []
    for count, size in spread:
        users = list(get_user_model().objects.filter(username__startswith=f"{PREFIX}-{size}-").order_by("id"))
        if len(users) != count:
            return None
        galleries += [Gallery(owner_id=user.pk, size=size, seed=len(galleries) + i) for i, user in enumerate(users)]
    for gallery in galleries:  # the file name numbers the photo within its gallery
        gallery.photo_ids = np.asarray(Photo.objects.filter(owner_id=gallery.owner_id).order_by("original_name")
                                       .values_list("id", flat=True), dtype=np.int64)
    figures = {"build": "reused an earlier load"}
    if not _index_exists(model):  # a load whose index build was interrupted: build it now
        figures.update(build_index(model=model, total=sum(g.size for g in galleries), log=log))
    figures.update(build_gallery_indexes(log=log))  # any not built yet
    return Build(model=model, galleries=galleries, figures=figures)


@contextmanager
def _shared_index_only(model: EmbeddingModel) -> Iterator[None]:
    """The galleries' own indexes dropped inside a transaction that is rolled back: searches in it
    walk the model's shared index, as before the galleries had theirs (nothing is rebuilt after)."""
    with transaction.atomic():
        drop_gallery_indexes(model)
        vectors._sizes.clear()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            vectors._sizes.clear()


def _index_exists(model: EmbeddingModel) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [vectors.model_index_name(model)])
        return cursor.fetchone()[0]


def teardown(*, log) -> None:
    """Remove the benchmark's users, photos, vectors and index. Photos and vectors go by plain
    DELETE: the ORM's cascade would fetch a million rows first."""
    users = get_user_model().objects.filter(username__startswith=PREFIX + "-")
    owner_ids = list(users.values_list("pk", flat=True))
    with transaction.atomic(), connection.cursor() as cursor:
        for model in EmbeddingModel.objects.filter(key=MODEL_KEY):
            cursor.execute(f"DROP INDEX IF EXISTS {vectors.model_index_name(model)}")
            drop_gallery_indexes(model)
            cursor.execute(f"DELETE FROM {vectors.TABLE} WHERE model_id = %s", [model.pk])
            model.delete()
        if owner_ids:
            cursor.execute(f"DELETE FROM {Photo._meta.db_table} WHERE owner_id = ANY(%s)", [owner_ids])
            users.delete()
    log("removed earlier scale benchmark data")


def sizes(model: EmbeddingModel) -> dict[str, str]:
    """Table and index sizes (pg_relation_size) and memory figures."""
    def megabytes(value: int) -> str:
        return f"{value / 2**20:,.0f} MB"

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(%s), pg_total_relation_size(%s), pg_relation_size(%s), "
                       "pg_relation_size(%s), current_setting('shared_buffers'), pg_backend_pid()",
                       [vectors.TABLE, vectors.TABLE, vectors.model_index_name(model), Photo._meta.db_table])
        table, total, index, photos, shared_buffers, backend = cursor.fetchone()
    figures = {
        "photo_embedding table": megabytes(table),
        f"HNSW index {vectors.model_index_name(model)}": megabytes(index),
        "photo_embedding with all its indexes and TOAST": megabytes(total),
        "gallery_photo table": megabytes(photos),
        "shared_buffers": shared_buffers,
        "benchmark process peak RSS": megabytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024),
    }
    own = model_gallery_indexes(model)
    if own:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sum(pg_relation_size(name::regclass)) FROM unnest(%s::text[]) AS name",
                           [[vectors.gallery_index_name(model_id=m, owner_id=o) for m, o in own]])
            figures[f"{len(own)} galleries' own HNSW indexes"] = megabytes(cursor.fetchone()[0])
    backend_rss = _rss_bytes(backend)
    if backend_rss is not None:
        figures["PostgreSQL backend RSS (counts the shared buffers it touched)"] = megabytes(backend_rss)
    return figures


def _rss_bytes(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # the database runs elsewhere
        return None
    return None


TIE = 1e-4  # scores this close to the last exact match's tie with it


@dataclass(frozen=True)
class Expected:
    """An exact scan's answer: the ids, and the score of the last of them."""
    ids: frozenset[int]
    last_score: float

    def recall(self, matches) -> float:
        """The share of the exact answer found; a photo that ties the last one (its score within
        TIE of it: pgvector and numpy add half-precision products in different orders) counts."""
        hits = sum(1 for m in matches if m.photo_id in self.ids or m.score >= self.last_score - TIE)
        return min(hits, len(self.ids)) / len(self.ids)


def _exact_top_k(matrix: np.ndarray, ids: np.ndarray, query_index: int) -> Expected:
    scores = matrix @ matrix[query_index]
    scores[query_index] = -np.inf  # find-similar leaves the photo itself out
    top = np.argpartition(-scores, K)[:K] if len(ids) > K else np.argsort(-scores)[:len(ids) - 1]
    return Expected(ids=frozenset(ids[top].tolist()), last_score=float(scores[top].min()))


def measure(*, build: Build, queries: int, log) -> list[ClassRow]:
    """Per gallery class: the default plan and, for classes that could go either way, the other
    plan too, each with p50/p95 and recall@10 against an exact scan of the stored vectors."""
    centres = themes()
    rows = []
    for size, members in _classes(build):
        measured = members[:MEASURED_GALLERIES]
        per_gallery = max(1, -(-queries // len(measured)))
        cases = []  # (gallery, matrix row, photo id, exact ids, within)
        for gallery in measured:
            matrix = gallery_vectors(size=gallery.size, seed=gallery.seed, centres=centres).astype(np.float32)
            cases += [(gallery, matrix[i], int(gallery.photo_ids[i]), _exact_top_k(matrix, gallery.photo_ids, i), None)
                      for i in _picks(seed=gallery.seed, population=gallery.size, count=per_gallery)]
        cases = cases[:queries]
        default_index = vectors.uses_index(model=build.model, owner_id=measured[0].owner_id)
        plans = [None] + ([default_index] if 1_000 <= size <= 30_000 else [])  # exact=True: the exact scan
        for exact in plans:
            uses_exact = (not default_index) if exact is None else exact
            label = ("default: " if exact is None else "forced: ") + (
                "exact scan" if uses_exact else f"HNSW iterative, {_index_label(build.model, measured[0])}")
            times, recalls = _timed(build.model, cases, exact=exact)
            rows.append(ClassRow(size, len(members), len(measured), label, *percentiles_ms(times),
                                 float(np.mean(recalls))))
            log("  " + rows[-1].line())
        if default_index and _index_label(build.model, measured[0]) == "own index":
            with _shared_index_only(build.model):  # the same queries as before galleries had their own
                times, recalls = _timed(build.model, cases, exact=None)
            rows.append(ClassRow(size, len(members), len(measured), "before: HNSW iterative, shared index",
                                 *percentiles_ms(times), float(np.mean(recalls))))
            log("  " + rows[-1].line())
    return rows


def _index_label(model: EmbeddingModel, gallery: Gallery) -> str:
    return "own index" if vectors.gallery_index_keys().get((model.pk, gallery.owner_id)) else "shared index"


def measure_filtered(*, build: Build, queries: int, log) -> list[ClassRow]:
    """Per gallery class and filter (FILTERS): find-similar among the photos that pass the filter,
    in the plan the search module picks (the label says which, and the share of photos kept),
    recall@10 against an exact scan of the kept photos' stored vectors."""
    centres = themes()
    rows = []
    for size, members in _classes(build):
        measured = members[:MEASURED_GALLERIES]
        per_gallery = max(1, -(-queries // len(measured)))
        matrices = {g.owner_id: gallery_vectors(size=g.size, seed=g.seed, centres=centres).astype(np.float32)
                    for g in measured}
        for name, make_filters in FILTERS.items():
            cases, kept_shares, index_plans = [], [], 0
            for gallery in measured:
                within = filtered_photos(owner_id=gallery.owner_id, filters=make_filters(gallery))
                kept = _kept_positions(gallery, within)
                kept_shares.append(len(kept) / gallery.size)
                if len(kept) < 2:
                    continue
                matrix = matrices[gallery.owner_id][kept]
                ids = gallery.photo_ids[kept]
                index_plans += vectors.search_plan(model=build.model, owner_id=gallery.owner_id, within=within,
                                                   depth=K).use_index
                cases += [(gallery, matrix[i], int(ids[i]), _exact_top_k(matrix, ids, i), within)
                          for i in _picks(seed=gallery.seed, population=len(kept), count=per_gallery)]
            if not cases:
                continue
            cases = cases[:queries]
            searched = len({case[0].owner_id for case in cases})
            if index_plans == 0:
                plan = "exact scan"
            else:
                plan = f"HNSW iterative, {_index_label(build.model, measured[0])}" if index_plans == searched else "mixed"
            times, recalls = _timed(build.model, cases, exact=None)
            rows.append(ClassRow(size, len(members), searched, f"{name}: kept {np.mean(kept_shares):.2%}, {plan}",
                                 *percentiles_ms(times), float(np.mean(recalls))))
            log("  " + rows[-1].line())
            if plan.endswith("own index"):
                with _shared_index_only(build.model):
                    times, recalls = _timed(build.model, cases, exact=None)
                rows.append(ClassRow(size, len(members), searched, f"{name}: before, shared index",
                                     *percentiles_ms(times), float(np.mean(recalls))))
                log("  " + rows[-1].line())
    return rows


def _classes(build: Build) -> list[tuple[int, list[Gallery]]]:
    """The galleries by size, largest first."""
    sizes_seen = sorted({gallery.size for gallery in build.galleries}, reverse=True)
    return [(size, [gallery for gallery in build.galleries if gallery.size == size]) for size in sizes_seen]


def _picks(*, seed: int, population: int, count: int) -> np.ndarray:
    """`count` distinct positions of `population` (all of them if fewer), the same for a seed."""
    return np.random.default_rng(seed).choice(population, size=min(count, population), replace=False)


def _kept_positions(gallery: Gallery, within) -> np.ndarray:
    """The positions in the gallery's matrix of the photos that pass the filters `within`."""
    kept = set(within.filter(owner_id=gallery.owner_id, trashed_at__isnull=True).values_list("id", flat=True))
    return np.asarray([i for i, photo_id in enumerate(gallery.photo_ids.tolist()) if photo_id in kept], dtype=np.int64)


def _timed(model, cases, *, exact) -> tuple[list[float], list[float]]:
    for gallery, query, photo_id, _, within in cases:  # warm the caches once, so the timed pass reads from memory
        vectors.nearest(model=model, owner_id=gallery.owner_id, query=query, limit=K, exclude_photo_id=photo_id,
                        exact=exact, within=within)
    times, recalls = [], []
    for gallery, query, photo_id, expected, within in cases:
        started = time.perf_counter()
        found = vectors.nearest(model=model, owner_id=gallery.owner_id, query=query, limit=K,
                                exclude_photo_id=photo_id, exact=exact, within=within)
        times.append(time.perf_counter() - started)
        recalls.append(expected.recall(found))
    return times, recalls


def run(*, spread, queries: int, reuse: bool, log) -> tuple[Build, list[ClassRow], dict[str, str]]:
    built = existing(spread=spread, log=log) if reuse else None
    if built is None:
        built = build(spread=spread, log=log)
    rows = measure(build=built, queries=queries, log=log)
    rows += measure_filtered(build=built, queries=queries, log=log)
    figures = {"vectors": f"{sum(g.size for g in built.galleries):,} in {len(built.galleries):,} galleries",
               **built.figures, **sizes(built.model), "cores": str(os.cpu_count())}
    return built, rows, figures
