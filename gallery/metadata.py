"""What a photo's EXIF says about when, where and with what it was taken. Pure: no database, no storage.

EXIF is written by thousands of cameras, phones and editors, some of them wrong or hostile, so every
value is checked and a bad one becomes None; nothing here raises on a file's content.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from fractions import Fraction
from typing import Literal

from PIL import Image

TakenAtSource = Literal["exif_offset", "exif_local", "file_mtime", "upload"]

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_MAKE, _MODEL, _DATETIME = 0x010F, 0x0110, 0x0132
_EXPOSURE_TIME, _F_NUMBER, _ISO, _RECOMMENDED_EXPOSURE_INDEX = 0x829A, 0x829D, 0x8827, 0x8832
_DATETIME_ORIGINAL, _DATETIME_DIGITIZED = 0x9003, 0x9004
_OFFSET_TIME, _OFFSET_TIME_ORIGINAL, _OFFSET_TIME_DIGITIZED = 0x9010, 0x9011, 0x9012
_SHUTTER_SPEED_VALUE, _APERTURE_VALUE, _FOCAL_LENGTH = 0x9201, 0x9202, 0x920A
_SUBSEC_TIME, _SUBSEC_TIME_ORIGINAL, _SUBSEC_TIME_DIGITIZED = 0x9290, 0x9291, 0x9292
_LENS_MODEL = 0xA434
_GPS_LATITUDE_REF, _GPS_LATITUDE, _GPS_LONGITUDE_REF, _GPS_LONGITUDE = 1, 2, 3, 4
_GPS_ALTITUDE_REF, _GPS_ALTITUDE, _GPS_STATUS = 5, 6, 9

# Which EXIF time to trust, best first, each with the offset tags that may belong to it. DateTime
# (0x0132) is the last resort: editors rewrite it when they save, so it can be the editing time.
# OffsetTime is the fallback offset for all three because cameras write the same zone into each.
_TIMES = (
    (_DATETIME_ORIGINAL, (_OFFSET_TIME_ORIGINAL, _OFFSET_TIME), _SUBSEC_TIME_ORIGINAL),
    (_DATETIME_DIGITIZED, (_OFFSET_TIME_DIGITIZED, _OFFSET_TIME), _SUBSEC_TIME_DIGITIZED),
    (_DATETIME, (_OFFSET_TIME,), _SUBSEC_TIME),
)
_DATE = re.compile(r"(\d{4})[:\-/.](\d{2})[:\-/.](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")
_OLDEST_YEAR = 1826  # the oldest surviving photograph; earlier EXIF years are a reset or unset clock
_MAX_TEXT = 200  # longer "camera names" are junk (the bad corpus has a 60,000-character EXIF string)
# A file modification time this close to the Unix epoch is an unset clock or a copy that lost it.
_EPOCH_JUNK = datetime(1970, 1, 2, tzinfo=UTC)
_MTIME_CLOCK_SKEW = timedelta(days=1)
# Company words dropped from Make before comparing it with Model: "NIKON CORPORATION" + "NIKON D850".
_COMPANY_WORDS = {"corporation", "corp", "corp.", "co.", "co.,ltd.", "ltd.", "ltd", "inc.", "inc",
                  "company", "imaging", "optical", "electronics", "co.,", "limited"}


@dataclass(frozen=True)
class PhotoMetadata:
    taken_at: datetime | None = None  # aware, in UTC
    taken_at_offset_minutes: int | None = None  # the camera's UTC offset, when EXIF recorded it
    taken_at_source: Literal["exif_offset", "exif_local"] | None = None
    camera_make: str | None = None  # as recorded, cleaned: "Canon"
    camera_model: str | None = None  # as recorded, cleaned: "Canon EOS R5"
    camera: str | None = None  # for display, the make said once: "Apple iPhone 15 Pro", "Canon EOS R5"
    lens: str | None = None
    focal_length_mm: float | None = None
    f_number: float | None = None
    exposure_time_s: float | None = None
    exposure_display: str | None = None  # "1/250", "0.6 s", "30 s"
    iso: int | None = None
    latitude: float | None = None  # degrees, north positive
    longitude: float | None = None  # degrees, east positive
    altitude_m: float | None = None  # metres above sea level, negative below


@dataclass(frozen=True)
class DateTaken:
    at: datetime  # aware, in UTC
    offset_minutes: int | None  # the local UTC offset at capture, when known
    source: TakenAtSource


def read_metadata(image: Image.Image, *, fallback_tz: tzinfo) -> PhotoMetadata:
    """EXIF facts of an open Pillow image (JPEG, HEIC, AVIF, PNG, TIFF, WebP…).

    `fallback_tz` (the account's time zone) interprets an EXIF time that has no recorded offset.
    """
    ifd0, exif, gps = _ifds(image)
    taken_at, offset, source = _taken_at(ifd0, exif, fallback_tz=fallback_tz)
    make, model = _text(ifd0.get(_MAKE)), _text(ifd0.get(_MODEL))
    exposure = _positive(exif.get(_EXPOSURE_TIME), upper=86_400.0) or _apex_exposure(exif.get(_SHUTTER_SPEED_VALUE))
    latitude, longitude = _coordinates(gps)
    return PhotoMetadata(
        taken_at=taken_at, taken_at_offset_minutes=offset, taken_at_source=source,
        camera_make=make, camera_model=model, camera=camera_name(make=make, model=model),
        lens=_text(exif.get(_LENS_MODEL)),
        focal_length_mm=_positive(exif.get(_FOCAL_LENGTH), upper=10_000.0),
        f_number=_positive(exif.get(_F_NUMBER), upper=1_000.0) or _apex_aperture(exif.get(_APERTURE_VALUE)),
        exposure_time_s=exposure, exposure_display=exposure_display(exposure) if exposure else None,
        iso=_iso(exif),
        latitude=latitude, longitude=longitude, altitude_m=_altitude(gps),
    )


def date_taken(*, metadata: PhotoMetadata, file_mtime: datetime | None, uploaded_at: datetime) -> DateTaken:
    """The documented rule for a photo's date: EXIF with its offset; EXIF without an offset, read in the
    account's time zone (already done by read_metadata); without EXIF, the file's modification time for
    imports (pass None for browser uploads) and otherwise the upload time. Both times must be aware."""
    if metadata.taken_at is not None and metadata.taken_at_source is not None:
        return DateTaken(at=metadata.taken_at, offset_minutes=metadata.taken_at_offset_minutes,
                         source=metadata.taken_at_source)
    if uploaded_at.tzinfo is None or (file_mtime is not None and file_mtime.tzinfo is None):
        raise ValueError("file_mtime and uploaded_at must be aware datetimes")
    if file_mtime is not None and _EPOCH_JUNK < file_mtime <= uploaded_at + _MTIME_CLOCK_SKEW:
        return DateTaken(at=file_mtime.astimezone(UTC), offset_minutes=None, source="file_mtime")
    return DateTaken(at=uploaded_at.astimezone(UTC), offset_minutes=None, source="upload")


def camera_name(*, make: str | None, model: str | None) -> str | None:
    """Make and model for display without saying the make twice: "Apple" + "iPhone 15 Pro" is
    "Apple iPhone 15 Pro", "Canon" + "Canon EOS R5" is "Canon EOS R5", "NIKON CORPORATION" +
    "NIKON D850" is "NIKON D850"."""
    words = (model or "").split()
    if not words:
        return make or None
    brand = [word for word in (make or "").split() if word.lower() not in _COMPANY_WORDS]
    if not brand or words[0].lower() in {word.lower() for word in brand}:
        return " ".join(words)
    return " ".join(brand + words)


def exposure_display(seconds: float) -> str:
    """How photographers write a shutter speed: "1/250" below a second when it is (within 5 %) one over a
    whole number, otherwise seconds: "0.6 s", "2 s", "2.5 s"."""
    if not seconds > 0:
        raise ValueError(f"an exposure time is positive, not {seconds!r}")
    if seconds < 1:
        denominator = round(1 / seconds)
        if abs(1 / denominator - seconds) <= 0.05 * seconds:
            return f"1/{denominator}"
    return f"{seconds:.1f}".rstrip("0").rstrip(".") + " s"


def usable_coordinates(*, latitude: float, longitude: float) -> bool:
    """Finite, in range, and not exactly (0, 0): "null island" in the Gulf of Guinea is what a GPS
    without a fix and buggy apps write, and almost never where a photo was taken."""
    return (math.isfinite(latitude) and math.isfinite(longitude) and -90 <= latitude <= 90
            and -180 <= longitude <= 180 and not (latitude == 0 and longitude == 0))


# --- reading ---------------------------------------------------------------------------------------

def _ifds(image: Image.Image) -> tuple[dict, dict, dict]:
    """IFD0, the EXIF IFD and the GPS IFD as plain dicts; a block Pillow cannot parse is empty."""
    try:
        exif = image.getexif()
    except Exception:  # noqa: BLE001 - Pillow's EXIF parser fails in many ways on hostile blocks
        return {}, {}, {}
    return dict(exif), _ifd(exif, _EXIF_IFD), _ifd(exif, _GPS_IFD)


def _ifd(exif: Image.Exif, tag: int) -> dict:
    try:
        return dict(exif.get_ifd(tag))
    except Exception:  # noqa: BLE001 - an IFD pointer past the end, a loop, wrong types…
        return {}


def _text(value: object) -> str | None:
    """An EXIF ASCII value as clean text: NULs, padding and repeated spaces removed; junk is None."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    text = " ".join("".join(ch for ch in value if ch.isprintable()).split())
    return text if 0 < len(text) <= _MAX_TEXT else None


def _number(value: object) -> float | None:
    """A finite float from what Pillow gives for a RATIONAL, SHORT or LONG: IFDRational, int, a
    (numerator, denominator) pair or a one-element tuple. A zero denominator is None."""
    if isinstance(value, tuple | list) and len(value) == 2 and all(isinstance(part, int) for part in value):
        value = Fraction(value[0], value[1]) if value[1] else None
    elif isinstance(value, tuple | list) and len(value) == 1:
        value = value[0]
    if value is None or isinstance(value, bool | str | bytes):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _positive(value: object, *, upper: float) -> float | None:
    number = _number(value)
    return number if number is not None and 0 < number <= upper else None


def _apex_exposure(value: object) -> float | None:
    """ShutterSpeedValue is APEX: exposure time = 2 ** -value."""
    number = _number(value)
    return 2.0 ** -number if number is not None and -17 < number < 30 else None


def _apex_aperture(value: object) -> float | None:
    """ApertureValue is APEX: f-number = sqrt(2) ** value."""
    number = _number(value)
    return round(math.sqrt(2) ** number, 1) if number is not None and -2 < number < 20 else None


def _iso(exif: dict) -> int | None:
    value = exif.get(_ISO)
    value = _number(value[0] if isinstance(value, tuple | list) and value else value)  # several: the first
    if value == 65535:  # a SHORT tag: cameras write 65535 and put the real value elsewhere
        value = _number(exif.get(_RECOMMENDED_EXPOSURE_INDEX)) or value
    return int(value) if value is not None and 1 <= value <= 10_000_000 else None


def _taken_at(ifd0: dict, exif: dict, *, fallback_tz: tzinfo) -> tuple[datetime | None, int | None, str | None]:
    both = {**ifd0, **exif}
    for date_tag, offset_tags, subsec_tag in _TIMES:
        local = _datetime(both.get(date_tag))
        if local is None:
            continue
        local = local.replace(microsecond=_microseconds(both.get(subsec_tag)))
        for offset_tag in offset_tags:
            offset = _offset_minutes(both.get(offset_tag))
            if offset is not None:
                aware = local.replace(tzinfo=timezone(timedelta(minutes=offset)))
                return aware.astimezone(UTC), offset, "exif_offset"
        # No offset recorded: the wall-clock time is read in the account's zone. A time in a DST gap
        # or fold gets zoneinfo's fold=0 answer, which is at most an hour off.
        return local.replace(tzinfo=fallback_tz).astimezone(UTC), None, "exif_local"
    return None, None, None


def _datetime(value: object) -> datetime | None:
    """An EXIF "YYYY:MM:DD HH:MM:SS" (also with - / . as date separators); "0000:00:00 00:00:00",
    impossible dates and garbage are None."""
    text = _text(value)
    match = _DATE.match(text) if text else None
    if not match:
        return None
    try:
        parsed = datetime(*(int(part) for part in match.groups()))  # wall-clock time; the zone comes later
    except ValueError:
        return None
    return parsed if parsed.year >= _OLDEST_YEAR else None


def _offset_minutes(value: object) -> int | None:
    """An EXIF offset "+02:00" / "-05:30" in minutes; blank ("   :  "), malformed or beyond the real
    zones (UTC-12 to UTC+14) is None."""
    text = _text(value)
    match = _OFFSET.fullmatch(text) if text else None
    if not match:
        return None
    sign, hours, minutes = match.groups()
    total = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or total > 14 * 60:
        return None
    return -total if sign == "-" else total


def _microseconds(value: object) -> int:
    """SubSecTime* is the decimal fraction's digits as text: "5" is 0.5 s, "123" 0.123 s."""
    text = _text(value)
    if not text or not text.isdigit():
        return 0
    return int(text[:6].ljust(6, "0"))


def _coordinates(gps: dict) -> tuple[float | None, float | None]:
    if (_text(gps.get(_GPS_STATUS)) or "A").upper() == "V":  # "V": the receiver said the fix is void
        return None, None
    latitude = _degrees(gps.get(_GPS_LATITUDE), gps.get(_GPS_LATITUDE_REF), negative="S")
    longitude = _degrees(gps.get(_GPS_LONGITUDE), gps.get(_GPS_LONGITUDE_REF), negative="W")
    if latitude is None or longitude is None or not usable_coordinates(latitude=latitude, longitude=longitude):
        return None, None
    return round(latitude, 7), round(longitude, 7)


def _degrees(value: object, ref: object, *, negative: str) -> float | None:
    """Degrees, minutes, seconds rationals (or fewer parts, for writers that store decimal degrees)
    signed by the N/S or E/W reference. A missing reference keeps the number's own sign."""
    if not isinstance(value, tuple | list):
        value = (value,)  # one RATIONAL comes back from Pillow as a number, not a tuple
    if not 1 <= len(value) <= 3:
        return None
    parts = [_number(part) for part in value]
    if any(part is None or part < 0 for part in parts) or any(part >= 60 for part in parts[1:]):
        return None
    degrees = sum(part / 60**index for index, part in enumerate(parts))
    return -degrees if (_text(ref) or "").upper().startswith(negative) else degrees


def _altitude(gps: dict) -> float | None:
    altitude = _number(gps.get(_GPS_ALTITUDE))
    if altitude is None or not 0 <= altitude <= 100_000:  # higher is no photo from the ground or a plane
        return None
    ref = gps.get(_GPS_ALTITUDE_REF)
    below = ref in (1, b"\x01", "\x01") or (isinstance(ref, tuple | list) and tuple(ref[:1]) == (1,))
    return round(-altitude if below else altitude, 2)
