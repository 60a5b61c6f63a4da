import os
import platform

from django.core.management.base import CommandError

from benchmarks import search_scale, search_speed
from benchmarks.management.base import DatabaseBenchmarkCommand


class Command(DatabaseBenchmarkCommand):
    help = ("Find-similar latency and recall@10 on clustered 512-d vectors (not part of the test suite); "
            "--scale: a table of a million vectors shared by galleries of every size.")

    def add_arguments(self, parser):
        parser.add_argument("--vectors", type=int, default=100_000)
        parser.add_argument("--big-users", type=int, default=10)
        parser.add_argument("--small-user", type=int, default=1_000)
        parser.add_argument("--clusters", type=int, default=1_000)
        parser.add_argument("--queries", type=int, default=200)
        parser.add_argument("--reuse", action="store_true", help="Reuse benchmark data from an earlier run.")
        parser.add_argument("--teardown", action="store_true", help="Remove the benchmark data and stop.")
        parser.add_argument("--scale", action="store_true",
                            help="The scale run: per gallery class p50/p95 and recall@10 in a shared table.")
        parser.add_argument("--spread", default=",".join(f"{count}x{size}" for count, size in search_scale.SPREAD_1M),
                            help="With --scale: galleries as COUNTxSIZE, comma-separated (default: %(default)s).")

    def handle(self, *args, **options):
        log = lambda message: self.stderr.write(message)  # noqa: E731
        if options["scale"]:
            return self._scale(options, log)
        if options["teardown"]:
            return search_speed.teardown(log=log)
        rows = search_speed.run(total=options["vectors"], big_users=options["big_users"],
                                small_size=options["small_user"], clusters=options["clusters"],
                                queries=options["queries"], reuse=options["reuse"], log=log)
        self.stdout.write(f"\n{options['vectors']} clustered 512-d halfvec vectors, {options['clusters']} clusters, "
                          f"{options['queries']} queries per row; {os.cpu_count()} cores, {platform.processor() or platform.machine()}\n")
        self.stdout.write("| what | p50 ms | p95 ms | recall@10 |\n|---|---|---|---|")
        for row in rows:
            self.stdout.write(row.line())

    def _scale(self, options, log):
        if options["teardown"]:
            return search_scale.teardown(log=log)
        try:
            spread = search_scale.parse_spread(options["spread"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        _, rows, figures = search_scale.run(spread=spread, queries=options["queries"], reuse=options["reuse"], log=log)
        self.stdout.write(f"\nScale run: {figures.pop('vectors')} (512-d halfvec, one table, one HNSW index), "
                          f"up to {options['queries']} find-similar queries per row\n")
        self.stdout.write("| figure | value |\n|---|---|")
        for name, value in figures.items():
            self.stdout.write(f"| {name} | {value} |")
        self.stdout.write("\n| galleries x photos | measured | plan | p50 ms | p95 ms | recall@10 |\n|---|---|---|---|---|---|")
        for row in rows:
            self.stdout.write(row.line())
