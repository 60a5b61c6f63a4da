"""REST API of photo search. Each view validates, calls one selector, serialises."""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from gallery.selectors import photo_get
from imagesearch.parsers import SafeJSONParser
from search.inputs import MAX_QUERY_LENGTH, parse_box
from search.selectors import photo_search
from search.selectors.words import RELATED_TAGS_SHOWN, related_words
from search.serializers import (
    SearchOptionsSerializer,
    SearchResultSerializer,
    TextSearchResultSerializer,
    result_data,
    validated_options,
)


class PhotoSimilarApi(APIView):
    @extend_schema(parameters=[SearchOptionsSerializer], responses=SearchResultSerializer)
    def get(self, request, photo_id: int):
        photo = photo_get(owner=request.user, photo_id=photo_id)
        result = photo_search.search_similar(photo=photo, options=validated_options(request.query_params))
        return Response(result_data(result, request=request, query_photo_id=photo.pk))


class TextSearchApi(APIView):
    throttle_scope = "search"  # runs the CLIP model (here, or on an ML worker)
    @extend_schema_serializer(component_name="TextSearchInput")
    class InputSerializer(SearchOptionsSerializer):
        q = serializers.CharField(max_length=MAX_QUERY_LENGTH, trim_whitespace=True,
                                  help_text="Words or a phrase, e.g. 'dog on a beach'.")
        mode = serializers.ChoiceField(choices=list(photo_search.TEXT_MODES), default="hybrid",
                                       help_text="hybrid: CLIP fused with the GloVe match of tags; clip or tags alone.")

    @extend_schema(parameters=[InputSerializer], responses=TextSearchResultSerializer)
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        text = data.validated_data["q"]
        result = photo_search.search_text(owner=request.user, text=text, options=data.options(),
                                          mode=data.validated_data["mode"])
        _, related = related_words(word=text, limit=RELATED_TAGS_SHOWN, owner=request.user)
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
            return parse_box(value)
        return value


class RegionSearchApi(APIView):
    throttle_scope = "search"  # runs the CLIP model (here, or on an ML worker)
    parser_classes = [SafeJSONParser, FormParser, MultiPartParser]

    @extend_schema_serializer(component_name="RegionSearchInput")
    class InputSerializer(SearchOptionsSerializer):
        photo_id = serializers.IntegerField(min_value=1)
        box = BoxField()

    @extend_schema(request=InputSerializer, responses=SearchResultSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = photo_get(owner=request.user, photo_id=data.validated_data["photo_id"])
        result = photo_search.search_region(photo=photo, box=data.validated_data["box"], options=data.options())
        return Response(result_data(result, request=request, query_photo_id=photo.pk, box=data.validated_data["box"]))


class ImageSearchApi(APIView):
    throttle_scope = "search"  # runs the CLIP model (here, or on an ML worker)
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
        result = photo_search.search_image(owner=request.user, file=upload, size=upload.size,
                                           box=data.validated_data.get("box"), options=data.options())
        return Response(result_data(result, request=request))
