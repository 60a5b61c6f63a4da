"""The issue's load target against a live server of our own (gunicorn + a real Celery worker,
embedded PostgreSQL in <DATA_DIR>/loadtest): 20 clients upload 500 photos while 5 search.
Slow (a few minutes; the first run also loads GloVe into that database): `bash scripts/test_slow.sh`."""

import pytest

from benchmarks.load_test import runner as load_test

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def test_twenty_uploaders_and_five_searchers_lose_no_photo_and_get_no_5xx():
    result = load_test.run(uploaders=20, photos=500, searchers=5, log=print)
    print(result)

    assert result.server_errors == 0
    assert result.no_response == 0
    assert result.added == 500 and result.upload_failures == 0
    assert result.lost == 0, f"not ready at the end: {result.lost_ids}"
    assert result.ready == 500
    by_endpoint = {figures.endpoint: figures for figures in result.endpoints}
    assert set(by_endpoint) == {load_test.UPLOAD, load_test.LIST, load_test.SEARCH, load_test.SIMILAR}
    assert all(figures.requests > 0 and figures.client_errors == 0 for figures in by_endpoint.values())
    assert by_endpoint[load_test.UPLOAD].requests == 500
