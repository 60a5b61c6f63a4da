"""Run the whole app in one terminal: migrations, the web server and a background worker.

Used by the README run command. Ctrl-C stops the web server, the worker and (when it is the
embedded one) the database, cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from imagesearch import embedded_postgres


class Command(BaseCommand):
    help = "Migrate, then run the web server (gunicorn) and a Celery worker until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, host: str, port: int, web_workers: int, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable")  # the rate limits' counts, when the cache is the database
        self.stdout.write("Database ready.")
        children = [
            self._start("worker", [sys.executable, "-m", "celery", "-A", "imagesearch", "worker", "--beat",
                                   "--pool", "solo", "--loglevel", "INFO",
                                   "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME]),
            self._start("web", [sys.executable, "-m", "gunicorn", "imagesearch.wsgi", "--bind", f"{host}:{port}",
                                "--workers", str(web_workers), "--threads", "4", "--timeout", "120",
                                "--access-logfile", "-", "--config", "python:imagesearch.gunicorn_conf"]),
        ]
        self.stdout.write(self.style.SUCCESS(f"\nImage Search is running at http://{host}:{port}  (Ctrl-C to stop)\n"))
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in children:
                    if process.poll() is not None:
                        self.stderr.write(f"The {name} process exited with code {process.returncode}; stopping.")
                        stopping = True
                time.sleep(0.5)
        finally:
            self._stop_all(children)

    def _start(self, name: str, command: list[str]) -> tuple[str, subprocess.Popen]:
        # Own process group, so the terminal's Ctrl-C reaches only us and we stop children in order.
        return name, subprocess.Popen(command, cwd=settings.BASE_DIR, start_new_session=True)

    def _stop_all(self, children) -> None:
        self.stdout.write("\nStopping…")
        for _, process in children:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for name, process in children:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {name} process did not stop in time; killing it.")
                process.kill()
                process.wait()
        if not os.environ.get("DATABASE_URL"):
            connections.close_all()
            embedded_postgres.stop(settings.EMBEDDED_PGDATA)
            self.stdout.write("Embedded database stopped.")
        self.stdout.write("Stopped.")
