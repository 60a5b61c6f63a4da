import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from gallery import images, metadata
from gallery.metadata import PhotoMetadata
from tests import images as make
from tests.images import BYTE, LONG, RATIONAL, SHORT, UNDEFINED, ascii, numbers, raw_exif

LISBON = ZoneInfo("Europe/Lisbon")
NEW_YORK = ZoneInfo("America/New_York")
UPLOADED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def read(data: bytes, fallback_tz=LISBON) -> PhotoMetadata:
    with Image.open(io.BytesIO(data)) as image:
        return metadata.read_metadata(image, fallback_tz=fallback_tz)


def jpeg_with(ifd0=None, exif=None, gps=None) -> bytes:
    return make.jpeg(exif=raw_exif(ifd0 or {}, exif, gps))


@pytest.mark.parametrize("maker", [make.jpeg, make.heic, make.avif])
def test_a_phone_photo_reads_completely(maker):
    found = read(maker(exif=make.iphone_exif()))
    assert found.taken_at == datetime(2024, 5, 6, 13, 30, 15, 250_000, tzinfo=UTC)
    assert (found.taken_at_offset_minutes, found.taken_at_source) == (60, "exif_offset")
    assert (found.camera_make, found.camera_model, found.camera) == ("Apple", "iPhone 15 Pro", "Apple iPhone 15 Pro")
    assert found.lens == "iPhone 15 Pro back triple camera 6.86mm f/1.78"
    assert (found.focal_length_mm, found.f_number, found.iso) == (6.86, 1.8, 125)
    assert found.exposure_time_s == pytest.approx(0.004) and found.exposure_display == "1/250"
    assert found.latitude == pytest.approx(38.7223, abs=1e-6) and found.longitude == pytest.approx(-9.1393, abs=1e-6)
    assert found.altitude_m == 12.5


def test_a_time_without_offset_is_read_in_the_fallback_zone():
    data = jpeg_with(exif={0x9003: ascii("2024:07:01 09:00:00")})
    in_lisbon, in_new_york = read(data, LISBON), read(data, NEW_YORK)
    assert in_lisbon.taken_at == datetime(2024, 7, 1, 8, 0, tzinfo=UTC)  # Lisbon summer time is UTC+1
    assert in_new_york.taken_at == datetime(2024, 7, 1, 13, 0, tzinfo=UTC)  # New York is UTC-4
    assert in_lisbon.taken_at_source == "exif_local" and in_lisbon.taken_at_offset_minutes is None


def test_offset_time_stands_in_for_a_missing_offset_time_original():
    data = jpeg_with(exif={0x9003: ascii("2024:07:01 09:00:00"), 0x9010: ascii("-05:30")})
    found = read(data)
    assert found.taken_at == datetime(2024, 7, 1, 14, 30, tzinfo=UTC)
    assert (found.taken_at_offset_minutes, found.taken_at_source) == (-330, "exif_offset")


def test_offset_time_original_wins_over_offset_time():
    data = jpeg_with(exif={0x9003: ascii("2024:07:01 09:00:00"), 0x9011: ascii("+09:00"), 0x9010: ascii("+02:00")})
    assert read(data).taken_at_offset_minutes == 540


def test_datetime_original_wins_and_datetime_is_the_last_resort():
    both = jpeg_with(ifd0={0x0132: ascii("2025:01:01 10:00:00")},
                     exif={0x9003: ascii("2020:02:02 20:00:00"), 0x9011: ascii("+00:00")})
    assert read(both).taken_at == datetime(2020, 2, 2, 20, 0, tzinfo=UTC)
    digitized = jpeg_with(ifd0={0x0132: ascii("2025:01:01 10:00:00")}, exif={0x9004: ascii("2019:03:03 03:00:00")})
    assert read(digitized, UTC).taken_at == datetime(2019, 3, 3, 3, 0, tzinfo=UTC)
    only_datetime = jpeg_with(ifd0={0x0132: ascii("2025:01:01 10:00:00")}, exif={0x9010: ascii("+02:00")})
    assert read(only_datetime).taken_at == datetime(2025, 1, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", ["0000:00:00 00:00:00", "    :  :     :  :  ", "2024:13:45 25:61:00",
                                   "yesterday", "", "1700:01:01 00:00:00", "2024:02:30 10:00:00"])
def test_invalid_dates_are_none_and_a_later_tag_is_used(value):
    data = jpeg_with(ifd0={0x0132: ascii("2025:01:01 10:00:00")}, exif={0x9003: ascii(value), 0x9011: ascii("+01:00")})
    found = read(data, UTC)
    assert found.taken_at == datetime(2025, 1, 1, 10, 0, tzinfo=UTC) and found.taken_at_source == "exif_local"
    assert read(jpeg_with(exif={0x9003: ascii(value)})).taken_at is None


@pytest.mark.parametrize("offset", ["+25:00", "+01:75", "01:00", "   :  ", "+1:00", "Z", "garbage"])
def test_invalid_offsets_fall_back_to_the_account_zone(offset):
    found = read(jpeg_with(exif={0x9003: ascii("2024:01:10 12:00:00"), 0x9011: ascii(offset)}), NEW_YORK)
    assert found.taken_at == datetime(2024, 1, 10, 17, 0, tzinfo=UTC) and found.taken_at_source == "exif_local"


def test_bad_exif_values_never_raise_and_become_none():
    data = jpeg_with(
        ifd0={0x010F: ascii("X" * 60_000), 0x0110: (SHORT, 1, b"\x05\x00")},  # a huge make, a number for a model
        exif={0x829A: numbers(RATIONAL, (1, 0)), 0x829D: ascii("f/2.8"), 0x920A: numbers(RATIONAL, (0, 0)),
              0x8827: ascii("ISO 400"), 0x9003: (UNDEFINED, 4, b"\xff\xfe\xfd\xfc"), 0xA434: numbers(LONG, 7)},
        gps={1: numbers(BYTE, 9), 2: numbers(RATIONAL, (38, 1), (75, 1), (0, 1)),  # 75 minutes
             3: ascii("W"), 4: numbers(RATIONAL, (9, 0), (8, 1), (21, 1)), 6: ascii("high")},
    )
    assert read(data) == PhotoMetadata()


@pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin")  # Pillow says what it skipped
def test_a_hostile_exif_block_reads_as_nothing():
    hostile = make.jpeg(exif=b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff" + b"\x12\x01\x03\x00" * 8)
    assert read(hostile) == PhotoMetadata()
    assert read(make.png()) == PhotoMetadata()  # no EXIF at all


def test_text_is_cleaned_and_the_make_is_said_once():
    data = jpeg_with(ifd0={0x010F: ascii("Canon\x00\x00  "), 0x0110: ascii("  Canon   EOS R5\x00")})
    found = read(data)
    assert (found.camera_make, found.camera_model, found.camera) == ("Canon", "Canon EOS R5", "Canon EOS R5")


@pytest.mark.parametrize("make_, model, expected", [
    ("Apple", "iPhone 15 Pro", "Apple iPhone 15 Pro"),
    ("Canon", "Canon EOS R5", "Canon EOS R5"),
    ("NIKON CORPORATION", "NIKON D850", "NIKON D850"),
    ("OLYMPUS IMAGING CORP.", "E-M1MarkII", "OLYMPUS E-M1MarkII"),
    ("SONY", "ILCE-7M3", "SONY ILCE-7M3"),
    ("samsung", "Galaxy S23", "samsung Galaxy S23"),
    (None, "Pixel 8", "Pixel 8"),
    ("Google", None, "Google"),
    (None, None, None),
    ("Canon", "   ", "Canon"),
])
def test_camera_name(make_, model, expected):
    assert metadata.camera_name(make=make_, model=model) == expected


@pytest.mark.parametrize("seconds, shown", [(1 / 250, "1/250"), (1 / 8000, "1/8000"), (1 / 3, "1/3"), (0.5, "1/2"),
                                            (0.3, "0.3 s"), (0.6, "0.6 s"), (1.0, "1 s"), (2.5, "2.5 s"),
                                            (30.0, "30 s"), (10 / 30, "1/3")])
def test_exposure_display(seconds, shown):
    assert metadata.exposure_display(seconds) == shown


def test_apex_values_stand_in_for_missing_exposure_and_aperture():
    found = read(jpeg_with(exif={0x9201: numbers(RATIONAL, (8, 1)), 0x9202: numbers(RATIONAL, (3, 1))}))
    assert found.exposure_display == "1/256" and found.f_number == 2.8


def test_iso_over_65535_comes_from_the_recommended_exposure_index():
    found = read(jpeg_with(exif={0x8827: numbers(SHORT, 65535), 0x8832: numbers(LONG, 102400)}))
    assert found.iso == 102400
    assert read(jpeg_with(exif={0x8827: numbers(SHORT, 0)})).iso is None


def _gps(lat_ref, lat, lon_ref, lon, extra=None) -> dict:
    return {1: ascii(lat_ref), 2: numbers(RATIONAL, *lat), 3: ascii(lon_ref), 4: numbers(RATIONAL, *lon), **(extra or {})}


def test_gps_south_and_below_sea_level():
    gps = _gps("S", [(33, 1), (51, 1), (5436, 100)], "E", [(151, 1), (12, 1), (3348, 100)],
               {5: numbers(BYTE, 1), 6: numbers(RATIONAL, (4215, 10))})
    found = read(jpeg_with(gps=gps))
    assert found.latitude == pytest.approx(-(33 + 51 / 60 + 54.36 / 3600), abs=1e-7)
    assert found.longitude == pytest.approx(151 + 12 / 60 + 33.48 / 3600, abs=1e-7)
    assert found.altitude_m == -421.5


def test_gps_as_decimal_degrees_in_one_rational():
    found = read(jpeg_with(gps=_gps("N", [(387223, 10000)], "W", [(91393, 10000)])))
    assert (found.latitude, found.longitude) == (38.7223, -9.1393)


@pytest.mark.parametrize("gps", [
    _gps("N", [(0, 1), (0, 1), (0, 1)], "E", [(0, 1), (0, 1), (0, 1)]),  # null island: no fix
    _gps("N", [(95, 1), (0, 1), (0, 1)], "E", [(9, 1), (0, 1), (0, 1)]),  # latitude out of range
    _gps("N", [(38, 1), (43, 1), (20, 1)], "W", [(190, 1), (0, 1), (0, 1)]),  # longitude out of range
    {**_gps("N", [(38, 1), (43, 1), (20, 1)], "W", [(9, 1), (8, 1), (21, 1)]), 9: ascii("V")},  # a void fix
    {2: numbers(RATIONAL, (38, 1), (43, 1), (20, 1))},  # latitude without longitude
])
def test_unusable_gps_is_none(gps):
    found = read(jpeg_with(gps=gps))
    assert (found.latitude, found.longitude) == (None, None)


def test_usable_coordinates():
    assert metadata.usable_coordinates(latitude=38.7, longitude=-9.1)
    assert metadata.usable_coordinates(latitude=0.0, longitude=-9.1)  # on the equator is fine
    assert not metadata.usable_coordinates(latitude=0.0, longitude=0.0)
    assert not metadata.usable_coordinates(latitude=float("nan"), longitude=1.0)
    assert not metadata.usable_coordinates(latitude=-90.5, longitude=1.0)


# --- the date rule ------------------------------------------------------------------------------------

def test_date_taken_prefers_exif():
    found = read(jpeg_with(exif={0x9003: ascii("2024:07:01 09:00:00"), 0x9011: ascii("+02:00")}))
    taken = metadata.date_taken(metadata=found, file_mtime=datetime(2023, 1, 1, tzinfo=UTC), uploaded_at=UPLOADED)
    assert (taken.at, taken.offset_minutes, taken.source) == (datetime(2024, 7, 1, 7, 0, tzinfo=UTC), 120,
                                                              "exif_offset")
    local = read(jpeg_with(exif={0x9003: ascii("2024:07:01 09:00:00")}), NEW_YORK)
    assert metadata.date_taken(metadata=local, file_mtime=None, uploaded_at=UPLOADED).source == "exif_local"


def test_without_exif_an_import_uses_the_file_time_and_an_upload_the_upload_time():
    nothing = PhotoMetadata()
    mtime = datetime(2019, 8, 9, 10, 11, tzinfo=ZoneInfo("Europe/Berlin"))
    imported = metadata.date_taken(metadata=nothing, file_mtime=mtime, uploaded_at=UPLOADED)
    assert (imported.at, imported.source) == (datetime(2019, 8, 9, 8, 11, tzinfo=UTC), "file_mtime")
    assert imported.at.tzinfo is UTC
    uploaded = metadata.date_taken(metadata=nothing, file_mtime=None, uploaded_at=UPLOADED)
    assert (uploaded.at, uploaded.offset_minutes, uploaded.source) == (UPLOADED, None, "upload")


@pytest.mark.parametrize("mtime", [datetime(1970, 1, 1, tzinfo=UTC), UPLOADED + timedelta(days=30)])
def test_an_implausible_file_time_is_not_used(mtime):
    assert metadata.date_taken(metadata=PhotoMetadata(), file_mtime=mtime, uploaded_at=UPLOADED).source == "upload"


def test_naive_times_are_a_programming_error():
    with pytest.raises(ValueError, match="aware"):
        metadata.date_taken(metadata=PhotoMetadata(), file_mtime=datetime(2020, 1, 1), uploaded_at=UPLOADED)


def test_inspect_reads_the_metadata_in_the_given_zone():
    data = jpeg_with(ifd0={0x010F: ascii("Apple"), 0x0110: ascii("iPhone 15 Pro")},
                     exif={0x9003: ascii("2024:07:01 09:00:00")})
    info = images.inspect(io.BytesIO(data), max_pixels=80_000_000, fallback_tz=NEW_YORK)
    assert info.metadata.camera == "Apple iPhone 15 Pro"
    assert info.taken_at == info.metadata.taken_at == datetime(2024, 7, 1, 13, 0, tzinfo=UTC)

