"""Matching words against text read in photos (pure functions).

Text and queries are compared in a normalised form: case folded, accents removed, anything but
letters and digits a space. The recogniser often drops spaces ("PARKING LEVEL 3B" comes back as
"PARKINGLEVEL3B"), so matching also looks at the compact form, with no spaces at all.
"""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_WORDS = 12
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _fold(character: str) -> str:
    decomposed = unicodedata.normalize("NFKD", character.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalised(text: str) -> str:
    """'Café  Lisboa-Nº3' -> 'cafe lisboa no3'."""
    return " ".join(_NOT_ALNUM.sub(" ", _fold(text)).split())


def compact(text: str) -> str:
    """'Parking level 3B' -> 'parkinglevel3b'."""
    return normalised(text).replace(" ", "")


def query_words(text: str) -> list[str]:
    return normalised(text).split()[:MAX_QUERY_WORDS]


def _compact_with_positions(text: str) -> tuple[str, list[int]]:
    """The compact form of `text` and, for each of its characters, the index in `text` it came from."""
    characters, positions = [], []
    for index, character in enumerate(text):
        for folded in _fold(character):
            if "0" <= folded <= "9" or "a" <= folded <= "z":
                characters.append(folded)
                positions.append(index)
    return "".join(characters), positions


def highlight_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Where the query's words (or the whole query, spaces dropped) occur in `text`, as merged
    [start, end) character ranges of `text` itself."""
    line, positions = _compact_with_positions(text)
    words = query_words(query)
    needles = sorted({"".join(words), *words}, key=len, reverse=True)
    spans = []
    for needle in needles:
        if not needle:
            continue
        start = line.find(needle)
        while start >= 0:
            spans.append((positions[start], positions[start + len(needle) - 1] + 1))
            start = line.find(needle, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
