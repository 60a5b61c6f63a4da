"""The benchmark report's figures and formatting, from fixed inputs (no benchmark is run)."""

import json

from benchmarks.import_speed import ImportSpeed
from benchmarks.ingest import IngestSpeed, OcrIngestSpeed
from benchmarks.library_speed import LibraryRow, LibrarySpeed, PlanCheck
from benchmarks.load_test import results
from benchmarks.load_test.results import LoadResult, Sample
from benchmarks.machine import Machine
from benchmarks.report import Report, SearchScale, report_markdown, report_write
from benchmarks.search_speed import Row


def _load(*, lost_ids: list[int], server_errors: int) -> LoadResult:
    samples = [Sample(results.UPLOAD, 201, seconds / 1000) for seconds in range(1, 21)]  # 1..20 ms
    samples += [Sample(results.SEARCH, 200, 0.010)] * 9 + [Sample(results.SEARCH, 503, 0.500)]
    samples += [Sample(results.LIST, 404, 0.002), Sample(results.LIST, 0, 120.0)]
    return LoadResult(
        url="http://127.0.0.1:1", model="tiny/model", uploaders=20, searchers=5, source="caltech101 photos",
        photos_sent=20, added=20, upload_failures=0, upload_seconds=4.0, uploads_per_s=5.0, processing_seconds=8.0,
        processed_per_s=2.25, ready=20 - len(lost_ids), failed=0, lost=len(lost_ids), lost_ids=lost_ids,
        server_errors=server_errors, no_response=0, search_seconds=10.0,
        endpoints=results.endpoint_figures(samples=samples, seconds={results.UPLOAD: 4.0}, default_seconds=10.0))


def _report(load: LoadResult) -> Report:
    machine = Machine(
        cpu="Test CPU 9000", cores=2, ram_gb=23.456, python="3.11.7", torch_threads=2, model="tiny/model",
        offline_fallback=True, database="PostgreSQL 18.3, pgvector 0.8.2", system="Linux 6 x86_64",
        date="2026-01-02 03:04 UTC", load_average=(1.5, 0.25, 2.0))
    ingest = IngestSpeed(model="tiny/model", batch_size=16, photos=160, source="caltech101 photos",
                         model_images_per_s=200.0, ingest_photos_per_s=150.0)
    imports = ImportSpeed(model="tiny/model", photos=500, source="caltech101 photos", upload_photos_per_s=80.0,
                          import_photos_per_s=76.0)
    scale = SearchScale(
        vectors=100_000, big_gallery=9_900, small_gallery=1_000, clusters=1_000, queries=200,
        rows=[Row("big user (9900 photos): search module, HNSW iterative", 1.234, 5.678, 0.9912)])
    http = [Row("HTTP region search", 40.0, 55.5)]
    library = LibrarySpeed(
        photos=100_000, requests=100, bulk_size=1_000, bulk_rounds=10, plans=[
            PlanCheck(request="API next page (cursor)", photo_queries=2, counts=0, indexes=["photo_timeline"])],
        rows=[LibraryRow("API timeline, a page deep in the past", 12.34, 45.67, samples=100, goal_ms=50.0),
              LibraryRow("API bulk restore, 1,000 photos", 1500.0, 2500.0, samples=10, goal_ms=2000.0),
              LibraryRow("API month counts", 30.0, 40.0, samples=100)])
    return Report(machine=machine, quick=False, ingest=ingest, imports=imports, search=[scale], http=http, load=load,
                  seconds=600.0, load_average_end=(3.0, 2.0, 1.0), library=library)


def test_markdown_shows_every_section_with_its_figures():
    report = _report(_load(lost_ids=[], server_errors=0))
    report.notes.append("Note: a busy machine.")
    markdown = report_markdown(report)

    assert "`python manage.py benchmark_report`, 2026-01-02 03:04 UTC, 10.0 min." in markdown
    assert "| CPU | Test CPU 9000, 2 cores |" in markdown and "| RAM | 23.5 GB |" in markdown
    assert "| load average (1/5/15 min) at start, at end | 1.50 / 0.25 / 2.00; 3.00 / 2.00 / 1.00 |" in markdown
    assert "torch threads 2" in markdown and "| model | tiny/model (offline fallback) |" in markdown
    assert "| tiny/model | 200.0 images/s | 150.0 photos/s | 75% |" in markdown
    assert "| tiny/model | 80.0 photos/s | 76.0 photos/s | 95% |" in markdown  # folder import against uploads
    assert "100,000 vectors in the table (big user 9,900 photos, small user 1,000), 200 queries" in markdown
    assert "| big user (9900 photos): search module, HNSW iterative | 1.23 | 5.68 | 0.991 |" in markdown
    assert "| HTTP region search | 40.00 | 55.50 | - |" in markdown
    assert "| upload | 20 | 5.0 | 10.5 | 19.1 | 0 | 0 |" in markdown
    assert "| text search | 10 | 1.0 | 10.0 | 279.5 | 0 | 1 |" in markdown
    assert "| zero 5xx and zero lost photos | met |" in markdown
    assert "Lost photo ids" not in markdown
    assert "## Library" in markdown and "One user with 100,000 photos" in markdown
    assert "| API timeline, a page deep in the past | 12.3 | 45.7 | 100 | p95 ≤ 50 | met |" in markdown
    assert "| API bulk restore, 1,000 photos | 1500.0 | 2500.0 | 10 | p95 ≤ 2000 | **NOT met** |" in markdown
    assert "| API month counts | 30.0 | 40.0 | 100 | - | - |" in markdown
    assert "| API next page (cursor) | 2 | 0 | photo_timeline | 0 |" in markdown
    assert markdown.endswith("\nNote: a busy machine.\n")


def test_a_failed_load_is_flagged_and_written_to_both_files(tmp_path):
    report = _report(_load(lost_ids=[7, 9], server_errors=1))

    markdown_path, json_path = report_write(report=report, out=tmp_path / "reports" / "benchmark")

    markdown = markdown_path.read_text()
    assert markdown_path.name == "benchmark.md" and markdown == report_markdown(report)
    assert "| zero 5xx and zero lost photos | **NOT met** |" in markdown
    assert "| lost photos (added, not ready at the end) | 2 |" in markdown
    assert "Lost photo ids (first 50): 7, 9" in markdown
    data = json.loads(json_path.read_text())
    assert data["load"]["ok"] is False and data["load"]["lost_ids"] == [7, 9]
    assert data["ingest"]["ratio"] == 0.75
    assert data["machine"]["cpu"] == "Test CPU 9000"
    assert data["search"][0]["rows"][0]["recall"] == 0.9912
    assert data["library"]["rows"][1]["p95_ms"] == 2500.0 and data["library"]["plans"][0]["counts"] == 0


def test_the_ocr_row_shows_ingest_with_text_reading_off_and_on(tmp_path):
    report = _report(_load(lost_ids=[], server_errors=0))
    report.ocr = OcrIngestSpeed(photos=80, off_photos_per_s=10.0, on_photos_per_s=9.7, on_not_yielding_photos_per_s=6.0,
                                ocr_photos_per_s=4.25)
    markdown = report_markdown(report)
    assert "## Text in photos (OCR)" in markdown
    assert "| 10.0 photos/s | 9.7 photos/s | 97% | 6.0 photos/s (60%) | 4.25 photos/s |" in markdown
    _, json_path = report_write(report=report, out=tmp_path / "benchmark")
    assert json.loads(json_path.read_text())["ocr"]["ratio"] == 0.97
    report.ocr = None
    assert "Text in photos" not in report_markdown(report)
