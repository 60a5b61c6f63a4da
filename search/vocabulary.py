"""The tagging vocabulary: curated visual concepts in search/data/vocabulary.txt (see VOCABULARY.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
VOCABULARY_PATH = DATA_DIR / "vocabulary.txt"


@dataclass(frozen=True)
class Entry:
    name: str
    category: str


def load(path: Path = VOCABULARY_PATH) -> list[Entry]:
    """Entries in file order; `# category` lines name the category of the entries below them."""
    entries, seen, category = [], set(), "misc"
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#"):
            category = line.lstrip("#").strip() or category
        elif line and line not in seen:
            seen.add(line)
            entries.append(Entry(name=" ".join(line.lower().split()), category=category))
    return entries

