"""`manage.py backup PATH` and `restore PATH`: a round trip into a fresh database and an empty
media folder, checked through the restored app (a subprocess on the restored database)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gallery.models import Photo
from imagesearch import backups
from search.models import PhotoEmbedding
from tests import workers
from tests.factories import ready_photo_factory

CHECK = """
import django, json
django.setup()
from django.core.files.storage import default_storage
from gallery.models import Photo
from search.models import GloveWord, PhotoEmbedding
photos = list(Photo.objects.order_by("id"))
print(json.dumps({
    "photos": [(p.id, p.status, p.thumbnail.name, p.preview.name, p.original.name) for p in photos],
    "vectors": PhotoEmbedding.objects.count(),
    "glove_words": GloveWord.objects.count(),
    "files": {name: default_storage.open(name).read().hex()[:64] for p in photos
              for name in (p.thumbnail.name, p.preview.name, p.original.name)},
}))
"""


def _manage(*argv: str, database: str, media: Path) -> subprocess.CompletedProcess:
    env = workers.worker_env(broker_url="memory://", extra_env={"MEDIA_ROOT": str(media)})
    env["DATABASE_URL"] = env["TEST_DATABASE_URL"] = database
    return subprocess.run([sys.executable, *argv], cwd=workers.PROJECT_ROOT, env=env, capture_output=True, text=True)


@pytest.fixture
def fresh_database():
    """An empty database beside the test database (created, nothing migrated), dropped after."""
    name = f"restore_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = workers.database_url().replace(f"/{connection.settings_dict['NAME']}", f"/{name}", 1)
    yield url
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_and_media_folder(user, offline_model, tmp_path, fresh_database,
                                                                   media_root):
    photos = [ready_photo_factory(owner=user) for _ in range(3)]
    target = tmp_path / "backup"
    call_command("backup", str(target))

    manifest = json.loads((target / "manifest.json").read_text())
    assert "PostgreSQL" in manifest["pg_dump"]
    for photo in photos:
        for name in (photo.original.name, photo.thumbnail.name, photo.preview.name):
            assert manifest["files"][name] == (media_root / name).stat().st_size
    assert not any(name.startswith("readiness/") for name in manifest["files"])

    restored_media = tmp_path / "restored-media"
    done = _manage("manage.py", "restore", str(target), database=fresh_database, media=restored_media)
    assert done.returncode == 0, done.stderr
    check = _manage("-c", CHECK, database=fresh_database, media=restored_media)
    assert check.returncode == 0, check.stderr
    restored = json.loads(check.stdout)
    assert restored["photos"] == [[p.id, "ready", p.thumbnail.name, p.preview.name, p.original.name]
                                  for p in Photo.objects.order_by("id")]
    assert restored["vectors"] == PhotoEmbedding.objects.count() == 3
    assert restored["glove_words"] == 0  # reference data: build_vocabulary reloads it
    assert "build_vocabulary" in done.stdout
    for name, head in restored["files"].items():
        assert (media_root / name).read_bytes().hex()[:64] == head
    # The restored database is migrated as far as the code: nothing left to apply.
    plan = _manage("manage.py", "migrate", "--plan", database=fresh_database, media=restored_media)
    assert "No planned migration operations." in plan.stdout, plan.stdout + plan.stderr

    # Restoring again over a database with tables needs --replace.
    again = _manage("manage.py", "restore", str(target), database=fresh_database, media=restored_media)
    assert again.returncode != 0 and "--replace" in again.stderr
    assert _manage("manage.py", "restore", str(target), "--replace", database=fresh_database,
                   media=restored_media).returncode == 0


def test_a_backup_refuses_a_folder_in_use_and_restore_a_folder_that_is_no_backup(tmp_path, db):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(tmp_path / "used"))
    with pytest.raises(CommandError, match="is not a backup"):
        call_command("restore", str(tmp_path / "used"))


def test_pg_tools_come_from_pg_bin_dir_when_set(settings, tmp_path):
    settings.PG_BIN_DIR = str(tmp_path)
    assert backups.pg_binary("pg_dump") == str(tmp_path / "pg_dump")
    settings.PG_BIN_DIR = ""
    assert Path(backups.pg_binary("pg_restore")).is_file()
