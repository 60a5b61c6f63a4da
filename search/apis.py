"""REST API of the search features. Each view validates, calls one selector, serialises."""


from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from gallery import selectors as gallery_selectors
from imagesearch.parsers import SafeJSONParser
from search import clip, selectors, tag_selectors
from search.serializers import (ScoredPhotoSerializer, SearchOptionsSerializer, SearchResultSerializer,
                                TextSearchResultSerializer, result_data, validated_options)

RELATED_TAGS_SHOWN = 8


class StatusApi(APIView):
    """The active CLIP model and the user's processing counts (for clients showing progress)."""

    @extend_schema(responses=inline_serializer("Status", {
        "model": serializers.CharField(),
        "configured_model": serializers.CharField(),
        "offline_fallback": serializers.BooleanField(),
        "fallback_reason": serializers.CharField(),
        "photos": serializers.DictField(child=serializers.IntegerField()),
    }))
    def get(self, request):
        resolution = clip.resolve()
        return Response({
            "model": resolution.spec.key,
            "configured_model": resolution.configured.key,
            "offline_fallback": resolution.is_fallback,
            "fallback_reason": resolution.fallback_reason,
            "photos": gallery_selectors.photo_status_counts(owner=request.user),
        })


class PhotoSimilarApi(APIView):
    @extend_schema(parameters=[SearchOptionsSerializer], responses=SearchResultSerializer)
    def get(self, request, photo_id: int):
        photo, result = selectors.search_similar(owner=request.user, photo_id=photo_id,
                                                 options=validated_options(request.query_params))
        return Response(result_data(result, request=request, query_photo_id=photo.pk))


class TextSearchApi(APIView):
    @extend_schema_serializer(component_name="TextSearchInput")
    class InputSerializer(SearchOptionsSerializer):
        q = serializers.CharField(max_length=selectors.MAX_QUERY_LENGTH, trim_whitespace=True,
                                  help_text="Words or a phrase, e.g. 'dog on a beach'.")
        mode = serializers.ChoiceField(choices=list(selectors.TEXT_MODES), default="hybrid",
                                       help_text="hybrid: CLIP fused with the GloVe match of tags; clip or tags alone.")

    @extend_schema(parameters=[InputSerializer], responses=TextSearchResultSerializer)
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        text = data.validated_data["q"]
        result = selectors.search_text(owner=request.user, text=text, options=data.options(),
                                       mode=data.validated_data["mode"])
        _, related = tag_selectors.related_words(word=text, limit=RELATED_TAGS_SHOWN, owner=request.user)
        return Response(result_data(result, request=request, query=text, mode=data.validated_data["mode"],
                                    related_tags=[{"name": r.word, "photos": r.photos} for r in related]))


class BoxField(serializers.ListField):
    """[x0, y0, x1, y1] as fractions of width and height; in forms also "x0,y0,x1,y1"."""

    child = serializers.FloatField()

    def __init__(self, **kwargs):
        super().__init__(min_length=4, max_length=4, **kwargs)

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist") and len(dictionary.getlist(self.field_name)) > 1:
            return dictionary.getlist(self.field_name)  # box=0.1&box=0.1&box=0.6&box=0.6
        value = dictionary.get(self.field_name, serializers.empty)
        if isinstance(value, str):
            return selectors.parse_box(value)
        return value


class RegionSearchApi(APIView):
    parser_classes = [SafeJSONParser, FormParser, MultiPartParser]

    @extend_schema_serializer(component_name="RegionSearchInput")
    class InputSerializer(SearchOptionsSerializer):
        photo_id = serializers.IntegerField(min_value=1)
        box = BoxField()

    @extend_schema(request=InputSerializer, responses=SearchResultSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo, result = selectors.search_region(owner=request.user, photo_id=data.validated_data["photo_id"],
                                                box=data.validated_data["box"], options=data.options())
        return Response(result_data(result, request=request, query_photo_id=photo.pk, box=data.validated_data["box"]))


class ImageSearchApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="ImageSearchInput")
    class InputSerializer(SearchOptionsSerializer):
        file = serializers.FileField(allow_empty_file=True, help_text="An image to search by; it is not stored.")
        box = BoxField(required=False, help_text="Optional crop: x0,y0,x1,y1 in 0..1.")

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses=SearchResultSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        result = selectors.search_image(owner=request.user, file=upload, size=upload.size,
                                        box=data.validated_data.get("box"), options=data.options())
        return Response(result_data(result, request=request))


class DuplicatesApi(APIView):
    @extend_schema_serializer(component_name="DuplicatesInput")
    class InputSerializer(serializers.Serializer):
        max_distance = serializers.FloatField(min_value=0.0, max_value=selectors.MAX_DUPLICATE_DISTANCE,
                                              default=settings.NEAR_DUPLICATE_MAX_DISTANCE)

    @extend_schema(parameters=[InputSerializer], responses=inline_serializer("DuplicateGroups", {
        "max_distance": serializers.FloatField(),
        "groups": serializers.ListField(child=ScoredPhotoSerializer(many=True)),
    }))
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        max_distance = data.validated_data["max_distance"]
        groups = selectors.near_duplicate_groups(owner=request.user, max_distance=max_distance)
        return Response({
            "max_distance": max_distance,
            "groups": [ScoredPhotoSerializer(group, many=True, context={"request": request}).data for group in groups],
        })


class ReindexApi(APIView):
    """Staff: progress of re-embedding the gallery with the active model; POST starts it."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses=inline_serializer("ReindexProgress", {
        "model": serializers.CharField(), "ready_photos": serializers.IntegerField(),
        "indexed": serializers.IntegerField(), "missing": serializers.IntegerField(),
        "job": serializers.DictField(allow_null=True),
    }))
    def get(self, request):
        from search import services

        return Response(services.reindex_progress(model=services.active_embedding_model()))

    @extend_schema(request=None, responses={202: inline_serializer("ReindexQueued", {"job": serializers.IntegerField()})})
    def post(self, request):
        from search import services

        job = services.reindex_queue()
        return Response({"job": job.pk}, status=202)
