"""Decoding and normalising images with Pillow. Pure functions: no database, no storage.

Pillow decides what an image is; extensions and declared content types are never trusted.
Colours leave this module as sRGB: embedded ICC profiles (Display P3 phones, Adobe RGB cameras,
CMYK print files) are converted, so thumbnails, previews and the model's input agree.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import BinaryIO

import numpy as np
import pillow_heif
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from gallery.metadata import PhotoMetadata, read_metadata
from imagesearch.exceptions import ApplicationError

# Pillow format -> content type. The order is the order Pillow tries the formats in: AVIF before HEIF,
# because both are ISO-BMFF files and pillow-heif would also claim a "mif1" AVIF it cannot decode.
CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",  # multi-picture JPEG from phone cameras; the first frame is the photo
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "TIFF": "image/tiff",
    "BMP": "image/bmp",
    "AVIF": "image/avif",
    "HEIF": "image/heic",  # "image/heif" when libheif says the file is not HEVC-coded: see _content_type
}
# Content type -> the extension a stored original gets (never the uploader's extension).
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "image/tiff": ".tif",
    "image/bmp": ".bmp",
    "image/avif": ".avif",
    "image/heic": ".heic",
    "image/heif": ".heif",
}
ACCEPTED_DESCRIPTION = "JPEG, PNG, WebP, GIF, TIFF, BMP, HEIC/HEIF or AVIF"
MIN_SIDE = 8
Image.init()  # register every plugin, so `formats=` below can name WebP and TIFF
# HEIC/HEIF (iPhones since 2017, many Android phones). Depth maps and auxiliary images are never
# shown, so they are not even parsed.
pillow_heif.register_heif_opener(depth_images=False, aux_images=False)
_BMFF_BRANDS = {b"avif", b"avis", b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs",
                b"mif1", b"msf1"}
_MAX_BMFF_BOXES = 1000  # real HEIF/AVIF files have a handful of top-level boxes
_TRUNCATED = "the file is truncated (incomplete upload?)"
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# Perceptual: for the matrix profiles of cameras and phones (sRGB, Display P3, Adobe RGB) lcms gives the
# same result as relative colorimetric; for table-based print (CMYK) profiles it compresses colours
# the screen cannot show instead of clipping them, which is kinder to photos.
_INTENT = ImageCms.Intent.PERCEPTUAL
_PROFILE_MODES = {"RGB": ("RGB", "RGBA"), "GRAY": ("L",), "CMYK": ("CMYK",)}
# 216 colours (6 levels per channel) / 52 greys: if a profile maps them all to within one level of
# themselves it is sRGB (whoever wrote it) and the pixels are left exactly as decoded.
_PROBES = {
    "RGB": Image.fromarray(np.stack(np.meshgrid(*[np.linspace(0, 255, 6, dtype=np.uint8)] * 3), -1).reshape(1, -1, 3)),
    "L": Image.fromarray(np.arange(0, 256, 5, dtype=np.uint8).reshape(1, -1)),
}
_PROBES["RGBA"] = _PROBES["RGB"].convert("RGBA")


class ImageRejected(ApplicationError):
    """The file is not an image we accept; the message says why, for the uploader."""


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    width: int  # after EXIF orientation
    height: int
    taken_at: datetime | None  # metadata.taken_at, kept for callers that only want the date
    metadata: PhotoMetadata


def inspect(file: BinaryIO, *, max_pixels: int, fallback_tz: tzinfo = UTC) -> ImageInfo:
    """Fully decode an upload to prove it is a usable image; raise ImageRejected if not.

    `fallback_tz` (the account's time zone) reads an EXIF time that has no recorded UTC offset.
    """
    with _open(file, max_pixels=max_pixels) as image:
        _decode(image, file)
        content_type = _content_type(image)
        width, height = image.size
        if _orientation(image) in (5, 6, 7, 8):
            width, height = height, width
        if min(width, height) < MIN_SIDE:
            raise ImageRejected(f"The image is too small ({width}x{height} pixels); at least {MIN_SIDE}x{MIN_SIDE} is needed.")
        metadata = read_metadata(image, fallback_tz=fallback_tz)
    return ImageInfo(content_type=content_type, width=width, height=height, taken_at=metadata.taken_at,
                     metadata=metadata)


def load_rgb(file: BinaryIO, *, max_pixels: int, fit_within: int | None = None) -> Image.Image:
    """Decode to an upright 8-bit RGB image, optionally shrunk to fit a square of `fit_within`.

    When a smaller result is wanted, JPEG decoding uses Pillow's draft mode (DCT scaling) and HEIF
    decodes an embedded thumbnail at least that large if the file has one: both several times faster.
    """
    with _open(file, max_pixels=max_pixels) as image:
        if fit_within and image.format in ("JPEG", "MPO", "HEIF"):
            image.draft("RGB", (fit_within, fit_within))
        _decode(image, file)
        rgb = to_rgb(_upright(image))
    if fit_within:
        rgb.thumbnail((fit_within, fit_within), Image.Resampling.LANCZOS)
    return rgb


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode to 8-bit sRGB: CMYK, 16-bit and float greys, palettes, transparency, and the
    colours of an embedded ICC profile. The result carries no profile: its pixels are sRGB."""
    profile = image.info.get("icc_profile")
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        pixels = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or pixels.max() > 255 else 255.0
        image = Image.fromarray(np.clip(pixels / top * 255.0 + 0.5, 0, 255).astype(np.uint8), mode="L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if profile:
        image = _to_srgb(image, profile)
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        rgb = Image.new("RGB", rgba.size, (255, 255, 255))
        rgb.paste(rgba, mask=rgba.getchannel("A"))
    else:
        rgb = image.convert("RGB") if image.mode != "RGB" else image.copy()
    rgb.info.pop("icc_profile", None)
    return rgb


def shrunk(image: Image.Image, *, long_side: int) -> Image.Image:
    """A copy whose longer side is at most `long_side` pixels (never enlarged)."""
    copy = image.copy()
    copy.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    return copy


def thumbnail_jpeg(image: Image.Image, *, long_side: int) -> bytes:
    """A JPEG whose longer side is at most `long_side` pixels."""
    return _shrunk_jpeg(image, long_side=long_side, quality=85)


def preview_bytes(image: Image.Image, *, long_side: int = 2048, quality: int = 85) -> bytes:
    """The large JPEG the photo page shows instead of the original (which may be HEIC, 50 MP, CMYK…),
    from an upright sRGB image such as load_rgb's; it is never enlarged.

    JPEG, not WebP: every browser shows it, libjpeg-turbo encodes a 2048-pixel image several times
    faster than libwebp (this runs once per photo in the worker, for every import), and at quality 85
    the files are only some 25 % larger. 2048 pixels fills a laptop screen at full width.
    """
    return _shrunk_jpeg(image, long_side=long_side, quality=quality)


def crop_normalised(image: Image.Image, box: tuple[float, float, float, float]) -> Image.Image:
    """Crop with a box given as fractions (x0, y0, x1, y1) of width and height."""
    x0, y0, x1, y1 = box
    width, height = image.size
    return image.crop((round(x0 * width), round(y0 * height), round(x1 * width), round(y1 * height)))


def _shrunk_jpeg(image: Image.Image, *, long_side: int, quality: int) -> bytes:
    buffer = io.BytesIO()
    shrunk(image, long_side=long_side).save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def _open(file: BinaryIO, *, max_pixels: int) -> Image.Image:
    file.seek(0)
    # Pillow checks this limit from the header, before any pixel is decoded.
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file, formats=[name for name in CONTENT_TYPES if name in Image.OPEN])
    except UnidentifiedImageError:
        if _bmff_brand(file) in _BMFF_BRANDS:  # a HEIF or AVIF file that its decoder refused to open
            reason = _TRUNCATED if _bmff_truncated(file) else "its HEIF/AVIF structure is invalid"
            raise ImageRejected(f"The image is damaged and could not be decoded: {reason}.") from None
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


def _decode(image: Image.Image, file: BinaryIO) -> None:
    """Decode the pixels of the frame Pillow opened (a GIF's or MPO's first, a HEIF's primary image),
    turning every decoder failure into ImageRejected."""
    try:
        image.load()
    except Exception as exc:  # noqa: BLE001 - decoders of hostile files fail in many ways (struct.error, IndexError…)
        message = " ".join(str(exc).split()).rstrip(".") or exc.__class__.__name__
        if "truncated" in message or "end of file" in message.lower() or _bmff_truncated(file):
            message = _TRUNCATED
        raise ImageRejected(f"The image is damaged and could not be decoded: {message}.") from None


def _content_type(image: Image.Image) -> str:
    if image.format == "HEIF":
        # pillow-heif reports libheif's reading of the brand: image/heic for HEVC, image/heif otherwise.
        return "image/heif" if (image.get_format_mimetype() or "").startswith("image/heif") else "image/heic"
    return CONTENT_TYPES[image.format]


def _bmff_brand(file: BinaryIO) -> bytes | None:
    """The major brand of an ISO-BMFF file (HEIF, AVIF): b"heic", b"avif"…; None for other files."""
    file.seek(0)
    head = file.read(12)
    return head[8:12] if head[4:8] == b"ftyp" else None


def _bmff_truncated(file: BinaryIO) -> bool:
    """Whether an ISO-BMFF file's top-level boxes run past its end: the tell-tale of an upload cut off,
    which libheif and libavif report only as "BMFF parsing failed" or "Unexpected end of file"."""
    if _bmff_brand(file) is None:
        return False
    size = file.seek(0, io.SEEK_END)
    position = 0
    for _ in range(_MAX_BMFF_BOXES):
        if position + 8 > size:
            break
        file.seek(position)
        header = file.read(16)
        box_size = int.from_bytes(header[:4], "big")
        if box_size == 1 and len(header) == 16:  # a 64-bit size follows the type
            box_size = int.from_bytes(header[8:16], "big")
        if box_size == 0:  # "up to the end of the file"
            return False
        if box_size < 8:  # not a box at all: damage, not truncation
            return False
        position += box_size
    return position > size


def _to_srgb(image: Image.Image, profile: bytes) -> Image.Image:
    """Pixels described by an embedded ICC profile, converted to sRGB. A profile that cannot be parsed,
    does not describe this mode (an RGB profile on a CMYK file) or is sRGB already leaves them as they are.
    """
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        if image.mode not in _PROFILE_MODES.get(source.profile.xcolor_space.strip(), ()):
            return image
        out_mode = "RGBA" if image.mode == "RGBA" else "RGB"  # lcms carries the alpha channel across
        transform = ImageCms.buildTransform(source, _SRGB, image.mode, out_mode, renderingIntent=_INTENT)
        probe = _PROBES.get(image.mode)
        if probe is not None:
            moved = np.asarray(transform.apply(probe).convert(probe.mode), dtype=np.int16)
            if np.abs(moved - np.asarray(probe, dtype=np.int16)).max() <= 1:
                return image
        return transform.apply(image)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):  # a broken profile must not lose the photo
        return image


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

