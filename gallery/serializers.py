"""Output shapes shared by the gallery and search APIs."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gallery.models import Photo
from gallery.selectors import original_available, photo_purge_at, photo_status_message
from search.selectors.photo_text import photo_text_get
from search.selectors.tags import photo_tags


class TagOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    source = serializers.ChoiceField(choices=["auto", "user"], help_text="auto: zero-shot tag; user: added by you.")
    score = serializers.FloatField(allow_null=True, help_text="Zero-shot probability of an automatic tag.")


class PlaceOutputSerializer(serializers.Serializer):
    country_code = serializers.CharField(help_text="ISO 3166-1 alpha-2; empty when unknown.")
    country = serializers.CharField()
    region = serializers.CharField()
    city = serializers.CharField()


class PhotoOutputSerializer(serializers.ModelSerializer):
    status_message = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    original_url = serializers.SerializerMethodField()
    original_available = serializers.SerializerMethodField(
        help_text="False when a photo imported in place has been moved or deleted where it lay.")
    thumbnail_url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField(help_text="Display size (long side 2,048 px), sRGB JPEG.")
    place = serializers.SerializerMethodField(help_text="From GPS, offline (GeoNames); null without a position.")
    purge_at = serializers.SerializerMethodField(help_text="In the trash: when it will be deleted for good.")

    class Meta:
        model = Photo
        fields = ["id", "original_name", "status", "status_message", "error", "content_type", "file_size",
                  "width", "height", "taken_at", "taken_at_offset_minutes", "taken_at_source", "created_at",
                  "processed_at", "camera", "camera_make", "camera_model", "lens", "focal_length_mm", "f_number",
                  "exposure_time_s", "iso", "latitude", "longitude", "altitude_m", "place", "original_url",
                  "original_available", "thumbnail_url", "preview_url", "tags", "favourite", "trashed_at", "purge_at"]
        read_only_fields = fields

    @extend_schema_field(TagOutputSerializer(many=True))
    def get_tags(self, photo: Photo) -> list[dict]:
        return TagOutputSerializer(photo_tags(photo=photo), many=True).data

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_purge_at(self, photo: Photo) -> str | None:
        purge_at = photo_purge_at(photo)
        return None if purge_at is None else serializers.DateTimeField().to_representation(purge_at)

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

    def get_preview_url(self, photo: Photo) -> str | None:
        return self._url("api:photo-preview", photo) if photo.preview else None

    def get_original_available(self, photo: Photo) -> bool:
        return original_available(photo)

    @extend_schema_field(PlaceOutputSerializer(allow_null=True))
    def get_place(self, photo: Photo) -> dict | None:
        if photo.latitude is None or photo.longitude is None:
            return None
        return {"country_code": photo.country_code, "country": photo.country, "region": photo.region,
                "city": photo.city}


class TextLineOutputSerializer(serializers.Serializer):
    text = serializers.CharField()
    confidence = serializers.FloatField(help_text="The recogniser's confidence, 0..1.")
    quad = serializers.ListField(child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
                                 help_text="The line's four corners [x, y], clockwise from top left, as fractions of "
                                           "the photo's width and height (upright).")


class PhotoTextOutputSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The lines read, top to bottom, one per line; empty when none was found.")
    lines = TextLineOutputSerializer(many=True)
    engine = serializers.CharField()
    read_at = serializers.DateTimeField()


class PhotoDetailOutputSerializer(PhotoOutputSerializer):
    text = serializers.SerializerMethodField(help_text="The text read in the photo; null until it has been read.")

    class Meta(PhotoOutputSerializer.Meta):
        fields = [*PhotoOutputSerializer.Meta.fields, "text"]
        read_only_fields = fields

    @extend_schema_field(PhotoTextOutputSerializer(allow_null=True))
    def get_text(self, photo: Photo) -> dict | None:
        text = photo_text_get(photo=photo)
        return None if text is None else PhotoTextOutputSerializer(text).data
