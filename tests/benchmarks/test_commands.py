"""The benchmark commands' own checks, before any measuring."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.migrations.recorder import MigrationRecorder


@pytest.mark.django_db
def test_a_benchmark_on_an_unmigrated_database_says_to_migrate_first():
    MigrationRecorder.Migration.objects.filter(app="search").delete()  # rolled back with the test
    with pytest.raises(CommandError, match=r"unapplied migration\(s\) \(search\): run `python manage.py migrate`"):
        call_command("benchmark_search", "--teardown")


@pytest.mark.django_db
def test_a_benchmark_on_a_migrated_database_runs(capsys):
    call_command("benchmark_search", "--teardown")
    assert "removed earlier benchmark data" in capsys.readouterr().err
