"""benchmark_library at a tiny scale, so that it cannot rot: every row measured, the plan check
sees the timeline's partial index and no COUNT on cursor pages, and the data goes afterwards."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from benchmarks import library_speed
from gallery.models import Photo


@pytest.mark.django_db
def test_the_command_measures_every_row_and_removes_its_data():
    out = io.StringIO()
    call_command("benchmark_library", photos=240, requests=2, bulk_size=20, bulk_rounds=2, stdout=out,
                 stderr=io.StringIO())
    text = out.getvalue()

    for name in ("API timeline, first page", "next page by cursor", "a page deep in the past", "API month counts",
                 "jump to a month", "page: timeline with the jump list", "infinite scroll's next cards",
                 "API bulk favourite, 20 photos", "API bulk move to the trash, 20 photos", "API bulk restore, 20 photos",
                 "API bulk add to album, 20 photos", "API bulk remove from album, 20 photos"):
        assert name in text, name
    assert "p95 ≤ 50" in text and "p95 ≤ 2000" in text
    assert not get_user_model().objects.filter(username__startswith=library_speed.PREFIX).exists()
    assert not Photo.objects.filter(original__startswith=f"originals/{library_speed.PREFIX}/").exists()


@pytest.mark.django_db
def test_cursor_pages_can_use_the_timeline_index_and_count_nothing():
    """At this size the planner rightly prefers reading the table and sorting; forbidden both, it
    must find the partial index able to serve every page in order (at 100,000 photos it picks it by
    itself: the README's run)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off")
    speed = library_speed.run(photos=300, requests=1, bulk_size=10, bulk_rounds=1, reuse=False, log=lambda _: None)
    checks = {check.request: check for check in speed.plans}

    for name in ("API next page (cursor)", "API oldest month's page (cursor)", "page: infinite scroll's next cards"):
        assert checks[name].counts == 0, name
        assert "photo_timeline" in checks[name].indexes, (name, checks[name].indexes)
    assert checks["API first page"].counts == 1  # page numbers carry a count; cursor pages never do
    assert "photo_favourites" in checks["page: favourites' next cards"].indexes
