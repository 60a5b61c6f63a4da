"""REST API of albums: list and create, read, rename, describe, choose a cover, delete; the
album's photos (page numbers or a cursor, as /photos/); add and remove photos (an answer per id)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from albums import selectors, services
from albums.models import ALBUM_DESCRIPTION_MAX_LENGTH, ALBUM_NAME_MAX_LENGTH
from albums.selectors import AlbumSummary
from gallery import timeline
from gallery.selectors import photo_get, photos_of_owner
from gallery.serializers import PhotoOutputSerializer
from imagesearch.bulk import BulkIdsSerializer, BulkResultSerializer, bulk_answer
from imagesearch.exceptions import ApplicationError
from imagesearch.keyset import CURSOR_MAX_LENGTH
from imagesearch.pagination import PageOrCursorPagination, keyset_response, paginate_with_cursors


class AlbumOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="album.pk")
    name = serializers.CharField(source="album.name")
    description = serializers.CharField(source="album.description")
    photo_count = serializers.IntegerField(source="photos", help_text="Photos in it, outside the trash.")
    cover_photo_id = serializers.SerializerMethodField(help_text="The chosen cover, else the newest photo.")
    cover_chosen = serializers.SerializerMethodField(help_text="Whether the cover was chosen (else it follows "
                                                     "the newest photo).")
    cover_thumbnail_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(source="album.created_at")
    updated_at = serializers.DateTimeField(source="album.updated_at")

    def get_cover_photo_id(self, summary: AlbumSummary) -> int | None:
        return summary.cover.pk if summary.cover else None

    def get_cover_chosen(self, summary: AlbumSummary) -> bool:
        return summary.album.cover_id is not None

    def get_cover_thumbnail_url(self, summary: AlbumSummary) -> str | None:
        if not summary.cover or not summary.cover.thumbnail:
            return None
        path = reverse("api:photo-thumbnail", kwargs={"photo_id": summary.cover.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


def _album_data(summary: AlbumSummary, request) -> dict:
    return AlbumOutputSerializer(summary, context={"request": request}).data


class AlbumCollectionApi(APIView):
    """GET: the user's albums, most recently changed first. POST: create one."""

    @extend_schema_serializer(component_name="AlbumCreateInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=ALBUM_NAME_MAX_LENGTH)
        description = serializers.CharField(max_length=ALBUM_DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True)

    @extend_schema(responses=AlbumOutputSerializer(many=True))
    def get(self, request):
        return Response(AlbumOutputSerializer(selectors.album_list(owner=request.user), many=True,
                                              context={"request": request}).data)

    @extend_schema(request=InputSerializer, responses={201: AlbumOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        album = services.album_create(owner=request.user, name=data.validated_data["name"],
                                      description=data.validated_data.get("description", ""))
        return Response(_album_data(selectors.album_summary(album=album), request), status=status.HTTP_201_CREATED)


class AlbumDetailApi(APIView):
    """GET: one album. PATCH: rename, describe, choose the cover. DELETE: the album (its photos stay)."""

    @extend_schema_serializer(component_name="AlbumUpdateInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=ALBUM_NAME_MAX_LENGTH, required=False)
        description = serializers.CharField(max_length=ALBUM_DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True)
        cover_photo_id = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                                  help_text="A photo in the album; null: the newest photo again.")

        def validate(self, attrs):
            if not attrs:
                raise serializers.ValidationError("Send a field to change: name, description or cover_photo_id.")
            return attrs

    @extend_schema(responses=AlbumOutputSerializer)
    def get(self, request, album_id: int):
        album = selectors.album_get(owner=request.user, album_id=album_id)
        return Response(_album_data(selectors.album_summary(album=album), request))

    @extend_schema(request=InputSerializer, responses=AlbumOutputSerializer)
    def patch(self, request, album_id: int):
        album = selectors.album_get(owner=request.user, album_id=album_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "cover_photo_id" in changes:
            cover_id = changes.pop("cover_photo_id")
            cover = None if cover_id is None else photos_of_owner(owner=request.user, ids=[cover_id]).get(cover_id)
            if cover_id is not None and cover is None:
                raise ApplicationError("The cover must be a photo in the album.", field="cover_photo_id")
            changes["cover"] = cover
        services.album_update(album=album, **changes)
        return Response(_album_data(selectors.album_summary(album=album), request))

    @extend_schema(responses={204: None}, description="Delete the album; its photos stay in your library.")
    def delete(self, request, album_id: int):
        services.album_delete(album=selectors.album_get(owner=request.user, album_id=album_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlbumPhotosApi(APIView):
    """GET: the album's photos (outside the trash). POST {"ids": [...]}: add photos, an answer per id."""

    @property
    def pagination_class(self):
        """Read by the schema only: the GET list is a page object; the POST answers per id."""
        request = getattr(self, "request", None)
        return PageOrCursorPagination if request is not None and request.method == "GET" else None

    @extend_schema_serializer(component_name="AlbumPhotosInput")
    class FilterSerializer(serializers.Serializer):
        ordering = serializers.ChoiceField(choices=list(timeline.ORDERINGS), default="-taken_at")
        cursor = serializers.CharField(max_length=CURSOR_MAX_LENGTH, required=False)

    @extend_schema(parameters=[FilterSerializer], responses=PhotoOutputSerializer(many=True))
    def get(self, request, album_id: int):
        album = selectors.album_get(owner=request.user, album_id=album_id)
        data = self.FilterSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        ordering = data.validated_data["ordering"]
        photos = selectors.album_photos(album=album, ordering=ordering)
        if data.validated_data.get("cursor"):
            page = timeline.photo_page_list(photos=photos, ordering=ordering, cursor=data.validated_data["cursor"],
                                            limit=PageOrCursorPagination().get_page_size(request))
            return keyset_response(request=request, items=page.photos, next_cursor=page.next_cursor,
                                   previous_cursor=page.previous_cursor, serializer_class=PhotoOutputSerializer)
        field, _ = timeline.ordering_field(ordering)
        return paginate_with_cursors(request=request, view=self, queryset=photos, ordering=ordering, field=field,
                                     serializer_class=PhotoOutputSerializer)

    @extend_schema(request=BulkIdsSerializer, responses=BulkResultSerializer,
                   description="Add your photos (outside the trash) to the album; unchanged if already in it.")
    def post(self, request, album_id: int):
        album = selectors.album_get(owner=request.user, album_id=album_id)
        data = BulkIdsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data["ids"]
        found = photos_of_owner(owner=request.user, ids=ids)
        added = services.album_photos_add(album=album, photos=list(found.values()))
        return Response(bulk_answer(ids, found=found, done=added))


class AlbumPhotosRemoveApi(APIView):
    @extend_schema(request=BulkIdsSerializer, responses=BulkResultSerializer,
                   description="Take photos out of the album (they stay in your library); not_found for photos "
                   "that are not in it.")
    def post(self, request, album_id: int):
        album = selectors.album_get(owner=request.user, album_id=album_id)
        data = BulkIdsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data["ids"]
        found = photos_of_owner(owner=request.user, ids=ids, trashed=None)
        removed = services.album_photos_remove(album=album, photos=list(found.values()))
        return Response(bulk_answer(ids, found=removed, done=removed, not_found_detail="Not in this album."))


class PhotoAlbumsApi(APIView):
    @extend_schema(responses=AlbumOutputSerializer(many=True), description="The albums this photo is in.")
    def get(self, request, photo_id: int):
        photo = photo_get(owner=request.user, photo_id=photo_id, trashed=None)
        return Response(AlbumOutputSerializer(selectors.albums_of_photo(photo=photo), many=True,
                                              context={"request": request}).data)
