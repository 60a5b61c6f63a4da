"""The base of the benchmark commands that read and write this project's tables."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


class DatabaseBenchmarkCommand(BaseCommand):
    """A benchmark on a database that is not migrated stops with what to do, not a traceback from
    its first query (Django's own migration check only prints a notice and carries on)."""

    requires_migrations_checks = True

    def check_migrations(self) -> None:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            apps = sorted({migration.app_label for migration, _backwards in plan})
            raise CommandError(f"The database has {len(plan)} unapplied migration(s) ({', '.join(apps)}): "
                               "run `python manage.py migrate` first.")
