"""REST API of the gallery (mobile apps and the browser's upload script)."""

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from gallery import images, selectors, timeline
from gallery.models import Photo
from gallery.serializers import PhotoDetailOutputSerializer, PhotoFiltersSerializer, PhotoOutputSerializer
from gallery.services import uploads
from gallery.services.favourites import photos_favourite_set
from gallery.services.trash import photos_delete, photos_trash
from imagesearch import media_storage
from imagesearch.exceptions import NotFound
from imagesearch.keyset import CURSOR_MAX_LENGTH
from imagesearch.pagination import PageOrCursorPagination, keyset_response, paginate_with_cursors
from imagesearch.renderers import FileRenderer


class PhotoCollectionApi(APIView):
    """GET: list the user's photos. POST: upload one or several image files."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = {"POST": "upload"}  # uploads have a stricter limit of their own (imagesearch/throttling.py)

    @property
    def pagination_class(self):
        """Read by the schema only (`get` paginates with `paginate`): the GET list is a page object;
        the upload's per-file results are a plain array."""
        request = getattr(self, "request", None)
        return PageOrCursorPagination if request is not None and request.method == "GET" else None

    class FilterSerializer(PhotoFiltersSerializer):
        status = serializers.ChoiceField(choices=Photo.Status.choices, required=False)
        ids = serializers.RegexField(r"^\d+(,\d+){0,199}$", required=False,
                                     help_text="Comma-separated photo ids (at most 200).")
        ordering = serializers.ChoiceField(
            choices=list(timeline.ORDERINGS), default="-created_at",
            help_text="-created_at: newest added first (the default); -taken_at: the timeline, newest taken first "
            "(the date taken, else the date added); taken_at / created_at: oldest first.")
        cursor = serializers.CharField(max_length=CURSOR_MAX_LENGTH, required=False,
                                       help_text="A `next_cursor`/`previous_cursor` of an earlier answer (or a month's "
                                       "cursor from /photos/months/): a keyset page there, without counting (`count` "
                                       "is null). Without it, pages are numbered (`page`).")

    class UploadInputSerializer(serializers.Serializer):
        files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), allow_empty=False,
                                      help_text=f"One or more image files: {images.ACCEPTED_DESCRIPTION}, decided by "
                                      "content, not by name (repeat the `files` field).")

    class UploadResultSerializer(serializers.Serializer):
        filename = serializers.CharField()
        result = serializers.ChoiceField(choices=["added", "duplicate", "rejected"])
        error = serializers.CharField(allow_blank=True)
        photo = PhotoOutputSerializer(allow_null=True)

    @extend_schema(parameters=[FilterSerializer], responses=PhotoOutputSerializer(many=True),
                   description="The user's photos outside the trash. Page numbers by default; pass a cursor "
                   "(`next_cursor` of any answer) for keyset pages, as fast deep in the past as at the start.")
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params, context={"request": request})
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        ids, ordering = data.get("ids"), data["ordering"]
        photos = selectors.photo_list(owner=request.user, status=data.get("status"),
                                      ids=[int(i) for i in ids.split(",")] if ids else None,
                                      filters=filters.filters(), ordering=ordering)
        field, _ = timeline.ordering_field(ordering)
        if data.get("cursor"):
            page = timeline.photo_page_list(photos=photos, ordering=ordering, cursor=data["cursor"],
                                            limit=PageOrCursorPagination().get_page_size(request))
            return keyset_response(request=request, items=page.photos, next_cursor=page.next_cursor,
                                   previous_cursor=page.previous_cursor, serializer_class=PhotoOutputSerializer)
        return paginate_with_cursors(request=request, view=self, queryset=photos, ordering=ordering, field=field,
                                     serializer_class=PhotoOutputSerializer)

    @extend_schema(
        request={"multipart/form-data": UploadInputSerializer},
        responses={201: UploadResultSerializer(many=True), 200: UploadResultSerializer(many=True),
                   # drf-spectacular documents `many=True` as an array on 2xx only; this is that array.
                   400: {"type": "array", "items": {"$ref": "#/components/schemas/UploadResult"}}},
        description="Each file gets its own result: `added`, `duplicate` (the same bytes are already in the "
        "gallery; the existing photo is returned) or `rejected` with the reason. 201 if any file was added, "
        "200 if none was added but some were already there, 400 if every file was rejected.",
    )
    def post(self, request):
        files = request.FILES.getlist("files") or request.FILES.getlist("file")
        outcomes = uploads.photos_upload(owner=request.user, files=files)
        body = self.UploadResultSerializer(
            [{"filename": o.filename, "result": o.result, "error": o.error, "photo": o.photo} for o in outcomes],
            many=True, context={"request": request},
        ).data
        if any(o.result == "added" for o in outcomes):
            code = status.HTTP_201_CREATED
        elif any(o.result == "duplicate" for o in outcomes):
            code = status.HTTP_200_OK
        else:
            code = status.HTTP_400_BAD_REQUEST
        return Response(body, status=code)


class PhotoDetailApi(APIView):
    """GET: one photo (404 for a photo in the trash: see /trash/). PATCH: its heart. DELETE: move it
    to the trash, or with `permanent=true` delete it for good."""

    class UpdateInputSerializer(serializers.Serializer):
        favourite = serializers.BooleanField(required=False, help_text="The heart: a favourite or not.")

        def validate(self, attrs):
            if not attrs:
                raise serializers.ValidationError("Send a field to change: favourite.")
            return attrs

    class DeleteInputSerializer(serializers.Serializer):
        permanent = serializers.BooleanField(default=False, help_text="true: delete for good (also from the trash), "
                                             "with its files and vectors; false: move to the trash.")

    @extend_schema(responses=PhotoDetailOutputSerializer)
    def get(self, request, photo_id: int):
        photo = selectors.photo_get(owner=request.user, photo_id=photo_id)
        return Response(PhotoDetailOutputSerializer(photo, context={"request": request}).data)

    @extend_schema(request=UpdateInputSerializer, responses=PhotoDetailOutputSerializer)
    def patch(self, request, photo_id: int):
        data = self.UpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = selectors.photo_get(owner=request.user, photo_id=photo_id)
        photos_favourite_set(photos=[photo], favourite=data.validated_data["favourite"])
        return Response(PhotoDetailOutputSerializer(photo, context={"request": request}).data)

    @extend_schema(parameters=[DeleteInputSerializer], responses={204: None},
                   description=f"Moves the photo to the trash for {settings.TRASH_RETENTION_DAYS} days (restore it with "
                   "POST /photos/{id}/restore/); `permanent=true` deletes it for good, in or out of the trash.")
    def delete(self, request, photo_id: int):
        data = self.DeleteInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        if data.validated_data["permanent"]:
            photos_delete(photos=[selectors.photo_get(owner=request.user, photo_id=photo_id, trashed=None)])
        else:
            photo = selectors.photo_get(owner=request.user, photo_id=photo_id, trashed=None)
            photos_trash(photos=[photo])  # a photo already in the trash stays there as it is
        return Response(status=status.HTTP_204_NO_CONTENT)


FILE_RESPONSES = {
    (200, "image/*"): bytes,
    302: OpenApiResponse(description="With media in a bucket (MEDIA_STORAGE=s3): Location is a presigned URL "
                         "of the file, valid MEDIA_URL_EXPIRY_SECONDS (300 s by default)."),
}


class _PhotoFileApi(APIView):
    """Media is private: files are streamed only to their owner (session or token)."""

    field_name = ""
    renderer_classes = [JSONRenderer, FileRenderer]

    def handle_exception(self, exc):
        # Errors are JSON even when the client asked for an image (an <img> tag's Accept header).
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)

    # `format` (DRF's renderer override) is not part of the API: the file is the file.
    @extend_schema(parameters=[OpenApiParameter("format", exclude=True)], responses=FILE_RESPONSES)
    def get(self, request, photo_id: int):
        # Also in the trash: its page shows it, and it can still be downloaded before it goes.
        photo = selectors.photo_get(owner=request.user, photo_id=photo_id, trashed=None)
        if redirect := self.redirect(photo):
            return redirect
        try:
            handle = self.open(photo)
        except FileNotFoundError:
            raise NotFound("The file is missing from storage.") from None
        response = FileResponse(handle, content_type=self.content_type(photo))
        response["Cache-Control"] = "private, max-age=86400"
        response["X-Content-Type-Options"] = "nosniff"
        # Opened on its own, an image is a document the browser styles inline; it can run no script.
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
        for name, value in self.extra_headers(photo).items():
            response[name] = value
        return response

    def extra_headers(self, photo: Photo) -> dict[str, str]:
        return {}

    def redirect(self, photo: Photo):
        """In a bucket: a redirect to a short-lived presigned URL of the file (the owner was checked)."""
        field = getattr(photo, self.field_name)
        if not field:
            return None  # `open` says why
        return media_storage.presigned_redirect(
            field.storage, field.name, content_type=self.content_type(photo),
            disposition=self.extra_headers(photo).get("Content-Disposition", ""))

    def open(self, photo: Photo):
        field = getattr(photo, self.field_name)
        if not field:
            raise NotFound(f"The {self.field_name} is not ready yet.")
        return field.open("rb")

    def content_type(self, photo: Photo) -> str:
        return "image/jpeg"


def _disposition(kind: str, filename: str) -> str:
    return f"{kind}; filename*=UTF-8''{quote(filename)}"


class PhotoOriginalApi(_PhotoFileApi):
    """The file as uploaded (or where an in-place import found it)."""

    field_name = "original"

    def redirect(self, photo: Photo):
        return None if photo.external_path else super().redirect(photo)  # in place: a local file

    def open(self, photo: Photo):
        return photo.open_original()

    def content_type(self, photo: Photo) -> str:
        return photo.content_type

    # The page's "Download original" asks for an attachment: a link's `download` attribute does
    # nothing once the file comes from another origin (a bucket's presigned URL).
    @extend_schema(parameters=[OpenApiParameter("format", exclude=True), OpenApiParameter(
        "download", bool, description="true: served as an attachment (saved) rather than inline.")],
        responses=FILE_RESPONSES)
    def get(self, request, photo_id: int):
        try:  # "maybe" is a 400, not inline
            self.as_attachment = serializers.BooleanField().run_validation(request.query_params.get("download", False))
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"download": exc.detail}) from None
        return super().get(request, photo_id)

    def extra_headers(self, photo: Photo) -> dict[str, str]:
        kind = "attachment" if self.as_attachment else "inline"
        return {"Content-Disposition": _disposition(kind, photo.original_name)}


class PhotoThumbnailApi(_PhotoFileApi):
    field_name = "thumbnail"


class PhotoPreviewApi(_PhotoFileApi):
    """Display size (long side 2,048 px), sRGB JPEG: what the photo page shows."""

    field_name = "preview"
