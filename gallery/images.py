"""Decoding and normalising images with Pillow. Pure functions: no database, no storage.

Pillow decides what an image is; extensions and declared content types are never trusted.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from imagesearch.exceptions import ApplicationError

CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",  # multi-picture JPEG from phone cameras; the first frame is the photo
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "TIFF": "image/tiff",
    "BMP": "image/bmp",
}
ACCEPTED_DESCRIPTION = "JPEG, PNG, WebP, GIF, TIFF or BMP"
MIN_SIDE = 8
_EXIF_DATETIME_ORIGINAL = 0x9003
Image.init()  # register every plugin, so `formats=` below can name WebP and TIFF
_EXIF_IFD = 0x8769


class ImageRejected(ApplicationError):
    """The file is not an image we accept; the message says why, for the uploader."""


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    width: int  # after EXIF orientation
    height: int
    taken_at: datetime | None


def inspect(file: BinaryIO, *, max_pixels: int) -> ImageInfo:
    """Fully decode an upload to prove it is a usable image; raise ImageRejected if not."""
    with _open(file, max_pixels=max_pixels) as image:
        _decode(image)
        content_type = CONTENT_TYPES[image.format]
        width, height = image.size
        if _orientation(image) in (5, 6, 7, 8):
            width, height = height, width
        if min(width, height) < MIN_SIDE:
            raise ImageRejected(f"The image is too small ({width}x{height} pixels); at least {MIN_SIDE}x{MIN_SIDE} is needed.")
        taken_at = _taken_at(image)
    return ImageInfo(content_type=content_type, width=width, height=height, taken_at=taken_at)


def load_rgb(file: BinaryIO, *, max_pixels: int, fit_within: int | None = None) -> Image.Image:
    """Decode to an upright 8-bit RGB image, optionally shrunk to fit a square of `fit_within`.

    JPEG decoding uses Pillow's draft mode (DCT scaling) when a smaller result is wanted,
    which is several times faster on camera photos.
    """
    with _open(file, max_pixels=max_pixels) as image:
        if fit_within and image.format in ("JPEG", "MPO"):
            image.draft("RGB", (fit_within, fit_within))
        _decode(image)
        rgb = to_rgb(_upright(image))
    if fit_within:
        rgb.thumbnail((fit_within, fit_within), Image.Resampling.LANCZOS)
    return rgb


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode to 8-bit RGB: CMYK, 16-bit and float greys, palettes, transparency."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        pixels = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or pixels.max() > 255 else 255.0
        image = Image.fromarray(np.clip(pixels / top * 255.0 + 0.5, 0, 255).astype(np.uint8), mode="L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image.copy()


def thumbnail_jpeg(image: Image.Image, *, long_side: int) -> bytes:
    """A JPEG whose longer side is at most `long_side` pixels."""
    thumb = image.copy()
    thumb.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    thumb.save(buffer, format="JPEG", quality=85, optimize=True, progressive=True)
    return buffer.getvalue()


def crop_normalised(image: Image.Image, box: tuple[float, float, float, float]) -> Image.Image:
    """Crop with a box given as fractions (x0, y0, x1, y1) of width and height."""
    x0, y0, x1, y1 = box
    width, height = image.size
    return image.crop((round(x0 * width), round(y0 * height), round(x1 * width), round(y1 * height)))


def _open(file: BinaryIO, *, max_pixels: int) -> Image.Image:
    file.seek(0)
    # Pillow checks this limit from the header, before any pixel is decoded.
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file, formats=[name for name in CONTENT_TYPES if name in Image.OPEN])
    except UnidentifiedImageError:
        raise ImageRejected(f"This file is not an image we can read. Accepted formats: {ACCEPTED_DESCRIPTION}.") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(f"The image has too many pixels to process safely ({exc}).") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageRejected(f"The image could not be read: {exc}.") from None
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise ImageRejected(
            f"The image is too large: {width}x{height} is {width * height / 1e6:.0f} megapixels; "
            f"the limit is {max_pixels / 1e6:.0f} megapixels."
        )
    return image


def _decode(image: Image.Image) -> None:
    """Decode the (first frame's) pixels, turning every decoder failure into ImageRejected."""
    try:
        image.seek(0)
        image.load()
    except Exception as exc:  # noqa: BLE001 - decoders of hostile files fail in many ways (struct.error, IndexError…)
        message = str(exc) or exc.__class__.__name__
        if "truncated" in message:
            message = "the file is truncated (incomplete upload?)"
        raise ImageRejected(f"The image is damaged and could not be decoded: {message}.") from None


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - a broken EXIF block: show the pixels as stored
        return image


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except Exception:  # noqa: BLE001 - a broken EXIF block must not reject an otherwise good photo
        return 1


def _taken_at(image: Image.Image) -> datetime | None:
    try:
        value = image.getexif().get_ifd(_EXIF_IFD).get(_EXIF_DATETIME_ORIGINAL)
        if not value:
            return None
        return datetime.strptime(str(value).strip("\x00 "), "%Y:%m:%d %H:%M:%S").replace(tzinfo=timezone.utc)
    except Exception:  # noqa: BLE001 - a malformed date in EXIF is no date
        return None
