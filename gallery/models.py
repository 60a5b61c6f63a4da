import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models


def _random_path(folder: str, suffix: str) -> str:
    # Non-guessable and never derived from the user's file name.
    name = uuid.uuid4().hex
    return str(PurePosixPath(folder) / name[:2] / f"{name}{suffix}")


def original_path(instance: "Photo", filename: str) -> str:
    return _random_path("originals", PurePosixPath(filename).suffix.lower())


def thumbnail_path(instance: "Photo", filename: str) -> str:
    return _random_path("thumbnails", ".jpg")


class Photo(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos")
    original = models.FileField(upload_to=original_path, max_length=255)
    thumbnail = models.FileField(upload_to=thumbnail_path, max_length=255, blank=True)
    original_name = models.CharField(max_length=255, help_text="The uploaded file's name, kept only as data.")
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=32)
    file_size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    taken_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["owner", "sha256"], name="one_photo_per_owner_and_content")]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="photo_owner_newest"),
            models.Index(fields=["status", "created_at"], name="photo_status_oldest"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.pk})"
