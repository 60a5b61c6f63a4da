import json
from dataclasses import asdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks.load_test import runner


class Command(BaseCommand):
    help = ("Concurrent uploads and searches over HTTP against a live server of our own (gunicorn + Celery worker, "
            "own data folder) or --url with --token; fails unless every photo got ready without a 5xx.")

    def add_arguments(self, parser):
        parser.add_argument("--uploaders", type=int, default=20)
        parser.add_argument("--photos", type=int, default=500)
        parser.add_argument("--searchers", type=int, default=5)
        parser.add_argument("--url", help="A running server, e.g. http://127.0.0.1:8000 (default: start one).")
        parser.add_argument("--token", help="API token of the user who uploads (with --url).")
        parser.add_argument("--data-dir", type=Path, help="Data folder of the server started here "
                            "(default: <IMAGESEARCH_DATA_DIR>/loadtest).")
        parser.add_argument("--ready-timeout", type=float, default=600.0)

    def handle(self, *args, uploaders, photos, searchers, url, token, data_dir, ready_timeout, **options):
        try:
            result = runner.run(uploaders=uploaders, photos=photos, searchers=searchers, url=url, token=token,
                                data_dir=data_dir, ready_timeout=ready_timeout, log=self.stderr.write)
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(asdict(result), indent=2))
        if not result.ok:
            raise CommandError(f"load test failed: {result.server_errors} 5xx, {result.no_response} without answer, "
                               f"{result.upload_failures} uploads not added, {result.lost} photos lost")
