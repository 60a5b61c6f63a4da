from django.core.management.base import BaseCommand

from benchmarks.text_speed import measure_text
from search.text import PROMPT_TEMPLATES


class Command(BaseCommand):
    help = ("Cold text-query encoding of the 3-prompt ensemble for the active model: open_clip's encode_text "
            "(all 77 positions) against the trimmed exact path the search uses, p50/p95 and the largest difference.")

    def add_arguments(self, parser):
        parser.add_argument("--queries", type=int, default=100)

    def handle(self, *args, queries: int, **options):
        speed = measure_text(queries=queries)
        self.stdout.write(f"model {speed.model}, {speed.queries} queries of {len(PROMPT_TEMPLATES)} prompts each")
        self.stdout.write(f"encode_text, all positions: p50 {speed.full_p50_ms:.1f} ms, p95 {speed.full_p95_ms:.1f} ms")
        self.stdout.write(f"trimmed (what search uses): p50 {speed.trimmed_p50_ms:.1f} ms, "
                          f"p95 {speed.trimmed_p95_ms:.1f} ms")
        self.stdout.write(f"largest difference between the two: {speed.max_difference:.2e}")
