"""What a search or a photo list is narrowed to: one value object that every mode takes (words,
similar photos, a region, an uploaded image, "show more", the timeline and the gallery API). Pure:
the conditions on photo rows are built by search.selectors.filters, the plan by search.vectors.

Dates are calendar days in the account's time zone: `taken_after` is the first day kept (from its
start), `taken_before` the first day left out, so `after:2023-06 before:2024` keeps June to
December 2023.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date

# A file type as people name it -> the content types stored for it (gallery.images.CONTENT_TYPES).
FILE_TYPES: dict[str, tuple[str, ...]] = {
    "jpeg": ("image/jpeg",),
    "png": ("image/png",),
    "heic": ("image/heic", "image/heif"),
    "webp": ("image/webp",),
    "gif": ("image/gif",),
    "tiff": ("image/tiff",),
    "bmp": ("image/bmp",),
    "avif": ("image/avif",),
}
FILE_TYPE_ALIASES = {"jpg": "jpeg", "heif": "heic", "tif": "tiff"}
TEXT_FILTER_MAX_LENGTH = 64
MAX_TAGS = 5


@dataclass(frozen=True)
class PhotoFilters:
    taken_after: date | None = None  # kept from this day on (date taken, else date added)
    taken_before: date | None = None  # kept until this day, not including it
    album_id: int | None = None  # one of the owner's albums (resolved and checked before it gets here)
    tags: tuple[str, ...] = ()  # every one of these tags (stored form: search.text.normalise_text)
    exclude_tags: tuple[str, ...] = ()  # none of these tags
    favourite: bool | None = None
    camera: str | None = None  # a part of the camera's make or model, any case ("iphone")
    place: str | None = None  # a part of the city, region or country, any case ("lisbon"), or a country code
    file_types: tuple[str, ...] = ()  # names of FILE_TYPES ("heic")
    has_text: bool | None = None  # text was read in the photo (the OCR stage; see selectors.filters)
    album_name: str = field(default="", compare=False)  # for display only

    @property
    def is_empty(self) -> bool:
        return self == PhotoFilters()

    @property
    def content_types(self) -> tuple[str, ...]:
        return tuple(content_type for name in self.file_types for content_type in FILE_TYPES[name])

    def without(self, name: str, value=None) -> PhotoFilters:
        """These filters less one: a field reset, or one value out of a tuple field (a chip's "x")."""
        current = getattr(self, name)
        if isinstance(current, tuple) and value is not None:
            return replace(self, **{name: tuple(item for item in current if item != value)})
        default = next(f.default for f in fields(self) if f.name == name)
        changes = {name: default}
        if name == "album_id":
            changes["album_name"] = ""
        return replace(self, **changes)


def file_type_name(text: str) -> str | None:
    """ "HEIC", "jpg", ".heif" -> the FILE_TYPES name, or None for a type we don't store."""
    name = text.strip().lower().lstrip(".")
    name = FILE_TYPE_ALIASES.get(name, name)
    return name if name in FILE_TYPES else None
