from django.conf import settings
from django.db import models
from pgvector.django import HalfVectorField


class EmbeddingModel(models.Model):
    """A set of CLIP weights. Vectors of different models never meet in one query."""

    key = models.CharField(max_length=255, unique=True)  # "ViT-B-32/laion2b_s34b_b79k"
    architecture = models.CharField(max_length=100)
    pretrained = models.CharField(max_length=500, blank=True)
    dimensions = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


class PhotoEmbedding(models.Model):
    """One photo's CLIP image vector for one model.

    `embedding` is an unsized halfvec (2 bytes a dimension, stored inline), so models of any
    width share the table; each model gets its own partial HNSW index on
    `(embedding::halfvec(<dims>))` (see search.vectors.ensure_model_index). `owner` repeats
    the photo's owner so that per-user searches need no join.
    """

    photo = models.ForeignKey("gallery.Photo", on_delete=models.CASCADE, related_name="embeddings")
    model = models.ForeignKey(EmbeddingModel, on_delete=models.PROTECT, related_name="embeddings")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    embedding = HalfVectorField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["photo", "model"], name="one_embedding_per_photo_and_model")]
        indexes = [models.Index(fields=["owner", "model"], name="embedding_owner_model")]


class ReindexJob(models.Model):
    """One re-embedding of every ready photo with a model. The work itself is derived from the
    data (photos without a vector for the model), so a job can stop and resume at any time."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    model = models.ForeignKey(EmbeddingModel, on_delete=models.CASCADE, related_name="reindex_jobs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
