from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

ALBUM_NAME_MAX_LENGTH = 120
ALBUM_DESCRIPTION_MAX_LENGTH = 2000


class Album(models.Model):
    """A named set of the owner's photos; a photo can be in many albums. Deleting an album keeps its
    photos. Photos in the trash keep their places here and come back with a restore."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="albums")
    name = models.CharField(max_length=ALBUM_NAME_MAX_LENGTH)
    description = models.TextField(blank=True, max_length=ALBUM_DESCRIPTION_MAX_LENGTH)
    cover = models.ForeignKey("gallery.Photo", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              help_text="Chosen by the owner; empty: the album's newest photo.")
    photos = models.ManyToManyField("gallery.Photo", through="AlbumPhoto", related_name="albums")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(Lower("name"), "owner", name="one_album_name_per_owner")]
        indexes = [models.Index(fields=["owner", "-updated_at"], name="album_owner_recent")]

    def __str__(self) -> str:
        return self.name


class AlbumPhoto(models.Model):
    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="links")
    photo = models.ForeignKey("gallery.Photo", on_delete=models.CASCADE, related_name="album_links")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["album", "photo"], name="one_place_per_photo_and_album")]

    def __str__(self) -> str:
        return f"{self.photo_id} in {self.album_id}"
