import os
import platform

from benchmarks import filter_speed
from benchmarks.management.base import DatabaseBenchmarkCommand


class Command(DatabaseBenchmarkCommand):
    help = ("Filtered find-similar and word-search ranking: p50/p95 and recall@10 across filter selectivities "
            "(100% to 0.01% of one gallery; not part of the test suite).")

    def add_arguments(self, parser):
        parser.add_argument("--gallery", type=int, default=300_000, help="Photos in the filtered gallery.")
        parser.add_argument("--others", type=int, default=0, help="Other users' photos in the same index.")
        parser.add_argument("--clusters", type=int, default=1_000)
        parser.add_argument("--queries", type=int, default=100)
        parser.add_argument("--teardown", action="store_true", help="Remove the benchmark data and stop.")

    def handle(self, *args, **options):
        log = lambda message: self.stderr.write(message)  # noqa: E731
        if options["teardown"]:
            return filter_speed.teardown(log=log)
        rows = filter_speed.run(gallery=options["gallery"], others=options["others"], clusters=options["clusters"],
                                queries=options["queries"], log=log)
        self.stdout.write(f"\nOne gallery of {options['gallery']} clustered 512-d vectors (+{options['others']} "
                          f"other users'), camera filters; {options['queries']} queries per row; {os.cpu_count()} "
                          f"cores, {platform.processor() or platform.machine()} (shared, noisy machine)\n")
        self.stdout.write("| what | kept | photos | plan | p50 ms | p95 ms | recall@10 |\n|---|---|---|---|---|---|---|")
        for row in rows:
            self.stdout.write(row.line())
        filter_speed.teardown(log=log)
