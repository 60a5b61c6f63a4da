"""REST API of the library: the timeline's months, the trash, and bulk actions on many photos
(each answers per id: imagesearch.bulk). The photo list itself (ordering, cursor, favourite) and
one photo's heart and delete are in gallery.apis."""

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import account_time_zone
from gallery import selectors, timeline
from gallery.downloads import photos_zip_response
from gallery.models import Photo
from gallery.serializers import PhotoFiltersSerializer, PhotoOutputSerializer
from gallery.services.favourites import photos_favourite_set
from gallery.services.trash import photos_delete, photos_restore, photos_trash, trash_empty
from imagesearch.bulk import BulkIdsSerializer, BulkResultSerializer, bulk_answer
from imagesearch.exceptions import ApplicationError, NotFound
from imagesearch.keyset import CURSOR_MAX_LENGTH
from imagesearch.pagination import PageOrCursorPagination, keyset_response, paginate_with_cursors
from imagesearch.renderers import FileRenderer
from search.models import TAG_NAME_MAX_LENGTH
from search.services.tag_edits import clean_tag_name, photos_tag_add


class PhotoMonthsApi(APIView):
    """The months of the user's list (filtered as the photo list is) with their photo counts, newest
    first (oldest first for an ascending ordering); each with a cursor to jump there."""

    @extend_schema_serializer(component_name="PhotoMonthsInput")
    class InputSerializer(PhotoFiltersSerializer):
        ordering = serializers.ChoiceField(choices=list(timeline.ORDERINGS), default="-taken_at",
                                           help_text="-taken_at: months of the date taken (the timeline); "
                                           "-created_at: of the date added.")
        status = serializers.ChoiceField(choices=Photo.Status.choices, required=False)

    class MonthSerializer(serializers.Serializer):
        year = serializers.IntegerField()
        month = serializers.IntegerField(min_value=1, max_value=12)
        count = serializers.IntegerField()
        cursor = serializers.CharField(help_text="GET /photos/?cursor=…&ordering=… (the same ordering) starts here.")

    @extend_schema(parameters=[InputSerializer], responses=inline_serializer("PhotoMonths", {
        "ordering": serializers.CharField(),
        "time_zone": serializers.CharField(help_text="Months are months in this zone (the account's)."),
        "total": serializers.IntegerField(),
        "months": MonthSerializer(many=True),
    }))
    def get(self, request):
        data = self.InputSerializer(data=request.query_params, context={"request": request})
        data.is_valid(raise_exception=True)
        ordering, zone = data.validated_data["ordering"], account_time_zone(user=request.user)
        photos = selectors.photo_list(owner=request.user, filters=data.filters(),
                                      status=data.validated_data.get("status"))
        years = timeline.photo_months(photos=photos, ordering=ordering, time_zone=zone)
        months = [month for year in years for month in year.months]
        return Response({"ordering": ordering, "time_zone": str(zone), "total": sum(year.count for year in years),
                         "months": self.MonthSerializer(months, many=True).data})


class TrashApi(APIView):
    """GET: the photos in the trash, most recently trashed first. DELETE: empty the trash."""

    pagination_class = PageOrCursorPagination  # read by the schema

    @extend_schema_serializer(component_name="TrashInput")
    class InputSerializer(serializers.Serializer):
        cursor = serializers.CharField(max_length=CURSOR_MAX_LENGTH, required=False,
                                       help_text="A next_cursor/previous_cursor of an earlier answer.")

    @extend_schema(parameters=[InputSerializer], responses=PhotoOutputSerializer(many=True),
                   description=f"Photos stay in the trash for {settings.TRASH_RETENTION_DAYS} days (`purge_at`).")
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        photos = selectors.photo_list(owner=request.user, trashed=True, ordering=timeline.TRASH_ORDERING)
        if data.validated_data.get("cursor"):
            page = timeline.photo_page_list(photos=photos, ordering=timeline.TRASH_ORDERING,
                                            cursor=data.validated_data["cursor"],
                                            limit=PageOrCursorPagination().get_page_size(request))
            return keyset_response(request=request, items=page.photos, next_cursor=page.next_cursor,
                                   previous_cursor=page.previous_cursor, serializer_class=PhotoOutputSerializer)
        return paginate_with_cursors(request=request, view=self, queryset=photos, ordering=timeline.TRASH_ORDERING,
                                     field="trashed_at", serializer_class=PhotoOutputSerializer)

    @extend_schema(responses=inline_serializer("TrashEmptied", {"deleted": serializers.IntegerField()}),
                   description="Delete every photo in the trash for good, with its files and vectors.")
    def delete(self, request):
        return Response({"deleted": trash_empty(owner=request.user)})


class PhotoRestoreApi(APIView):
    @extend_schema(request=None, responses=PhotoOutputSerializer,
                   description="Bring a photo back from the trash, with its tags, albums and vectors.")
    def post(self, request, photo_id: int):
        photo = selectors.photo_get(owner=request.user, photo_id=photo_id, trashed=None)
        photos_restore(photos=[photo])
        return Response(PhotoOutputSerializer(photo, context={"request": request}).data)


class _PhotoBulkApi(APIView):
    """POST {"ids": [...]} and an action: an answer per id (imagesearch.bulk)."""

    InputSerializer = BulkIdsSerializer
    trashed: bool | None = False  # which photos the action finds: outside the trash, in it, or both

    def act(self, photos: list[Photo], data: dict) -> tuple[set[int], dict[int, str]]:
        """Do the action; return the ids done and the ids rejected with their reasons."""
        raise NotImplementedError

    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data["ids"]
        found = selectors.photos_of_owner(owner=request.user, ids=ids, trashed=self.trashed)
        done, rejected = self.act([found[i] for i in dict.fromkeys(ids) if i in found], data.validated_data)
        return Response(bulk_answer(ids, found=found, done=done, rejected=rejected))


def _bulk_schema(description: str, request=BulkIdsSerializer):
    return extend_schema(request=request, responses=BulkResultSerializer, description=description)


class PhotoBulkFavouriteApi(_PhotoBulkApi):
    @extend_schema_serializer(component_name="BulkFavouriteInput")
    class InputSerializer(BulkIdsSerializer):
        favourite = serializers.BooleanField(default=True, help_text="false: take the hearts off.")

    def act(self, photos, data):
        return photos_favourite_set(photos=photos, favourite=data["favourite"]), {}

    @_bulk_schema("Mark photos as favourites (or not, with favourite=false).", InputSerializer)
    def post(self, request):
        return super().post(request)


class PhotoBulkTrashApi(_PhotoBulkApi):
    trashed = None

    def act(self, photos, data):
        return photos_trash(photos=photos), {}

    @_bulk_schema(f"Move photos to the trash ({settings.TRASH_RETENTION_DAYS} days); unchanged if already there.")
    def post(self, request):
        return super().post(request)


class PhotoBulkRestoreApi(_PhotoBulkApi):
    trashed = None

    def act(self, photos, data):
        return photos_restore(photos=photos), {}

    @_bulk_schema("Bring photos back from the trash; unchanged for photos that are not in it.")
    def post(self, request):
        return super().post(request)


class PhotoBulkDeleteApi(_PhotoBulkApi):
    trashed = None

    def act(self, photos, data):
        photos_delete(photos=photos)
        return {photo.pk for photo in photos}, {}

    @_bulk_schema("Delete photos for good (in or out of the trash), with their files and vectors.")
    def post(self, request):
        return super().post(request)


class PhotoBulkTagApi(_PhotoBulkApi):
    @extend_schema_serializer(component_name="BulkTagInput")
    class InputSerializer(BulkIdsSerializer):
        name = serializers.CharField(max_length=TAG_NAME_MAX_LENGTH, help_text="A word or short phrase.")

        def validate_name(self, value: str) -> str:
            try:
                return clean_tag_name(value)
            except ApplicationError as exc:
                raise serializers.ValidationError(exc.message) from None

    def act(self, photos, data):
        return photos_tag_add(photos=photos, name=data["name"])

    @_bulk_schema("Add your own tag to photos (it survives re-tagging).", InputSerializer)
    def post(self, request):
        return super().post(request)


class PhotoBulkDownloadApi(APIView):
    """The photos' originals as one zip archive, streamed as it is made (no copy of it anywhere)."""

    renderer_classes = [JSONRenderer, FileRenderer]

    def handle_exception(self, exc):
        # Errors are JSON even when the client asked for a zip.
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)

    @extend_schema(request=BulkIdsSerializer, parameters=[OpenApiParameter("format", exclude=True)],
                   responses={(200, "application/zip"): bytes},
                   description="Ids that are not your photos are left out; photos in the trash are included. "
                   "An original that can't be read is named in MISSING.txt inside the archive.")
    def post(self, request):
        data = BulkIdsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data["ids"]
        found = selectors.photos_of_owner(owner=request.user, ids=ids, trashed=None)
        if not found:
            raise NotFound("None of these photos are yours.")
        return photos_zip_response([found[i] for i in dict.fromkeys(ids) if i in found])
