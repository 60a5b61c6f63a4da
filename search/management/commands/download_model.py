from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from search.clip import weights


class Command(BaseCommand):
    help = "Download the configured CLIP weights (CLIP_MODEL/CLIP_PRETRAINED) into the cache ahead of time."

    def handle(self, *args, **options):
        spec = weights.configured_spec()
        try:
            path = weights.download(spec)
        except weights.ModelUnavailable as exc:
            raise CommandError(
                f"{exc}\nTo use other weights, set CLIP_MODEL and CLIP_PRETRAINED (an open_clip pretrained tag, or "
                f"the path of a checkpoint file). Without internet the app uses the bundled offline model "
                f"(CLIP_OFFLINE_FALLBACK={settings.CLIP_OFFLINE_FALLBACK})."
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"{spec.key}: weights ready at {path}"))
