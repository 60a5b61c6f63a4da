"""Output shapes shared by the gallery and search APIs."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gallery.models import Photo
from gallery.selectors import photo_status_message
from search.selectors.tags import photo_tags


class TagOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    source = serializers.ChoiceField(choices=["auto", "user"], help_text="auto: zero-shot tag; user: added by you.")
    score = serializers.FloatField(allow_null=True, help_text="Zero-shot probability of an automatic tag.")


class PhotoOutputSerializer(serializers.ModelSerializer):
    status_message = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    original_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = ["id", "original_name", "status", "status_message", "error", "content_type", "file_size",
                  "width", "height", "taken_at", "created_at", "processed_at", "original_url", "thumbnail_url", "tags"]
        read_only_fields = fields

    @extend_schema_field(TagOutputSerializer(many=True))
    def get_tags(self, photo: Photo) -> list[dict]:
        return TagOutputSerializer(photo_tags(photo=photo), many=True).data

    def get_status_message(self, photo: Photo) -> str:
        return photo_status_message(photo)

    def _url(self, name: str, photo: Photo) -> str:
        path = reverse(name, kwargs={"photo_id": photo.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_original_url(self, photo: Photo) -> str:
        return self._url("api:photo-original", photo)

    def get_thumbnail_url(self, photo: Photo) -> str | None:
        return self._url("api:photo-thumbnail", photo) if photo.thumbnail else None
