"""Photos with words rendered on them: the labeled set of the text-in-photos evaluation (and of
the OCR tests). Several fonts, sizes, colours, angles and perspective; a share with no text.

"Legible" cases are what a person reads at a glance (large, upright or slightly turned, with
contrast); "hard" ones are small, steep, skewed or low contrast, and are reported apart. No
Django here.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_FOLDER = Path("/usr/share/fonts/truetype/dejavu")
FONT_NAMES = ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif.ttf",
              "DejaVuSansMono-Bold.ttf", "DejaVuSansCondensed-Bold.ttf", "DejaVuSerif-Italic.ttf")
# Words of signs, shops, receipts and labels; each photo gets its own pair (so a search for it has
# one right answer), some with accents.
WORDS = (
    "parking", "level", "exit", "bakery", "pharmacy", "station", "museum", "harbour", "library", "garden",
    "market", "receipt", "total", "ticket", "platform", "gate", "airport", "hotel", "theatre", "cinema",
    "lisboa", "porto", "café", "crème", "école", "señor", "münchen", "zürich", "straße", "plaza",
    "avenue", "bridge", "tunnel", "north", "south", "harvest", "festival", "concert", "summer", "winter",
    "orange", "lemon", "coffee", "bread", "butter", "cheese", "pizza", "noodle", "sushi", "burger",
    "welcome", "danger", "silence", "private", "office", "school", "church", "castle", "tower", "beach",
    "bicycle", "taxi", "metro", "express", "delivery", "invoice", "monday", "friday", "sunday", "january",
    "october", "kitchen", "garage", "studio", "gallery", "florist", "barber", "bookshop", "laundry", "bistro",
)


@dataclass(frozen=True)
class TextPhoto:
    name: str
    jpeg: bytes
    words: tuple[str, ...]  # the words rendered (empty: a photo without text)
    hard: bool
    # Where they were drawn: (left, top, right, bottom) as fractions of the photo (None: no words).
    box: tuple[float, float, float, float] | None = None


def available_fonts() -> list[Path]:
    return [FONT_FOLDER / name for name in FONT_NAMES if (FONT_FOLDER / name).is_file()]


def _perspective_coefficients(source: list[tuple[float, float]], target: list[tuple[float, float]]) -> list[float]:
    """The 8 coefficients of Image.transform(PERSPECTIVE) that map `target` corners to `source` ones."""
    matrix, vector = [], []
    for (x, y), (u, v) in zip(target, source):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        vector.extend([u, v])
    return np.linalg.solve(np.asarray(matrix, dtype=float), np.asarray(vector, dtype=float)).tolist()


def render_text(photo: Image.Image, text: str, *, font: Path, height_share: float, colour: tuple[int, int, int],
                outline: tuple[int, int, int] | None, angle: float, skew: float,
                rng: random.Random) -> tuple[Image.Image, tuple[float, float, float, float]]:
    """`photo` with `text` drawn on it: letters `height_share` of the photo's height, turned by
    `angle` degrees, foreshortened by `skew` (0: flat; 0.3: one side 30% shorter); and where."""
    width, height = photo.size
    size = max(8, int(height * height_share))
    face = ImageFont.truetype(str(font), size)
    left, top, right, bottom = face.getbbox(text, stroke_width=2 if outline else 0)
    layer = Image.new("RGBA", (right - left + size, bottom - top + size), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text((size // 2 - left, size // 2 - top), text, font=face, fill=(*colour, 255),
                               stroke_width=2 if outline else 0, stroke_fill=(*outline, 255) if outline else None)
    if skew:
        w, h = layer.size
        shrink = h * skew / 2
        target = [(0, 0), (w, shrink), (w, h - shrink), (0, h)]  # the right side comes out shorter
        layer = layer.transform(layer.size, Image.Transform.PERSPECTIVE,
                                _perspective_coefficients([(0, 0), (w, 0), (w, h), (0, h)], target),
                                Image.Resampling.BICUBIC)
    layer = layer.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    if layer.width > width * 0.95:  # too wide for the photo: shrink the text, not the photo
        scale = width * 0.95 / layer.width
        layer = layer.resize((max(1, int(layer.width * scale)), max(1, int(layer.height * scale))), Image.Resampling.LANCZOS)
    x = rng.randint(0, max(0, width - layer.width))
    y = rng.randint(0, max(0, height - layer.height))
    result = photo.convert("RGB")
    result.paste(layer, (x, y), layer)
    return result, (x / width, y / height, (x + layer.width) / width, (y + layer.height) / height)


def _upscaled(image: Image.Image, long_side: int) -> Image.Image:
    scale = long_side / max(image.size)
    return image.convert("RGB").resize((round(image.width * scale), round(image.height * scale)),
                                       Image.Resampling.LANCZOS)


def text_photos(*, backgrounds: list[Path], count: int, seed: int = 13, no_text_share: float = 0.2,
                hard_share: float = 0.3, long_side: int = 1024) -> list[TextPhoto]:
    """`count` photos from `backgrounds` (upscaled to `long_side`, as a camera's photo would be),
    each with a unique pair of WORDS rendered on it, or none."""
    rng = random.Random(seed)
    fonts = available_fonts()
    pairs = [(a, b) for a in WORDS for b in WORDS if a != b]
    rng.shuffle(pairs)
    photos = []
    for index in range(count):
        background = _upscaled(Image.open(backgrounds[index % len(backgrounds)]), long_side)
        kind = rng.random()
        if kind < no_text_share:
            words, hard, image, box = (), False, background, None
        else:
            words = pairs[index]
            hard = kind > 1 - hard_share
            text = " ".join(word.upper() if rng.random() < 0.4 else word.capitalize() for word in words)
            luminance = float(np.asarray(background.convert("L")).mean())
            if hard:
                grey = int(min(255, luminance + 40) if luminance < 128 else max(0, luminance - 40))
                image, box = render_text(background, text, font=rng.choice(fonts), height_share=rng.uniform(0.025, 0.04),
                                    colour=(grey, grey, grey), outline=None, angle=rng.choice((-1, 1)) * rng.uniform(18, 35),
                                    skew=rng.uniform(0.3, 0.5), rng=rng)
            else:
                dark = luminance > 128
                colour = rng.choice([(15, 15, 15), (120, 10, 10), (10, 30, 110)] if dark
                                    else [(250, 250, 250), (255, 230, 80), (140, 230, 255)])
                image, box = render_text(background, text, font=rng.choice(fonts), height_share=rng.uniform(0.06, 0.12),
                                    colour=colour, outline=(255, 255, 255) if dark else (0, 0, 0),
                                    angle=rng.uniform(-8, 8), skew=rng.uniform(0.0, 0.2), rng=rng)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        photos.append(TextPhoto(name=f"text-{index:04d}.jpg", jpeg=buffer.getvalue(), words=tuple(words), hard=hard,
                                box=box))
    return photos


def plain_text_image(lines: list[str], *, size: tuple[int, int] = (900, 600), font_size: int = 56,
                     background: tuple[int, int, int] = (235, 225, 205), colour: tuple[int, int, int] = (20, 20, 20),
                     font: str = "DejaVuSans-Bold.ttf") -> bytes:
    """A JPEG of a few lines of text on a plain background (the OCR tests' photos)."""
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    face = ImageFont.truetype(str(FONT_FOLDER / font), font_size)
    for index, line in enumerate(lines):
        draw.text((40, 40 + index * int(font_size * 1.8)), line, font=face, fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()
