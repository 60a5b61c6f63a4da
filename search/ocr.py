"""Reading text in images: the only module that uses RapidOCR (rapidocr-onnxruntime 1.4.4, whose
PP-OCRv4 detection and recognition ONNX models ship inside the wheel, so it works offline).

The engine loads on first use, once per process (like search/clip for torch): web processes
import this module for nothing but `ENGINE_VERSION`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image

ENGINE_VERSION = "rapidocr-onnxruntime 1.4.4 PP-OCRv4"

_engine = None
_engine_lock = threading.Lock()


@dataclass(frozen=True)
class TextLine:
    text: str
    confidence: float
    # The line's four corners (clockwise from top left) as fractions of the image's width and height.
    quad: tuple[tuple[float, float], ...]


def _get_engine():
    global _engine  # one engine per process, loaded on first use
    with _engine_lock:
        if _engine is None:
            # Lazy: onnxruntime and OpenCV load only in processes that read text (the OCR worker).
            from rapidocr_onnxruntime import RapidOCR  # noqa: PLC0415

            _engine = RapidOCR()
    return _engine


def read_lines(image: Image.Image, *, min_confidence: float = 0.5) -> list[TextLine]:
    """The text lines RapidOCR finds in an (upright, RGB) image, top to bottom."""
    width, height = image.size
    # RapidOCR takes OpenCV's channel order.
    pixels = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
    found, _ = _get_engine()(pixels)
    lines = []
    for corners, text, confidence in found or ():
        text = " ".join(str(text).split())
        if not text or float(confidence) < min_confidence:
            continue
        quad = tuple((round(min(max(x / width, 0.0), 1.0), 4), round(min(max(y / height, 0.0), 1.0), 4))
                     for x, y in corners)
        lines.append(TextLine(text=text, confidence=round(float(confidence), 4), quad=quad))
    return lines


def engine_loaded() -> bool:
    return _engine is not None
