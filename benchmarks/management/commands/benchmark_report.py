from pathlib import Path

from django.conf import settings

from benchmarks.management.base import DatabaseBenchmarkCommand
from benchmarks.report import report_build, report_write


class Command(DatabaseBenchmarkCommand):
    help = ("Run every benchmark (ingest, find-similar at 10k and 100k vectors, text and region search, "
            "the library's timeline and bulk actions at 100k photos, concurrent load on a live server) and write the report as Markdown and JSON.")

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, default=Path(settings.BASE_DIR) / "reports" / "benchmark",
                            help="Path without suffix: writes <out>.md and <out>.json (default: reports/benchmark).")
        parser.add_argument("--quick", action="store_true", help="Smaller sizes (10k vectors only, a lighter load).")

    def handle(self, *args, out: Path, quick: bool, **options):
        report = report_build(quick=quick, log=self.stderr.write)
        markdown, data = report_write(report=report, out=out)
        self.stdout.write(markdown.read_text())
        self.stdout.write(self.style.SUCCESS(f"Wrote {markdown} and {data} in {report.seconds / 60:.1f} min."))
