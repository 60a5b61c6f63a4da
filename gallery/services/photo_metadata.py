"""Writes of photos' metadata: what EXIF says (date taken, camera, exposure, GPS) as model fields,
the places of GPS positions (offline), and the backfill for photos stored before either existed."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db.models import Q

from accounts.selectors import account_time_zone
from gallery import images, places
from gallery.metadata import DateTaken, PhotoMetadata, date_taken, usable_coordinates
from gallery.models import Photo

logger = logging.getLogger(__name__)

_TEXT_FIELDS = {name: Photo._meta.get_field(name).max_length
                for name in ("camera_make", "camera_model", "camera", "lens")}


def metadata_fields(*, metadata: PhotoMetadata, taken: DateTaken) -> dict:
    """Photo field values from what EXIF says and the date-taken rule."""
    fields = {"taken_at": taken.at, "taken_at_offset_minutes": taken.offset_minutes, "taken_at_source": taken.source,
              "focal_length_mm": metadata.focal_length_mm, "f_number": metadata.f_number,
              "exposure_time_s": metadata.exposure_time_s, "iso": metadata.iso, "altitude_m": metadata.altitude_m,
              "latitude": None, "longitude": None}
    for name, length in _TEXT_FIELDS.items():
        fields[name] = (getattr(metadata, name) or "")[:length]
    if metadata.latitude is not None and metadata.longitude is not None and usable_coordinates(
            latitude=metadata.latitude, longitude=metadata.longitude):
        fields["latitude"], fields["longitude"] = metadata.latitude, metadata.longitude
    return fields


def place_fields(place: places.Place | None) -> dict:
    """Photo field values for a looked-up place (empty when the position is nowhere near one)."""
    return {"country_code": place.country_code if place else "", "country": (place.country if place else "")[:64],
            "region": (place.region if place else "")[:128], "city": (place.city if place else "")[:128],
            "place_looked_up": True}


def photos_place(*, photos: list[Photo]) -> list[Photo]:
    """Look up the places of photos with a GPS position (one batched lookup); sets the fields on
    the instances and returns those it changed (the caller saves them)."""
    located = [photo for photo in photos if photo.latitude is not None and photo.longitude is not None
               and not photo.place_looked_up]
    if not located:
        return []
    found = places.places_for(coordinates=[(photo.latitude, photo.longitude) for photo in located])
    for photo, place in zip(located, found):
        for name, value in place_fields(place).items():
            setattr(photo, name, value)
    return located


PLACE_FIELDS = ("country_code", "country", "region", "city", "place_looked_up")
METADATA_FIELDS = ("taken_at", "taken_at_offset_minutes", "taken_at_source", *_TEXT_FIELDS, "focal_length_mm",
                   "f_number", "exposure_time_s", "iso", "latitude", "longitude", "altitude_m")


def photos_metadata_backfill(*, batch_size: int = 200, progress: Callable[[int, int], None] | None = None) -> int:
    """Read the metadata of photos stored before it was read at upload, and look up their places.
    Returns how many were read."""
    pending = (Photo.objects.filter(metadata_read=False).filter(Q(original__gt="") | Q(external_path__gt=""))
               .order_by("id"))
    total, done, zones = pending.count(), 0, {}
    while batch := list(pending[:batch_size]):
        for photo in batch:
            if photo.owner_id not in zones:
                zones[photo.owner_id] = account_time_zone(user=photo.owner_id)
            _metadata_reread(photo, fallback_tz=zones[photo.owner_id])
        photos_place(photos=batch)
        Photo.objects.bulk_update(batch, [*METADATA_FIELDS, *PLACE_FIELDS, "metadata_read"])
        done += len(batch)
        if progress:
            progress(done, total)
    return done


def _metadata_reread(photo: Photo, *, fallback_tz) -> None:
    photo.metadata_read = True
    try:
        with photo.open_original() as handle:
            info = images.inspect(handle, max_pixels=settings.UPLOAD_MAX_PIXELS, fallback_tz=fallback_tz)
    except (OSError, images.ImageRejected) as exc:
        logger.info("photo %s: metadata not read (%s)", photo.pk, exc)
        return
    # The date fell back to the upload time, which stays the fallback (a stored file's time means nothing).
    taken = date_taken(metadata=info.metadata, file_mtime=None, uploaded_at=photo.taken_at or photo.created_at)
    for name, value in metadata_fields(metadata=info.metadata, taken=taken).items():
        setattr(photo, name, value)


def read_upload_metadata(*, image_info: images.ImageInfo, file_mtime, uploaded_at) -> dict:
    """Field values for a new photo from its inspected file (`file_mtime` for imports only)."""
    taken = date_taken(metadata=image_info.metadata, file_mtime=file_mtime, uploaded_at=uploaded_at)
    return metadata_fields(metadata=image_info.metadata, taken=taken)
