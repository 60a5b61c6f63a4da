"""Real image files made by the tests, valid and deliberately broken."""

from __future__ import annotations

import io

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def _save(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def pattern(width: int = 64, height: int = 48, seed: int = 0) -> Image.Image:
    """A colourful image that differs per seed (so hashes differ)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=(max(1, height // 8), max(1, width // 8), 3), dtype=np.uint8)
    return Image.fromarray(base).resize((width, height), Image.Resampling.NEAREST)


def jpeg(width: int = 64, height: int = 48, seed: int = 0, **kwargs) -> bytes:
    return _save(pattern(width, height, seed), "JPEG", quality=90, **kwargs)


def png(width: int = 64, height: int = 48, seed: int = 0) -> bytes:
    return _save(pattern(width, height, seed), "PNG")


def webp(seed: int = 0) -> bytes:
    return _save(pattern(seed=seed), "WEBP")


def tiff(seed: int = 0) -> bytes:
    return _save(pattern(seed=seed), "TIFF")


def bmp(seed: int = 0) -> bytes:
    return _save(pattern(seed=seed), "BMP")


def exif_rotated_jpeg(width: int = 80, height: int = 40) -> bytes:
    """Stored landscape with EXIF orientation 6 (rotate 90° clockwise to display): upright it is portrait."""
    image = pattern(width, height, seed=3)
    exif = Image.Exif()
    exif[0x0112] = 6
    return _save(image, "JPEG", exif=exif.tobytes())


def cmyk_jpeg() -> bytes:
    return _save(Image.new("CMYK", (40, 30), (0, 255, 255, 0)), "JPEG")  # pure red in CMYK


def png_16bit_grey() -> bytes:
    values = np.linspace(0, 65535, 40 * 30, dtype=np.uint16).reshape(30, 40)
    return _save(Image.fromarray(values), "PNG")


def palette_png_with_transparency() -> bytes:
    image = Image.new("P", (32, 32), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.paste(1, (0, 0, 16, 32))  # left half red, right half palette index 0 = transparent
    return _save(image, "PNG", transparency=0)


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (30, 30), color) for color in ((0, 0, 255), (255, 0, 0), (0, 255, 0))]
    return _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def truncated_jpeg() -> bytes:
    data = jpeg(200, 150, seed=5)
    return data[: len(data) // 2]


def truncated_png() -> bytes:
    data = png(200, 150, seed=5)
    return data[: len(data) // 2]


def decompression_bomb_png(pixels: int) -> bytes:
    """A small file that decodes to `pixels` pixels of one colour."""
    side = int(pixels**0.5) + 1
    return _save(Image.new("1", (side, side), 0), "PNG", optimize=True)


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
