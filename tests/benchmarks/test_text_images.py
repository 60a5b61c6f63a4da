"""The text-in-photos evaluation's rendered photos (no OCR run here)."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks.text_images import available_fonts, text_photos

pytestmark = pytest.mark.skipif(not available_fonts(), reason="the DejaVu fonts are not installed")


def test_rendered_photos_carry_unique_words_a_box_and_a_share_without_text(tmp_path: Path):
    backgrounds = []
    for seed in range(3):
        path = tmp_path / f"b{seed}.jpg"
        Image.fromarray(np.random.default_rng(seed).integers(0, 255, (60, 80, 3), dtype=np.uint8)).save(path)
        backgrounds.append(path)
    photos = text_photos(backgrounds=backgrounds, count=30, long_side=400)
    assert len({photo.words for photo in photos if photo.words}) == sum(bool(photo.words) for photo in photos)
    assert any(not photo.words for photo in photos) and any(photo.hard for photo in photos)
    assert any(photo.words and not photo.hard for photo in photos)
    for photo in photos:
        image = Image.open(io.BytesIO(photo.jpeg))
        assert max(image.size) == 400
        if photo.words:
            left, top, right, bottom = photo.box
            assert 0 <= left < right <= 1.001 and 0 <= top < bottom <= 1.001
        else:
            assert photo.box is None and not photo.hard
    assert text_photos(backgrounds=backgrounds, count=5, long_side=400)[0].jpeg == photos[0].jpeg  # seeded
