from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from pgvector.django import HalfVectorField, HnswIndex, VectorField

GLOVE_DIMENSIONS = 50
TAG_NAME_MAX_LENGTH = 40


class EmbeddingModel(models.Model):
    """A set of CLIP weights. Vectors of different models never meet in one query."""

    key = models.CharField(max_length=255, unique=True)  # "ViT-B-32/laion2b_s34b_b79k"
    architecture = models.CharField(max_length=100)
    pretrained = models.CharField(max_length=500, blank=True)
    dimensions = models.PositiveIntegerField()
    tag_threshold = models.FloatField(
        null=True, blank=True,
        help_text="Minimum zero-shot probability for an automatic tag, calibrated for these weights "
                  "(manage.py calibrate_tags); empty means settings.TAG_MIN_PROBABILITY.")
    tag_relative_floor = models.FloatField(
        null=True, blank=True,
        help_text="An automatic tag also needs this share of the photo's best tag probability (calibrated "
                  "with tag_threshold); empty means settings.TAG_RELATIVE_FLOOR.")
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
    # Automatic tags were derived from this vector (a new vector clears it, so tags follow the model).
    tagged = models.BooleanField(default=False)
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


class GloveWord(models.Model):
    """One of GloVe 6B's 400,000 words with its 50-d vector; `id` is its frequency rank (0 = "the").

    Static reference data, filled by `manage.py build_vocabulary` (search.vectors.glove_words_replace
    loads it and rebuilds the HNSW index `glove_word_hnsw`). The table is created by migration 0003
    and unmanaged, so Django's `flush` leaves it alone.
    """

    id = models.IntegerField(primary_key=True)
    word = models.CharField(max_length=100, unique=True)
    vector = VectorField(dimensions=GLOVE_DIMENSIONS)

    class Meta:
        managed = False
        db_table = "search_gloveword"

    def __str__(self) -> str:
        return self.word


class Concept(models.Model):
    """A visual concept of the tagging vocabulary (search/data/vocabulary.txt)."""

    name = models.CharField(max_length=TAG_NAME_MAX_LENGTH, unique=True)
    category = models.CharField(max_length=60)
    glove = VectorField(dimensions=GLOVE_DIMENSIONS, help_text="Mean of its words' GloVe vectors, unit length.")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ConceptEmbedding(models.Model):
    """A concept's CLIP text vector (prompt ensemble) for one model."""

    concept = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="embeddings")
    model = models.ForeignKey(EmbeddingModel, on_delete=models.CASCADE, related_name="concept_embeddings")
    embedding = HalfVectorField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["concept", "model"], name="one_embedding_per_concept_and_model")]


class PhotoTag(models.Model):
    """A tag on a photo: automatic (zero-shot, with its probability) or added by the owner.

    An automatic tag the owner removed stays as a hidden row, so re-tagging never brings it back;
    tags the owner added are never touched by re-tagging.
    """

    class Source(models.TextChoices):
        AUTO = "auto", "Automatic"
        USER = "user", "Added by you"

    photo = models.ForeignKey("gallery.Photo", on_delete=models.CASCADE, related_name="tags")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=TAG_NAME_MAX_LENGTH)
    source = models.CharField(max_length=8, choices=Source.choices)
    score = models.FloatField(null=True, blank=True, help_text="Zero-shot probability (automatic tags).")
    hidden = models.BooleanField(default=False, help_text="The owner removed this automatic tag.")
    glove = VectorField(dimensions=GLOVE_DIMENSIONS, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "name"]
        constraints = [models.UniqueConstraint(fields=["photo", "name"], name="one_tag_name_per_photo")]
        indexes = [models.Index(fields=["owner", "name"], name="photo_tag_owner_name")]

    def __str__(self) -> str:
        return self.name


class PhotoTagVector(models.Model):
    """A photo's place in GloVe space: the weighted mean of its visible tags' GloVe vectors."""

    photo = models.OneToOneField("gallery.Photo", on_delete=models.CASCADE, primary_key=True,
                                 related_name="tag_vector")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    vector = VectorField(dimensions=GLOVE_DIMENSIONS)

    class Meta:
        indexes = [
            HnswIndex(name="photo_tag_vector_hnsw", fields=["vector"], m=16, ef_construction=64,
                      opclasses=["vector_cosine_ops"]),
            models.Index(fields=["owner"], name="photo_tag_vector_owner"),
        ]


class PhotoText(models.Model):
    """The text read in one photo (search/ocr.py), with a box for every line.

    A row means the photo has been read (with the engine in `engine`), even when nothing was found
    (`has_text` false). `normalised` and `compact` are the matching forms of search/text_match.py
    (`compact` has no spaces: the recogniser often drops them); `search_vector` is the full-text
    vector of `normalised`, written with it. `owner` repeats the photo's owner, as in PhotoEmbedding.
    """

    photo = models.OneToOneField("gallery.Photo", on_delete=models.CASCADE, primary_key=True,
                                 related_name="text")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True, help_text="The lines read, top to bottom, one per line.")
    normalised = models.TextField(blank=True)
    compact = models.TextField(blank=True)
    search_vector = SearchVectorField(null=True)
    has_text = models.BooleanField(default=False)
    # [{"text": "PARKING LEVEL 3B", "confidence": 0.95, "quad": [[x, y] x 4]}], corners as fractions of the image.
    lines = models.JSONField(default=list, blank=True)
    engine = models.CharField(max_length=100)
    read_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["owner", "has_text"], name="photo_text_owner_has_text"),
            GinIndex(fields=["search_vector"], name="photo_text_search_vector"),
            GinIndex(fields=["normalised"], opclasses=["gin_trgm_ops"], name="photo_text_normalised_trgm"),
            GinIndex(fields=["compact"], opclasses=["gin_trgm_ops"], name="photo_text_compact_trgm"),
        ]

    def __str__(self) -> str:
        return self.text[:60]
