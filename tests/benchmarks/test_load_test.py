"""The load test: its per-endpoint figures from fixed samples, and the issue's load target against
a live server of our own (gunicorn + a real Celery worker, embedded PostgreSQL in
<DATA_DIR>/loadtest): 20 clients upload 500 photos while 5 search. That one is slow (a few minutes;
the first run also loads GloVe into that database): `bash scripts/test_slow.sh`."""

import pytest

from benchmarks.load_test import results, runner
from benchmarks.load_test.results import Sample


def _samples() -> list[Sample]:
    samples = [Sample(results.UPLOAD, 201, seconds / 1000) for seconds in range(1, 21)]  # 1..20 ms
    samples += [Sample(results.SEARCH, 200, 0.010)] * 9 + [Sample(results.SEARCH, 503, 0.500)]
    return samples + [Sample(results.LIST, 404, 0.002), Sample(results.LIST, 0, 120.0)]


def test_endpoint_figures_count_errors_and_use_each_window():
    figures = {f.endpoint: f for f in results.endpoint_figures(samples=_samples(), seconds={results.UPLOAD: 4.0},
                                                               default_seconds=10.0)}

    upload, search, listing = figures[results.UPLOAD], figures[results.SEARCH], figures[results.LIST]
    # p95 interpolates between the closest ranks (benchmarks.stats): 19.05 ms of 1..20 ms, not the slowest
    assert (upload.requests, upload.per_second, upload.p50_ms, upload.p95_ms) == (20, 5.0, 10.5, 19.1)
    assert (search.requests, search.per_second, search.server_errors, search.p95_ms) == (10, 1.0, 1, 279.5)
    assert (listing.client_errors, listing.no_response, listing.server_errors) == (1, 1, 0)
    assert results.SIMILAR not in figures  # no request, no row


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_twenty_uploaders_and_five_searchers_lose_no_photo_and_get_no_5xx():
    result = runner.run(uploaders=20, photos=500, searchers=5, log=print)
    print(result)

    assert result.server_errors == 0
    assert result.no_response == 0
    assert result.added == 500 and result.upload_failures == 0
    assert result.lost == 0, f"not ready at the end: {result.lost_ids}"
    assert result.ready == 500
    by_endpoint = {figures.endpoint: figures for figures in result.endpoints}
    assert set(by_endpoint) == {results.UPLOAD, results.LIST, results.SEARCH, results.SIMILAR}
    assert all(figures.requests > 0 and figures.client_errors == 0 for figures in by_endpoint.values())
    assert by_endpoint[results.UPLOAD].requests == 500
