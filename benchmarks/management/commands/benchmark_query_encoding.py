import sys

from benchmarks.management.base import DatabaseBenchmarkCommand
from benchmarks.query_encoding import HEADER, run


class Command(DatabaseBenchmarkCommand):
    help = ("Web processes with and without CLIP: RSS of one gunicorn process (idle after start, after searches) "
            "and cold/cached word-search latency p50/p95 over HTTP, QUERY_ENCODING=local vs worker (a Celery "
            "worker on Redis answering the `query` queue). Needs Redis.")

    def add_arguments(self, parser):
        parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
        parser.add_argument("--queries", type=int, default=30, help="cold and cached searches per mode")

    def handle(self, *args, redis_url: str, queries: int, **options):
        figures = run(redis_url=redis_url, queries=queries, log=lambda message: print(message, file=sys.stderr))
        self.stdout.write(HEADER)
        for row in figures:
            self.stdout.write(row.line())
        self.stdout.write("RSS: resident memory of the one gunicorn worker process; latency: GET /api/v1/search/"
                          "?mode=clip over HTTP, cold = a new phrase each time (the text encoder runs), cached = "
                          "the per-process vector cache answers.")
