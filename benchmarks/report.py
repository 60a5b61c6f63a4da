"""One benchmark report (Markdown and JSON): the machine, ingest against model-only speed,
find-similar latency and recall at two table sizes, text and region search through Django, the
library's timeline and bulk actions for a user with 100,000 photos, and concurrent uploads and
searches against a live server. `manage.py benchmark_report` runs it.

The search figures use synthetic users and vectors in the database of the current settings
(removed afterwards); the load test runs a server of its own in <DATA_DIR>/loadtest."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks import library_speed, search_speed
from benchmarks.datasets import sample_photos
from benchmarks.import_speed import ImportSpeed, measure_import
from benchmarks.ingest import IngestSpeed, OcrIngestSpeed, measure_ingest, measure_ingest_with_ocr
from benchmarks.library_speed import LibrarySpeed
from benchmarks.load_test import runner as load_test_runner
from benchmarks.load_test.results import LoadResult
from benchmarks.machine import Machine, load_average, machine_info
from benchmarks.search_speed import Row

Log = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """How big each part is: the full run, or a quick one (a few minutes)."""

    ingest_photos: int
    import_photos: int
    search_sizes: tuple[tuple[int, int], ...]  # (vectors in the table, big users sharing all but SMALL_GALLERY)
    queries: int
    uploaders: int
    load_photos: int
    searchers: int
    library_photos: int = 100_000
    library_requests: int = 100


SMALL_GALLERY = 1_000
FULL = Plan(ingest_photos=160, import_photos=500, search_sizes=((10_000, 1), (100_000, 10)), queries=200,
            uploaders=20, load_photos=500, searchers=5)
QUICK = Plan(ingest_photos=64, import_photos=100, search_sizes=((10_000, 1),), queries=100, uploaders=10, load_photos=100,
             searchers=3, library_photos=10_000, library_requests=30)


@dataclass
class SearchScale:
    vectors: int
    big_gallery: int
    small_gallery: int
    clusters: int
    queries: int
    rows: list[Row]


@dataclass
class Report:
    machine: Machine
    quick: bool
    ingest: IngestSpeed
    imports: ImportSpeed
    search: list[SearchScale]
    http: list[Row]  # requests through Django's stack, at the largest size
    load: LoadResult
    ocr: OcrIngestSpeed | None = None
    seconds: float = 0.0
    load_average_end: tuple[float, float, float] = (0.0, 0.0, 0.0)
    notes: list[str] = field(default_factory=list)
    library: LibrarySpeed | None = None  # the timeline and bulk actions of one user's large library


def report_build(*, quick: bool = False, log: Log = lambda message: None) -> Report:
    plan = QUICK if quick else FULL
    started = time.monotonic()
    machine = machine_info()
    log(f"ingest: {plan.ingest_photos} photos…")
    photos, source = sample_photos(count=plan.ingest_photos)
    ingest = measure_ingest(photos=photos, source=source, log=log)
    log(f"ingest with text in photos off and on: {plan.ingest_photos // 2} photos…")
    ocr_speed = measure_ingest_with_ocr(photos=photos[:plan.ingest_photos // 2], log=log)
    log(f"folder import against uploads: {plan.import_photos} photos…")
    photos, source = sample_photos(count=plan.import_photos)
    imports = measure_import(photos=photos, source=source, log=log)
    scales, http = [], []
    try:
        for number, (total, big_users) in enumerate(plan.search_sizes):
            log(f"search: {total:,} vectors…")
            last = number == len(plan.search_sizes) - 1
            rows = search_speed.run(total=total, big_users=big_users, small_size=SMALL_GALLERY, clusters=total // 100,
                                    queries=plan.queries, reuse=False, log=log, http=last)
            http = [row for row in rows if row.name.startswith("HTTP")] if last else http
            scales.append(SearchScale(vectors=total, big_gallery=(total - SMALL_GALLERY) // big_users,
                                      small_gallery=SMALL_GALLERY, clusters=total // 100, queries=plan.queries,
                                      rows=[row for row in rows if not row.name.startswith("HTTP")]))
    finally:
        search_speed.teardown(log=log)
    log(f"library: {plan.library_photos:,} photos…")
    library = library_speed.run(photos=plan.library_photos, requests=plan.library_requests, bulk_size=1_000,
                                bulk_rounds=10, reuse=False, log=log)
    load = load_test_runner.run(uploaders=plan.uploaders, photos=plan.load_photos, searchers=plan.searchers, log=log)
    report = Report(machine=machine, quick=quick, ingest=ingest, imports=imports, search=scales, http=http, load=load,
                    ocr=ocr_speed, seconds=round(time.monotonic() - started, 1), load_average_end=load_average(),
                    library=library)
    busiest = max(machine.load_average[0], report.load_average_end[0])
    if busiest > machine.cores:
        report.notes.append(f"Note: other work shared the machine (1-minute load average up to {busiest:.1f} on "
                            f"{machine.cores} cores), so latencies are upper bounds and rates lower bounds.")
    return report


# --- Output ---------------------------------------------------------------------------------

def report_json(report: Report) -> dict:
    data = asdict(report)
    data["ingest"]["ratio"] = round(report.ingest.ratio, 3)
    data["imports"]["ratio"] = round(report.imports.ratio, 3)
    if report.ocr:
        data["ocr"]["ratio"] = round(report.ocr.ratio, 3)
    data["load"]["ok"] = report.load.ok
    return data


def report_write(*, report: Report, out: Path) -> tuple[Path, Path]:
    """Write `out`.md and `out`.json (folders created as needed)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    markdown, data = out.with_suffix(".md"), out.with_suffix(".json")
    markdown.write_text(report_markdown(report))
    data.write_text(json.dumps(report_json(report), indent=2) + "\n")
    return markdown, data


def report_markdown(report: Report) -> str:
    m, ingest, load = report.machine, report.ingest, report.load
    lines = [
        "# Benchmark report", "",
        f"`python manage.py benchmark_report{' --quick' if report.quick else ''}`, {m.date}, "
        f"{report.seconds / 60:.1f} min.", "",
        "| machine | |", "|---|---|",
        f"| CPU | {m.cpu}, {m.cores} cores |",
        f"| RAM | {m.ram_gb:.1f} GB |",
        f"| system | {m.system}, Python {m.python}, torch threads {m.torch_threads} |",
        f"| database | {m.database} |",
        f"| model | {m.model}{' (offline fallback)' if m.offline_fallback else ''} |",
        f"| load average (1/5/15 min) at start, at end | {_triple(m.load_average)}; "
        f"{_triple(report.load_average_end)} |", "",
        "## Ingest", "",
        f"Stored uploads to ready (decode, 512 px thumbnail, embedding, tags, database) in one process, "
        f"against `encode_images` alone on the same decoded photos (best of a pass before and one after); "
        f"{ingest.photos} {ingest.source}, batch {ingest.batch_size}.", "",
        "| model | model only | ingest | ingest / model |", "|---|---|---|---|",
        f"| {ingest.model} | {ingest.model_images_per_s:.1f} images/s | {ingest.ingest_photos_per_s:.1f} photos/s "
        f"| {100 * ingest.ratio:.0f}% |", "",
        *_ocr_markdown(report.ocr),
        "## Folder import", "",
        f"`import_photos` from start to every photo ready, against uploading the same {report.imports.photos} "
        f"{report.imports.source} and processing them (in one process; each measured twice, A B B A, mean shown).", "",
        "| model | upload pipeline | folder import | import / upload |", "|---|---|---|---|",
        f"| {report.imports.model} | {report.imports.upload_photos_per_s:.1f} photos/s | "
        f"{report.imports.import_photos_per_s:.1f} photos/s | {100 * report.imports.ratio:.0f}% |", "",
        "## Find-similar", "",
        "Clustered synthetic 512-d halfvec vectors (a seeded Gaussian mixture, 100 per cluster); the big user's "
        "gallery is searched through the HNSW index, the small one exactly; recall@10 against exact search.", "",
    ]
    for scale in report.search:
        lines += [f"{scale.vectors:,} vectors in the table (big user {scale.big_gallery:,} photos, small user "
                  f"{scale.small_gallery:,}), {scale.queries} queries per row:", "",
                  "| what | p50 ms | p95 ms | recall@10 |", "|---|---|---|---|",
                  *(row.line() for row in scale.rows), ""]
    if report.http:
        lines += ["## Requests through Django (in process)", "",
                  f"Django's whole request stack through the test client (no socket), on the "
                  f"{report.search[-1].vectors:,}-vector table's big user; text and region queries are encoded by "
                  "the active model. Text search is hybrid: CLIP's text encoder fused with the GloVe match of the "
                  "photos' tags (the synthetic photos have no tags, so that side finds nothing).", "",
                  "| what | p50 ms | p95 ms | recall@10 |", "|---|---|---|---|",
                  *(row.line() for row in report.http), ""]
    if report.library:
        lines += ["## Library", "", *library_speed.markdown_lines(report.library)]
    lines += _load_markdown(load)
    return "\n".join(lines + [*report.notes, ""])


def _ocr_markdown(speed: OcrIngestSpeed | None) -> list[str]:
    if speed is None:
        return []
    return [
        "## Text in photos (OCR)", "",
        f"Ingest to ready with the text-in-photos stage off, and on with a reader running beside it (as the ocr "
        f"worker beside the ingest worker); {speed.photos} photos. Goal: OCR on >= 95% of OCR off.", "",
        "| OCR off | OCR on (reader yields to ingest) | on / off | reader not yielding | OCR alone |",
        "|---|---|---|---|---|",
        f"| {speed.off_photos_per_s:.1f} photos/s | {speed.on_photos_per_s:.1f} photos/s | {100 * speed.ratio:.0f}% | "
        f"{speed.on_not_yielding_photos_per_s:.1f} photos/s ({100 * speed.not_yielding_ratio:.0f}%) | "
        f"{speed.ocr_photos_per_s:.2f} photos/s |", "",
    ]


def _triple(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.2f}" for value in values)


def _load_markdown(load: LoadResult) -> list[str]:
    verdict = "met" if load.ok else "**NOT met**"
    lines = [
        "## Concurrent load", "",
        f"A live server (`manage.py serve`: gunicorn 2 workers × 4 threads, one Celery worker, embedded PostgreSQL) "
        f"on the same machine; {load.uploaders} clients upload {load.photos_sent} {load.source} (one per "
        f"request, one user's token) while {load.searchers} clients loop over gallery list, text search and "
        "find-similar, until every photo is ready. Model: " + load.model + ".", "",
        "| | value |", "|---|---|",
        f"| photos added (201) | {load.added} of {load.photos_sent} |",
        f"| upload throughput | {load.uploads_per_s:.1f} uploads/s ({load.upload_seconds:.1f} s) |",
        f"| processed end to end (first upload → last ready) | {load.processed_per_s:.1f} photos/s "
        f"({load.processing_seconds:.1f} s) |",
        f"| ready / failed | {load.ready} / {load.failed} |",
        f"| lost photos (added, not ready at the end) | {load.lost} |",
        f"| 5xx responses | {load.server_errors} |",
        f"| requests without an answer | {load.no_response} |",
        f"| searchers ran (requests/s below are over this time; uploads over theirs) | {load.search_seconds:.1f} s |",
        f"| zero 5xx and zero lost photos | {verdict} |", "",
        "| endpoint | requests | requests/s | p50 ms | p95 ms | 4xx | 5xx |", "|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {e.endpoint} | {e.requests} | {e.per_second:.1f} | {e.p50_ms:.1f} | {e.p95_ms:.1f} "
              f"| {e.client_errors} | {e.server_errors} |" for e in load.endpoints]
    if load.lost_ids:
        lines += ["", f"Lost photo ids (first 50): {', '.join(map(str, load.lost_ids))}"]
    return lines + [""]
