import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand
from django.db import transaction

from gallery import images, services
from search import clip
from search.labeled_photos import default_datasets_root, list_labeled_photos


class Command(BaseCommand):
    help = ("Ingest speed (stored upload -> ready: decode, thumbnail, embedding, database) next to model-only "
            "speed (encode_images on decoded images) for the active model and batch size.")

    def add_arguments(self, parser):
        parser.add_argument("--photos", type=int, default=160)
        parser.add_argument("--folder", type=Path, default=default_datasets_root() / "caltech101")

    def handle(self, *args, photos: int, folder: Path, **options):
        files = [item.path for item in list_labeled_photos(folder, split="all")][:: max(1, 8677 // photos)][:photos] \
            if folder.is_dir() else []
        if not files:
            self.stderr.write(f"{folder} not found; nothing to measure.")
            return
        user = get_user_model().objects.create_user(username=f"benchmark-ingest-{uuid.uuid4().hex[:8]}")
        try:
            for path in files:
                with path.open("rb") as handle:
                    services.photo_upload(owner=user, file=File(handle, name=path.name), enqueue=False)
            count = user.photos.count()
            loaded = clip.get_model()
            decoded = [images.load_rgb(path.open("rb"), max_pixels=settings.UPLOAD_MAX_PIXELS,
                                       fit_within=settings.THUMBNAIL_LONG_SIDE) for path in files]
            clip.encode_images(decoded[: settings.CLIP_BATCH_SIZE])  # warm-up
            started = time.perf_counter()
            clip.encode_images(decoded)
            model_rate = len(decoded) / (time.perf_counter() - started)
            started = time.perf_counter()
            finished = services.photos_process_pending()
            ingest_rate = finished / (time.perf_counter() - started)
        finally:
            with transaction.atomic():
                user.delete()
        self.stdout.write(f"model {loaded.spec.key}, batch {settings.CLIP_BATCH_SIZE}, {count} photos from {folder.name}")
        self.stdout.write(f"model only: {model_rate:.1f} images/s")
        self.stdout.write(f"ingest:     {ingest_rate:.1f} photos/s ({100 * ingest_rate / model_rate:.0f}% of model-only)")
