"""Real image files made by the tests, valid and deliberately broken."""

from __future__ import annotations

import io
import struct

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gallery import images  # noqa: F401 - registers the HEIF plugin, which heic() below saves with


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


def heic(width: int = 64, height: int = 48, seed: int = 0, **kwargs) -> bytes:
    return _save(pattern(width, height, seed), "HEIF", quality=90, **kwargs)


def avif(width: int = 64, height: int = 48, seed: int = 0, **kwargs) -> bytes:
    return _save(pattern(width, height, seed), "AVIF", quality=90, **kwargs)


def multi_image_heic(primary_index: int) -> bytes:
    """Three flat images, blue 40x30, red 64x48, green 50x50; `primary_index` says which is the photo."""
    frames = [Image.new("RGB", size, colour) for size, colour in
              (((40, 30), (0, 0, 255)), ((64, 48), (255, 0, 0)), ((50, 50), (0, 255, 0)))]
    return _save(frames[0], "HEIF", save_all=True, append_images=frames[1:], primary_index=primary_index, quality=95)


def flat(colour: tuple[int, ...], fmt: str = "JPEG", size: tuple[int, int] = (48, 32), mode: str = "RGB",
         **kwargs) -> bytes:
    """One colour all over (JPEG keeps a flat colour to within a level or two), e.g. with icc_profile=."""
    if fmt == "JPEG":
        kwargs.setdefault("quality", 98)
    return _save(Image.new(mode, size, colour), fmt, **kwargs)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def with_bmff_size(data: bytes, width: int, height: int) -> bytes:
    """A HEIF/AVIF whose image spatial extents ("ispe") box claims another size: a header-only bomb."""
    ispe = data.index(b"ispe")
    return data[: ispe + 8] + struct.pack(">II", width, height) + data[ispe + 16:]


# --- ICC profiles, written here (ImageCms can only create sRGB, LAB and XYZ) -----------------------

D50 = (0.9642, 1.0, 0.8249)  # the ICC profile connection space's white
D65 = (0.3127, 0.3290)
SRGB_PRIMARIES = ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06))
DISPLAY_P3_PRIMARIES = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))  # DCI-P3 primaries, D65 white
# The sRGB transfer curve as an ICC parametric curve (type 3); Display P3 uses the same one.
SRGB_CURVE = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
_BRADFORD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])


def _xyz(xy: tuple[float, float]) -> np.ndarray:
    x, y = xy
    return np.array([x / y, 1.0, (1 - x - y) / y])


def rgb_to_xyz_matrix(primaries, white=D65) -> np.ndarray:
    """Linear RGB -> CIE XYZ (same white), from the primaries' chromaticities."""
    matrix = np.column_stack([_xyz(p) for p in primaries])
    return matrix * np.linalg.solve(matrix, _xyz(white))


def srgb_decode(values) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64) / 255
    return np.where(values <= 0.04045, values / 12.92, ((values + 0.055) / 1.055) ** 2.4)


def srgb_encode(linear) -> np.ndarray:
    linear = np.clip(np.asarray(linear, dtype=np.float64), 0, 1)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055) * 255


def _s15(*values: float) -> bytes:
    return b"".join(struct.pack(">i", round(v * 65536)) for v in values)


def _mluc(text: str) -> bytes:
    encoded = text.encode("utf-16-be")
    return b"mluc\0\0\0\0" + struct.pack(">II", 1, 12) + b"enUS" + struct.pack(">II", len(encoded), 28) + encoded


def _icc(colour_space: bytes, tags: list[tuple[bytes, bytes]]) -> bytes:
    """An ICC v4.3 display profile with the XYZ connection space around the given tags."""
    tags = [(b"desc", _mluc("test profile")), (b"cprt", _mluc("no copyright")),
            (b"wtpt", b"XYZ \0\0\0\0" + _s15(*D50)), *tags]
    offset, table, data = 128 + 4 + 12 * len(tags), b"", b""
    for signature, body in tags:
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body + b"\0" * (-len(body) % 4)
    body = struct.pack(">I", len(tags)) + table + data
    header = (struct.pack(">I4sI", 128 + len(body), b"\0" * 4, 0x04300000) + b"mntr" + colour_space + b"XYZ "
              + struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 28 + _s15(*D50) + b"\0" * 48)
    assert len(header) == 128
    return header + body


def rgb_icc_profile(primaries=DISPLAY_P3_PRIMARIES, white=D65, curve=SRGB_CURVE) -> bytes:
    """A matrix/curve RGB profile (Display P3 by default), its primaries adapted to D50 with Bradford
    as the ICC specification asks."""
    source, target = _BRADFORD @ _xyz(white), _BRADFORD @ np.array(D50)
    adapt = np.linalg.inv(_BRADFORD) @ np.diag(target / source) @ _BRADFORD
    matrix = adapt @ rgb_to_xyz_matrix(primaries, white)
    trc = b"para\0\0\0\0" + struct.pack(">HH", 3, 0) + _s15(*curve)
    return _icc(b"RGB ", [
        (b"chad", b"sf32\0\0\0\0" + _s15(*adapt.flatten())),
        *[(name, b"XYZ \0\0\0\0" + _s15(*matrix[:, i])) for i, name in enumerate((b"rXYZ", b"gXYZ", b"bXYZ"))],
        (b"rTRC", trc), (b"gTRC", trc), (b"bTRC", trc)])


def grey_icc_profile(gamma: float) -> bytes:
    """A greyscale profile whose tone curve is a plain power `gamma` (1.0: linear light)."""
    return _icc(b"GRAY", [(b"kTRC", b"para\0\0\0\0" + struct.pack(">HH", 0, 0) + _s15(gamma))])


# --- EXIF blocks written byte by byte, so tests can store what no well-behaved writer would -------

BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED = 1, 2, 3, 4, 5, 7
_FORMATS = {BYTE: "B", SHORT: "H", LONG: "I", RATIONAL: "II"}


def ascii(text: str | bytes) -> tuple[int, int, bytes]:
    raw = (text.encode("latin-1") if isinstance(text, str) else text) + b"\0"
    return ASCII, len(raw), raw


def numbers(kind: int, *values) -> tuple[int, int, bytes]:
    """SHORT/LONG/BYTE values, or RATIONAL (numerator, denominator) pairs: (0, 0) is allowed."""
    flat = [part for value in values for part in (value if isinstance(value, tuple) else (value,))]
    return kind, len(values), struct.pack("<" + _FORMATS[kind] * len(values), *flat)


def raw_exif(ifd0: dict, exif: dict | None = None, gps: dict | None = None) -> bytes:
    """An EXIF block (little-endian TIFF) from {tag: (type, count, payload)} for IFD0 and the EXIF and GPS IFDs."""
    ifds = [dict(ifd0), dict(exif or {}), dict(gps or {})]
    sizes = [2 + 12 * (len(ifd) + (2 if index == 0 else 0)) + 4 for index, ifd in enumerate(ifds)]
    offsets = [8, 8 + sizes[0], 8 + sizes[0] + sizes[1]]
    ifds[0][0x8769] = (LONG, 1, struct.pack("<I", offsets[1]))
    ifds[0][0x8825] = (LONG, 1, struct.pack("<I", offsets[2]))
    data_at = offsets[2] + sizes[2]
    blocks, data = [], b""
    for ifd in ifds:
        block = struct.pack("<H", len(ifd))
        for tag, (kind, count, payload) in sorted(ifd.items()):
            if len(payload) <= 4:
                block += struct.pack("<HHI", tag, kind, count) + payload.ljust(4, b"\0")
            else:
                block += struct.pack("<HHII", tag, kind, count, data_at + len(data))
                data += payload + b"\0" * (len(payload) % 2)
        blocks.append(block + b"\0\0\0\0")
    return b"Exif\0\0II*\0" + struct.pack("<I", 8) + b"".join(blocks) + data  # as Pillow's save(exif=) wants it


def iphone_exif() -> bytes:
    """What an iPhone writes, through Pillow's own EXIF writer."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15 Pro"
    details = exif.get_ifd(0x8769)
    details[0x9003], details[0x9011], details[0x9291] = "2024:05:06 14:30:15", "+01:00", "250"
    details[0x829A], details[0x829D], details[0x8827], details[0x920A] = 1 / 250, 1.8, 125, 6.86
    details[0xA434] = "iPhone 15 Pro back triple camera 6.86mm f/1.78"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (38.0, 43.0, 20.28), "W", (9.0, 8.0, 21.48)
    gps[5], gps[6] = b"\x00", 12.5
    return exif.tobytes()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
