"""The library's lists in order, a page at a time by keyset; months with counts; neighbours."""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gallery import timeline
from gallery.models import Photo
from gallery.selectors import photo_list
from imagesearch.keyset import InvalidCursor
from tests.factories import photo_rows

UTC = dt_timezone.utc
LISBON = ZoneInfo("Europe/Lisbon")


def at(year, month, day=15, hour=12):
    return datetime(year, month, day, hour, tzinfo=UTC)


def walk(photos, ordering, *, limit, zone=UTC):
    """Every page of the list from the start, following next_cursor; the ids in order."""
    seen, cursor = [], None
    while True:
        page = timeline.photo_page_list(photos=photos, ordering=ordering, time_zone=zone, cursor=cursor, limit=limit)
        seen += [photo.pk for photo in page.photos]
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


def test_the_timeline_is_by_date_taken_newest_first_with_ties_by_id(user, other_user):
    moments = [at(2021, 5), at(2024, 1), at(2019, 7), at(2024, 1), None, at(2023, 12)]
    photos = photo_rows(owner=user, taken=moments)
    photo_rows(owner=other_user, taken=[at(2022, 2)])
    expected = sorted(photos, key=lambda p: (p.taken_at or p.created_at, p.pk), reverse=True)
    for limit in (1, 2, 4, 10):
        assert walk(photo_list(owner=user, ordering="-taken_at"), "-taken_at", limit=limit) == [p.pk for p in expected]
    oldest_first = walk(photo_list(owner=user, ordering="taken_at"), "taken_at", limit=2)
    assert oldest_first == [p.pk for p in reversed(expected)]


def test_a_photo_without_a_date_taken_sorts_by_its_date_added(user):
    dated = photo_rows(owner=user, taken=[at(2030, 1)])  # taken "after" today's upload
    undated = photo_rows(owner=user, taken=[None])
    Photo.objects.filter(pk=undated[0].pk).update(created_at=at(2031, 1))
    assert walk(photo_list(owner=user), "-taken_at", limit=5) == [undated[0].pk, dated[0].pk]
    assert Photo.objects.get(pk=undated[0].pk).timeline_at == at(2031, 1)


def test_date_added_ordering_and_pages_backwards(user):
    photos = photo_rows(owner=user, taken=[at(2020 + i % 3, 1 + i) for i in range(9)])
    newest_added = [p.pk for p in sorted(photos, key=lambda p: (p.created_at, p.pk), reverse=True)]
    assert walk(photo_list(owner=user), "-created_at", limit=4) == newest_added

    queryset = photo_list(owner=user)
    first = timeline.photo_page_list(photos=queryset, ordering="-taken_at", limit=3)
    second = timeline.photo_page_list(photos=queryset, ordering="-taken_at", cursor=first.next_cursor, limit=3)
    assert first.previous_cursor is None and second.previous_cursor
    back = timeline.photo_page_list(photos=queryset, ordering="-taken_at", cursor=second.previous_cursor, limit=3)
    assert [p.pk for p in back.photos] == [p.pk for p in first.photos]
    assert back.previous_cursor is None and back.next_cursor


def test_a_cursor_of_another_ordering_or_a_made_up_one_is_refused(user):
    photo_rows(owner=user, taken=[at(2020, 1), at(2021, 1)])
    page = timeline.photo_page_list(photos=photo_list(owner=user), ordering="-taken_at", limit=1)
    for cursor in (page.next_cursor, "bm9wZQ", "!!", "x" * 300):
        with pytest.raises(InvalidCursor):
            timeline.photo_page_list(photos=photo_list(owner=user), ordering="-created_at", cursor=cursor, limit=1)


def test_months_are_counted_in_the_accounts_time_zone_and_jump_there(user):
    # 23:30 UTC on 31 March is 00:30 on 1 April in Lisbon (summer time).
    photo_rows(owner=user, taken=[datetime(2024, 3, 31, 23, 30, tzinfo=UTC), at(2024, 3, 2), at(2024, 3, 3),
                                  at(2023, 11), at(2021, 6)])
    years = timeline.photo_months(photos=photo_list(owner=user), ordering="-taken_at", time_zone=LISBON)
    assert [(y.year, y.count) for y in years] == [(2024, 3), (2023, 1), (2021, 1)]
    assert [(m.year, m.month, m.count) for m in years[0].months] == [(2024, 4, 1), (2024, 3, 2)]
    march = years[0].months[1]
    page = timeline.photo_page_list(photos=photo_list(owner=user), ordering="-taken_at", time_zone=LISBON,
                                    cursor=march.cursor, limit=10)
    assert [s.key for s in page.sections] == ["2024-03", "2023-11", "2021-06"]
    assert page.previous_cursor  # April is above
    jumped = timeline.photo_page_list(photos=photo_list(owner=user), ordering="-taken_at", time_zone=LISBON,
                                      month=(2023, 11), limit=1)
    assert [s.key for s in jumped.sections] == ["2023-11"]


def test_sections_group_a_page_by_month(user):
    photo_rows(owner=user, taken=[at(2024, 2, 1), at(2024, 2, 20), at(2024, 1, 5), at(2022, 8, 1)])
    page = timeline.photo_page_list(photos=photo_list(owner=user), ordering="-taken_at", time_zone=UTC, limit=10)
    assert [(s.key, len(s.photos)) for s in page.sections] == [("2024-02", 2), ("2024-01", 1), ("2022-08", 1)]
    assert page.sections[0].label == "February 2024"


def test_neighbours_in_a_list(user):
    photos = photo_rows(owner=user, taken=[at(2024, 3), at(2024, 2), at(2024, 1)])
    queryset = photo_list(owner=user)
    newest, middle, oldest = photos
    assert timeline.photo_neighbours(photos=queryset, photo=middle, ordering="-taken_at") == (newest.pk, oldest.pk)
    assert timeline.photo_neighbours(photos=queryset, photo=newest, ordering="-taken_at") == (None, middle.pk)
    assert timeline.photo_neighbours(photos=queryset, photo=oldest, ordering="-taken_at") == (middle.pk, None)


def test_pages_never_count_and_use_the_timeline_index(user):
    photo_rows(owner=user, taken=[at(2000, 1) + timedelta(days=i) for i in range(300)])
    queryset = photo_list(owner=user)
    first = timeline.photo_page_list(photos=queryset, ordering="-taken_at", limit=50)
    with CaptureQueriesContext(connection) as queries:
        timeline.photo_page_list(photos=queryset, ordering="-taken_at", cursor=first.next_cursor, limit=50)
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
    sql = queries.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Photo._meta.db_table}")
        # A tiny table: ask whether the index can serve the page in order at all.
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using photo_timeline" in plan and "Sort" not in plan, plan
    assert "Index Cond: ((owner_id = " in plan and "timeline_at <=" in plan.split("Index Cond")[1], plan
