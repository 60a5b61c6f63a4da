"""Search input as typed or sent: query text and crop boxes, checked with clear messages."""

from __future__ import annotations

import numpy as np

from imagesearch.exceptions import ApplicationError

MAX_QUERY_LENGTH = 200
MIN_REGION_PIXELS = 16


def clean_query(text: str | None) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ApplicationError("Type something to search for.", field="q")
    if len(text) > MAX_QUERY_LENGTH:
        raise ApplicationError(f"The search is too long ({len(text)} characters); at most {MAX_QUERY_LENGTH}.",
                               field="q")
    return text


def parse_box(text: str) -> list[str]:
    """ "x0,y0,x1,y1" (as in query strings and forms) to its parts; clean_box checks them."""
    return [part.strip() for part in text.strip().strip("[]").split(",")] if text.strip() else []


def clean_box(box, *, width: int, height: int) -> tuple[float, float, float, float]:
    """A normalised box [x0, y0, x1, y1] in 0..1, large enough to search by."""
    try:
        x0, y0, x1, y1 = (float(value) for value in box)
    except (TypeError, ValueError):
        raise ApplicationError("The box must be four numbers: x0, y0, x1, y1 (fractions of width and height).",
                               field="box") from None
    if not all(np.isfinite([x0, y0, x1, y1])) or min(x0, y0, x1, y1) < 0 or max(x0, y0, x1, y1) > 1:
        raise ApplicationError("The box must lie inside the photo: every value between 0 and 1.", field="box")
    if x1 <= x0 or y1 <= y0:
        raise ApplicationError("The box is empty: x1 must be greater than x0 and y1 greater than y0.", field="box")
    if (x1 - x0) * width < MIN_REGION_PIXELS or (y1 - y0) * height < MIN_REGION_PIXELS:
        raise ApplicationError(f"The region is too small to search; make it at least {MIN_REGION_PIXELS}×"
                               f"{MIN_REGION_PIXELS} pixels of the photo.", field="box")
    return x0, y0, x1, y1
