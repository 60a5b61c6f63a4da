"""search.selectors.filters: camera and place filters match parts of the owner's own values, and
find the photos through the owner's value indexes, not by reading the whole gallery."""

from datetime import date, datetime
from datetime import timezone as dt_timezone

import pytest
from django.db import connection, transaction

from gallery.models import Photo
from search import vectors
from search.filters import PhotoFilters
from search.selectors.filters import filtered_photos, owner_values_containing
from tests.factories import UserFactory, photo_rows


def _gallery(owner, rows: list[dict]) -> list[Photo]:
    photos = []
    for fields in rows:
        photos += photo_rows(owner=owner, taken=[None], **fields)
    return photos


def _kept(owner, filters: PhotoFilters) -> set[int]:
    within = filtered_photos(owner_id=owner.pk, filters=filters)
    return set(within.filter(owner=owner).values_list("pk", flat=True))


@pytest.mark.django_db
def test_parts_of_the_owners_values_match_in_any_case_and_nobody_elses():
    owner, other = UserFactory(), UserFactory()
    _gallery(owner, [{"camera": "Apple iPhone 13"}, {"camera": "Apple iPhone 15 Pro"}, {"camera": "Canon EOS R6"},
                     {"camera": ""}, {"camera": "Apple iPhone 13"}])
    _gallery(other, [{"camera": "Apple iPhone 12"}])
    assert owner_values_containing(owner_id=owner.pk, column="camera", text="iphone") == [
        "Apple iPhone 13", "Apple iPhone 15 Pro"]
    assert owner_values_containing(owner_id=owner.pk, column="camera", text="IPHONE 1") == [
        "Apple iPhone 13", "Apple iPhone 15 Pro"]
    assert owner_values_containing(owner_id=owner.pk, column="camera", text="iPhone 12") == []
    assert owner_values_containing(owner_id=owner.pk, column="camera", text="100%") == []  # LIKE's signs are text
    with pytest.raises(ValueError):
        owner_values_containing(owner_id=owner.pk, column="original_name; DROP TABLE", text="x")


@pytest.mark.django_db
def test_camera_and_place_filters_keep_exactly_the_matching_photos():
    owner, other = UserFactory(), UserFactory()
    lisbon, porto, madrid, nowhere = _gallery(owner, [
        {"camera": "Apple iPhone 13", "country_code": "PT", "country": "Portugal", "region": "Lisboa", "city": "Lisbon"},
        {"camera": "Canon EOS R6", "country_code": "PT", "country": "Portugal", "region": "Norte", "city": "Porto"},
        {"camera": "Apple iPhone 13", "country_code": "ES", "country": "Spain", "region": "Madrid", "city": "Madrid"},
        {},
    ])
    _gallery(other, [{"camera": "Apple iPhone 13", "country_code": "PT", "country": "Portugal", "city": "Lisbon"}])
    assert _kept(owner, PhotoFilters(camera="iphone")) == {lisbon.pk, madrid.pk}
    assert _kept(owner, PhotoFilters(place="lisb")) == {lisbon.pk}  # city and region
    assert _kept(owner, PhotoFilters(place="portugal")) == {lisbon.pk, porto.pk}
    assert _kept(owner, PhotoFilters(place="pt")) == {lisbon.pk, porto.pk}  # the country code, whole
    assert _kept(owner, PhotoFilters(place="es")) == {madrid.pk}  # in no name: the code ES
    assert _kept(owner, PhotoFilters(place="tokyo")) == set()
    assert _kept(owner, PhotoFilters(camera="iphone", place="madrid")) == {madrid.pk}
    assert _kept(owner, PhotoFilters(camera="nikon")) == set()


@pytest.mark.django_db
def test_the_filtered_ids_come_through_the_owner_value_index():
    owner, other = UserFactory(), UserFactory()
    _gallery(owner, [{"camera": f"Camera {i % 40}"} for i in range(800)])
    _gallery(other, [{"camera": f"Other {i % 10}"} for i in range(800)])
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Photo._meta.db_table}")
    within = filtered_photos(owner_id=owner.pk, filters=PhotoFilters(camera="camera 17"))
    sql, params = vectors._ids_sql(within, owner_id=owner.pk)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a table this small would be read whole
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # the camera is a condition of the index search, not a filter over every row of the gallery
    assert any("Index Cond" in line and "camera" in line for line in plan.splitlines()), plan
    assert len(_kept(owner, PhotoFilters(camera="camera 17"))) == 20


COVERED_FILTERS = [
    PhotoFilters(camera="camera 17"), PhotoFilters(place="city 3"), PhotoFilters(file_types=("heic",)),
    PhotoFilters(favourite=True, place="city 3"), PhotoFilters(camera="camera 1", taken_after=date(2020, 1, 1)),
]


@pytest.mark.django_db(transaction=True)  # committed and vacuumed: index-only scans need the visibility map
def test_the_filtered_ids_are_read_from_the_index_alone():
    """The filter indexes carry the photo id, the trash column, the favourite flag and the date: a
    search's filtered ids need no photo row, alone or with those filters (reading the rows cost 13 ms
    for 9,000 photos of a 300,000-photo gallery; its favourites abroad, 18 ms)."""
    owner, *others = UserFactory(), UserFactory(), UserFactory()
    for user in (owner, *others):  # 280 kinds of photo, 3,360 photos each
        for i in range(280):
            photo_rows(owner=user, taken=[datetime(2015 + i % 10, 1, 1, tzinfo=dt_timezone.utc)] * 12,
                       camera=f"Camera {i % 40}", city=f"City {i % 7}", favourite=i % 5 == 0)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Photo._meta.db_table}")
    for filters in COVERED_FILTERS:
        within = filtered_photos(owner_id=owner.pk, filters=filters)
        sql, params = vectors._ids_sql(within, owner_id=owner.pk)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert plan.startswith("Index Only Scan"), (filters, plan)
