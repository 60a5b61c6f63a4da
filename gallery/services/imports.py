"""Writes of folder imports: bring a folder tree of photos into an account, as uploads do (same
checks, same dedup, then the worker), resumably: a file seen before with the same size and
modification time is skipped without being read again."""

from __future__ import annotations

import os
import stat
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.core.files import File

from accounts.selectors import account_time_zone
from gallery.models import ImportedFile
from gallery.services.processing import photos_enqueue_processing
from gallery.services.uploads import UploadOutcome, clean_file_name, photo_store

# Never photos: operating systems', NAS indexers' and editors' own files, and sidecars beside photos.
SYSTEM_FILES = {".ds_store", "thumbs.db", "ehthumbs.db", "desktop.ini", "icon\r", "picasa.ini", ".picasa.ini"}
SYSTEM_FOLDERS = {"@eadir", "#recycle", "$recycle.bin", "__macosx", "system volume information", "lost+found",
                  ".thumbnails", "@syno", ".trash", ".trashes", ".spotlight-v100", ".fseventsd"}
SIDECAR_SUFFIXES = {".xmp", ".aae", ".thm", ".json", ".xml", ".lrv", ".pp3", ".dop", ".on1", ".xmp~"}
LOOKUP_BATCH = 500
ENQUEUE_EVERY = 200


@dataclass(frozen=True)
class Candidate:
    path: Path  # symlinks resolved, inside the root
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str  # "hidden", "system", "sidecar", "link outside the folder", "link within the folder", "link loop",
    # "unreadable"


@dataclass
class ImportReport:
    root: str
    in_place: bool
    dry_run: bool
    seen: int = 0
    added: int = 0
    already_there: int = 0  # imported before (not read again), or the same bytes are in the gallery
    rejected: int = 0
    skipped: Counter = field(default_factory=Counter)
    rejections: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    started: float = field(default_factory=time.monotonic)
    dry_run_hashes: set[str] = field(default_factory=set)  # a dry run stores nothing: it remembers instead
    finished: float | None = None

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def as_dict(self) -> dict:
        return {"root": self.root, "in_place": self.in_place, "dry_run": self.dry_run, "seen": self.seen,
                "added": self.added, "already_there": self.already_there, "rejected": self.rejected,
                "skipped": dict(self.skipped), "seconds": round(self.seconds, 1),
                "rejections": [{"path": path, "reason": reason} for path, reason in self.rejections]}


def folder_walk(root: Path) -> Iterator[Candidate | Skipped]:
    """Every file under `root`, streamed (one folder listing in memory at a time), in name order:
    hidden, system and sidecar files are skipped; symlinks are followed only within `root` and a
    folder reached twice (a link loop) is listed once."""
    root = root.resolve()
    seen_folders: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in seen_folders:
                yield Skipped(path=folder, reason="link loop")
                continue
            seen_folders.add((info.st_dev, info.st_ino))
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            yield Skipped(path=folder, reason="unreadable")
            continue
        subfolders = []
        for entry in entries:
            found = _entry(entry, root=root)
            if isinstance(found, Path):
                subfolders.append(found)
            elif found is not None:
                yield found
        stack.extend(reversed(subfolders))  # depth first, in name order


def _entry(entry: os.DirEntry, *, root: Path) -> Path | Candidate | Skipped | None:
    name = entry.name.lower()
    path = Path(entry.path)
    if name.startswith("."):
        return Skipped(path=path, reason="hidden")
    if name in SYSTEM_FILES or name in SYSTEM_FOLDERS:
        return Skipped(path=path, reason="system")
    try:
        target = path.resolve(strict=True) if entry.is_symlink() else path
        if entry.is_symlink() and not target.is_relative_to(root):
            return Skipped(path=path, reason="link outside the folder")
        info = target.stat()
        if entry.is_symlink() and stat.S_ISREG(info.st_mode):
            return Skipped(path=path, reason="link within the folder")  # the walk meets its file where it lies
    except (OSError, RuntimeError):  # a dangling link, a permission problem; RuntimeError: a symlink loop
        return Skipped(path=path, reason="unreadable")
    if stat.S_ISDIR(info.st_mode):
        return target
    if not stat.S_ISREG(info.st_mode):
        return None  # sockets, devices, pipes
    if path.suffix.lower() in SIDECAR_SUFFIXES:
        return Skipped(path=path, reason="sidecar")
    return Candidate(path=target, size=info.st_size, mtime_ns=info.st_mtime_ns)


def folder_count(root: Path) -> int:
    """How many candidate files `folder_walk` will yield (a walk that reads no file)."""
    return sum(isinstance(item, Candidate) for item in folder_walk(root))


def folder_import(*, owner, root: Path, in_place: bool = False, dry_run: bool = False,
                  progress: Callable[[ImportReport, Candidate | Skipped, UploadOutcome | None], None] | None = None
                  ) -> ImportReport:
    """Import every photo under `root` into `owner`'s gallery. Each photo is committed on its own,
    so an interrupted run keeps what it did and the next run goes on where it stopped."""
    run = _Run(owner=owner, in_place=in_place, dry_run=dry_run, progress=progress,
               report=ImportReport(root=str(root.resolve()), in_place=in_place, dry_run=dry_run),
               fallback_tz=account_time_zone(user=owner))
    for chunk in _chunks(folder_walk(root), LOOKUP_BATCH):
        run.chunk(chunk)
    if run.added_since_enqueue and not dry_run:
        photos_enqueue_processing()
    run.report.finished = time.monotonic()
    return run.report


@dataclass
class _Run:
    owner: object
    in_place: bool
    dry_run: bool
    progress: Callable | None
    report: ImportReport
    fallback_tz: object
    added_since_enqueue: int = 0

    def chunk(self, chunk: list[Candidate | Skipped]) -> None:
        known = _known(owner=self.owner, candidates=[item for item in chunk if isinstance(item, Candidate)])
        records: list[ImportedFile] = []
        try:
            for item in chunk:
                outcome = self.item(item, known=known, records=records)
                if self.progress:
                    self.progress(self.report, item, outcome)
                if self.added_since_enqueue >= ENQUEUE_EVERY and not self.dry_run:
                    photos_enqueue_processing()
                    self.added_since_enqueue = 0
        finally:  # also when interrupted: what was stored is remembered
            if records:
                _remember(records)

    def item(self, item: Candidate | Skipped, *, known: dict, records: list[ImportedFile]) -> UploadOutcome | None:
        report = self.report
        if isinstance(item, Skipped):
            report.skipped[item.reason] += 1
            return None
        report.seen += 1
        if known.get(str(item.path)) == (item.size, item.mtime_ns):
            report.already_there += 1
            return None
        outcome = _import_file(owner=self.owner, candidate=item, in_place=self.in_place, dry_run=self.dry_run,
                               fallback_tz=self.fallback_tz)
        if self.dry_run and outcome.result == "added":
            if outcome.sha256 in report.dry_run_hashes:
                outcome = UploadOutcome(filename=outcome.filename, result="duplicate")
            report.dry_run_hashes.add(outcome.sha256)
        elif not self.dry_run:
            records.append(_record(owner=self.owner, candidate=item, outcome=outcome))
        _count(report, item, outcome)
        self.added_since_enqueue += outcome.result == "added"
        return outcome


def _import_file(*, owner, candidate: Candidate, in_place: bool, dry_run: bool, fallback_tz) -> UploadOutcome:
    filename = clean_file_name(candidate.path.name)
    try:
        with candidate.path.open("rb") as handle:
            outcome = photo_store(owner=owner, file=File(handle, name=filename), filename=filename,
                                  file_mtime=datetime.fromtimestamp(candidate.mtime_ns / 1e9, tz=UTC),
                                  external_path=str(candidate.path) if in_place else "", fallback_tz=fallback_tz,
                                  enqueue=False, dry_run=dry_run)
    except OSError as exc:  # vanished or unreadable since the walk
        outcome = UploadOutcome(filename=filename, result="rejected", error=f"The file could not be read: {exc}.")
    return outcome


def _record(*, owner, candidate: Candidate, outcome: UploadOutcome) -> ImportedFile:
    return ImportedFile(owner=owner, path=str(candidate.path), size=candidate.size, mtime_ns=candidate.mtime_ns,
                        photo=outcome.photo, result=outcome.result, error=outcome.error[:2000])


def _remember(records: list[ImportedFile]) -> None:
    """One statement per chunk (a row per file would cost as much as the rest of the import). A run
    killed mid-chunk reads that chunk's files again next time; their bytes then dedupe them."""
    ImportedFile.objects.bulk_create(records, update_conflicts=True, unique_fields=["owner", "path"],
                                     update_fields=["size", "mtime_ns", "photo", "result", "error", "seen_at"])


def _count(report: ImportReport, candidate: Candidate, outcome: UploadOutcome) -> None:
    if outcome.result == "added":
        report.added += 1
    elif outcome.result == "duplicate":
        report.already_there += 1
    else:
        report.rejected += 1
        report.rejections.append((str(candidate.path), outcome.error))


def _known(*, owner, candidates: list[Candidate]) -> dict[str, tuple[int, int]]:
    """(size, mtime) recorded by an earlier run, for these paths (one query per chunk)."""
    if not candidates:
        return {}
    rows = ImportedFile.objects.filter(owner=owner, path__in=[str(c.path) for c in candidates]).exclude(
        result="rejected").values_list("path", "size", "mtime_ns")
    return {path: (size, mtime_ns) for path, size, mtime_ns in rows}


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
