import math
import threading

import numpy as np
import pytest

from gallery import places


@pytest.mark.parametrize("latitude, longitude, city, region, country", [
    (38.7223, -9.1393, "Lisbon", "Lisbon", "Portugal"),
    (-33.8688, 151.2093, "Sydney", "New South Wales", "Australia"),
    (40.7128, -74.0060, "New York City", "New York", "United States"),
    (35.6762, 139.6503, "Tokyo", "Tokyo", "Japan"),
])
def test_known_cities_come_back(latitude, longitude, city, region, country):
    place = places.place_for(latitude=latitude, longitude=longitude)
    assert (place.city, place.region, place.country) == (city, region, country), place
    assert place.distance_km < 10


def test_country_codes_are_named():
    place = places.place_for(latitude=37.5665, longitude=126.9780)  # Seoul
    assert (place.country_code, place.country) == ("KR", "South Korea")
    index = places._loaded()
    assert set(index.codes) <= set(index.countries)  # every code GeoNames uses has a name


@pytest.mark.parametrize("latitude, longitude", [
    (0.0, 0.0),  # null island: what a GPS without a fix writes
    (91.0, 10.0), (-90.5, 10.0), (10.0, 180.5), (10.0, -181.0),
    (float("nan"), 10.0), (10.0, float("inf")),
])
def test_unusable_coordinates_have_no_place(latitude, longitude):
    assert places.place_for(latitude=latitude, longitude=longitude, max_distance_km=20_000) is None


def test_null_island_is_refused_although_a_place_is_in_reach():
    near = places.place_for(latitude=0.001, longitude=0.001, max_distance_km=20_000)
    assert near is not None  # a real point a metre or so away gets its nearest place (in Ghana, far away)
    assert places.place_for(latitude=0.0, longitude=0.0, max_distance_km=20_000) is None


def test_the_open_ocean_is_no_city():
    assert places.place_for(latitude=-40.0, longitude=-120.0) is None  # the South Pacific
    assert places.place_for(latitude=-40.0, longitude=-120.0, max_distance_km=20_000) is not None


def test_the_nearest_place_is_found_across_the_180_degree_meridian():
    index = places._loaded()
    east = max(range(len(index.cities)), key=lambda row: _longitude(index, row))
    latitude, longitude = _latitude(index, east), _longitude(index, east)
    assert longitude > 179
    across = -179.98  # just east of the meridian, written as a negative longitude
    gap_km = math.radians(180 - longitude + 0.02) * math.cos(math.radians(latitude)) * places.EARTH_RADIUS_KM
    assert gap_km < places.MAX_DISTANCE_KM
    place = places.place_for(latitude=latitude, longitude=across)
    # that place or a nearer one, never one that is only near in degrees (on the far side of the globe)
    assert place is not None and place.distance_km <= gap_km + 0.1, (place, gap_km)


def test_many_coordinates_in_one_batch_keep_their_order():
    coordinates = [(38.7223, -9.1393), (0.0, 0.0), (-33.8688, 151.2093), (95.0, 0.0)] * 2500
    found = places.places_for(coordinates=coordinates)
    assert len(found) == 10_000
    assert [p.city if p else None for p in found[:4]] == ["Lisbon", None, "Sydney", None]
    assert found[4:8] == found[:4]
    assert places.places_for(coordinates=[]) == []
    assert places.places_for(coordinates=[(0.0, 0.0)]) == [None]


def test_the_index_loads_once_for_threads_asking_together_and_prints_nothing(monkeypatch, capfd):
    monkeypatch.setattr(places, "_index", None)
    builds = []
    real_build = places._build

    def counting_build():
        builds.append(threading.get_ident())
        return real_build()

    monkeypatch.setattr(places, "_build", counting_build)
    start = threading.Barrier(8)
    results = []

    def ask():
        start.wait()
        results.append(places.place_for(latitude=38.7223, longitude=-9.1393))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1 and len(results) == 8 and {p.city for p in results} == {"Lisbon"}
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def _latitude(index, row) -> float:
    return float(_point(index, row)[0])


def _longitude(index, row) -> float:
    return float(_point(index, row)[1])


def _point(index, row):
    x, y, z = index.tree.data[row]
    return np.degrees(np.arcsin(z)), np.degrees(np.arctan2(y, x))
