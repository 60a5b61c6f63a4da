"""Output shapes shared by the gallery and search APIs, and the filters' input they share."""

from dataclasses import replace

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gallery.models import Photo
from gallery.selectors import original_available, photo_purge_at, photo_status_message
from search.filters import FILE_TYPES, MAX_TAGS, TEXT_FILTER_MAX_LENGTH, PhotoFilters
from search.query_syntax import parse_date
from search.selectors.filters import filters_for_owner
from search.selectors.photo_text import photo_text_get
from search.selectors.tags import photo_tags
from search.text import normalise_text


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
class FilterDateField(serializers.CharField):
    """A year, month or day: "2023", "2023-06" or "2023-06-15" -> (its first day, the day after it)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        period = parse_date(text)
        if period is None:
            raise serializers.ValidationError("Not a date: write a year, a month or a day (2023, 2023-06 or 2023-06-15).")
        return period


class PhotoFiltersSerializer(serializers.Serializer):
    """The filters every search and the photo list take (search.filters.PhotoFilters). Repeat `tag`,
    `exclude_tag` and `type` for several."""

    taken_after = FilterDateField(required=False, max_length=10,
                                  help_text="Taken from the start of this year, month or day on (the date taken, "
                                  "else the date added; days in your account's time zone): 2023, 2023-06, 2023-06-15.")
    taken_before = FilterDateField(required=False, max_length=10,
                                   help_text="Taken before the start of this year, month or day (not including it).")
    album = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False,
                                     help_text="One of your albums (404 if it is not yours).")
    tag = serializers.ListField(child=serializers.CharField(max_length=TEXT_FILTER_MAX_LENGTH), required=False,
                                max_length=MAX_TAGS, help_text="Only photos with every one of these tags.")
    exclude_tag = serializers.ListField(child=serializers.CharField(max_length=TEXT_FILTER_MAX_LENGTH),
                                        required=False, max_length=MAX_TAGS, help_text="No photos with these tags.")
    favourite = serializers.BooleanField(required=False, allow_null=True, default=None,
                                         help_text="true: only favourites; false: only the others.")
    camera = serializers.CharField(max_length=TEXT_FILTER_MAX_LENGTH, required=False,
                                   help_text="A part of the camera's make or model, any case: iphone, x100.")
    place = serializers.CharField(max_length=TEXT_FILTER_MAX_LENGTH, required=False,
                                  help_text="A part of the city, region or country where it was taken, any case.")
    type = serializers.ListField(child=serializers.ChoiceField(choices=list(FILE_TYPES)), required=False,
                                 help_text="File types (any of them).")
    has_text = serializers.BooleanField(required=False, allow_null=True, default=None,
                                        help_text="true: photos with text in them (read by OCR); false: the others.")

    def validate(self, attrs):
        after, before = attrs.get("taken_after"), attrs.get("taken_before")
        if after and before and after[0] >= before[0]:
            raise serializers.ValidationError({"taken_before": "taken_before must be after taken_after."})
        return attrs

    def filters(self, base: PhotoFilters | None = None, album_name: str | None = None) -> PhotoFilters:
        """These filters (over `base`, e.g. those typed in the search box: a parameter given here
        wins), the album checked against the requesting user's (context "request"; AlbumNotFound)."""
        data, base = self.validated_data, base or PhotoFilters()
        changes = {
            "taken_after": data["taken_after"][0] if data.get("taken_after") else base.taken_after,
            "taken_before": data["taken_before"][0] if data.get("taken_before") else base.taken_before,
            "album_id": data.get("album", base.album_id),
            "tags": tuple(dict.fromkeys([*base.tags, *(normalise_text(t) for t in data.get("tag", []))])),
            "exclude_tags": tuple(dict.fromkeys([*base.exclude_tags,
                                                 *(normalise_text(t) for t in data.get("exclude_tag", []))])),
            "favourite": base.favourite if data.get("favourite") is None else data["favourite"],
            "camera": data.get("camera", "").strip() or base.camera,
            "place": data.get("place", "").strip() or base.place,
            "file_types": tuple(dict.fromkeys([*base.file_types, *data.get("type", [])])),
            "has_text": base.has_text if data.get("has_text") is None else data["has_text"],
        }
        filters = replace(base, **changes)
        return filters_for_owner(owner=self.context["request"].user, filters=filters,
                                 album_name=None if data.get("album") else album_name)


def filters_data(filters: PhotoFilters) -> dict:
    """The filters a list or search applied, in the parameters' names (empty ones left out)."""
    data = {"taken_after": filters.taken_after and filters.taken_after.isoformat(),
            "taken_before": filters.taken_before and filters.taken_before.isoformat(),
            "album": filters.album_id, "tag": list(filters.tags), "exclude_tag": list(filters.exclude_tags),
            "favourite": filters.favourite, "camera": filters.camera, "place": filters.place,
            "type": list(filters.file_types), "has_text": filters.has_text}
    return {name: value for name, value in data.items() if value not in (None, [], "")}
