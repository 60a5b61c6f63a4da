import os
import platform

from benchmarks import library_speed
from benchmarks.machine import load_average
from benchmarks.management.base import DatabaseBenchmarkCommand


class Command(DatabaseBenchmarkCommand):
    help = ("Timeline pages (first, scrolling on, deep in the past), month counts, jumps to a month and bulk "
            "actions on 1,000 photos over HTTP (in process) for one user with 100,000 photos, with the query "
            "plans of the timeline's requests (not part of the test suite).")

    def add_arguments(self, parser):
        parser.add_argument("--photos", type=int, default=100_000)
        parser.add_argument("--requests", type=int, default=100, help="Rounds of timeline requests.")
        parser.add_argument("--bulk-size", type=int, default=1_000, help="Photos per bulk action.")
        parser.add_argument("--bulk-rounds", type=int, default=10)
        parser.add_argument("--reuse", action="store_true", help="Reuse the data of an earlier --keep run.")
        parser.add_argument("--keep", action="store_true", help="Keep the data afterwards (for --reuse).")
        parser.add_argument("--teardown", action="store_true", help="Remove the benchmark data and stop.")

    def handle(self, *args, **options):
        log = self.stderr.write
        if options["teardown"]:
            return library_speed.teardown(log=log)
        started = load_average()
        speed = library_speed.run(photos=options["photos"], requests=options["requests"],
                                  bulk_size=options["bulk_size"], bulk_rounds=options["bulk_rounds"],
                                  reuse=options["reuse"], keep=options["keep"], log=log)
        ended = load_average()
        self.stdout.write(f"\n{os.cpu_count()} cores, {platform.processor() or platform.machine()}; 1-minute load "
                          f"average {started[0]:.1f} at the start, {ended[0]:.1f} at the end (a shared machine: "
                          f"latencies are upper bounds)\n")
        self.stdout.write("\n".join(library_speed.markdown_lines(speed)))
