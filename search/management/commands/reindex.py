from django.core.management.base import BaseCommand

from search.clip import weights
from search.selectors.embedding_models import reindex_progress
from search.services.embedding_models import active_model_ensure
from search.services.reindex import reindex_queue, reindex_run


class Command(BaseCommand):
    help = ("Re-embed every ready photo that has no vector for the active CLIP model (after changing "
            "CLIP_MODEL/CLIP_PRETRAINED). Safe to interrupt and run again: it resumes where it stopped.")

    def add_arguments(self, parser):
        parser.add_argument("--background", action="store_true", help="Queue it for the worker instead.")
        parser.add_argument("--status", action="store_true", help="Only print the progress.")

    def handle(self, *args, background: bool, status: bool, **options):
        model = active_model_ensure()
        self.stdout.write(f"Active model: {model.key}" + (" (offline fallback)" if weights.resolve().is_fallback else ""))
        if status:
            return self._print(reindex_progress(model=model))
        if background:
            job = reindex_queue()
            return self.stdout.write(self.style.SUCCESS(f"Re-index job {job.pk} queued for the worker."))
        job = reindex_run(progress=self._print)
        if job is None:
            self.stderr.write("Another re-index is running; progress:")
            return self._print(reindex_progress(model=model))
        self.stdout.write(self.style.SUCCESS(f"Re-index {job.status}: {job.done} photo(s) embedded."))

    def _print(self, progress: dict) -> None:
        job = progress["job"] or {}
        eta = f", about {job['eta_seconds']} s left" if job.get("eta_seconds") is not None else ""
        self.stdout.write(f"{progress['indexed']}/{progress['ready_photos']} photos have vectors for "
                          f"{progress['model']}{eta}")
