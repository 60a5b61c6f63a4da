"""REST API of photo search. Each view validates, calls one selector, serialises."""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from gallery.selectors import photo_get
from imagesearch.parsers import SafeJSONParser
from search import combine
from search.inputs import MAX_QUERY_LENGTH, parse_box
from search.query_syntax import ParsedQuery, parse_query
from search.selectors import combined, photo_search
from search.selectors.words import RELATED_TAGS_SHOWN, related_words
from search.serializers import (
    CombinedSearchResultSerializer,
    CommaListField,
    SearchOptionsSerializer,
    SearchResultSerializer,
    TextSearchResultSerializer,
    combined_result_data,
    result_data,
)


def words_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=MAX_QUERY_LENGTH, required=False, allow_blank=True, trim_whitespace=True,
                                 **kwargs)


def weight_field(default: float, **kwargs) -> serializers.FloatField:
    return serializers.FloatField(min_value=combine.MIN_WEIGHT, max_value=combine.MAX_WEIGHT, default=default,
                                  **kwargs)


class WordsThrottleMixin:
    # Plain vector searches skip the search limit; adding words runs CLIP's text encoder.

    @property
    def throttle_scope(self):
        return "search" if self.request.query_params.get("q", "").strip() else None


class PhotoSimilarApi(WordsThrottleMixin, APIView):
    """Photos like one of yours (it is left out). With `q`, moved toward the words: "this photo,
    but at night" (the photo's vector plus the words' vector at `weight`; `combined` says so)."""

    @extend_schema_serializer(component_name="PhotoSimilarInput")
    class InputSerializer(SearchOptionsSerializer):
        q = words_field(help_text="Words to move the results toward: 'this photo, but at night'.")
        weight = weight_field(combine.WORDS_WEIGHT, help_text="How strongly the words count against the photo.")

    @extend_schema(parameters=[InputSerializer], responses=CombinedSearchResultSerializer)
    def get(self, request, photo_id: int):
        data = self.InputSerializer(data=request.query_params, context={"request": request})
        data.is_valid(raise_exception=True)
        photo = photo_get(owner=request.user, photo_id=photo_id)
        if data.validated_data.get("q"):
            result = combined.search_similar_with_words(photo=photo, words=data.validated_data["q"],
                                                        weight=data.validated_data["weight"], options=data.options())
        else:
            result = photo_search.search_similar(photo=photo, options=data.options())
        return Response(combined_result_data(result, request=request, query_photo_id=photo.pk))


class TextSearchApi(APIView):
    throttle_scope = "search"  # runs the CLIP model (here, or on an ML worker)
    @extend_schema_serializer(component_name="TextSearchInput")
    class InputSerializer(SearchOptionsSerializer):
        q = serializers.CharField(max_length=MAX_QUERY_LENGTH, trim_whitespace=True,
                                  help_text="Words or a phrase, e.g. 'dog on a beach', with the search box's "
                                  "filters if `syntax` is true: beach in:\"Summer 2024\" after:2023-06 before:2024 "
                                  "camera:iphone place:lisbon tag:dog is:favourite type:heic has:text -people. "
                                  "A filter parameter given as well wins over the same filter typed in q.")
        syntax = serializers.BooleanField(default=True, help_text="false: q is words only (a colon is just a colon).")
        mode = serializers.ChoiceField(choices=list(photo_search.TEXT_MODES), default="hybrid",
                                       help_text="hybrid: CLIP fused with the GloVe match of tags and the text read in "
                                                 "photos; clip, tags or text alone.")
        without = CommaListField(child=serializers.CharField(max_length=MAX_QUERY_LENGTH), required=False,
                                 help_text="Words to leave out ('beach' without 'people'): without=people,cars or "
                                           "repeated. A `-word` in q counts too. Searches by CLIP alone.")
        without_weight = weight_field(combine.WITHOUT_WEIGHT, help_text="How strongly the left-out words push away.")

    @extend_schema(parameters=[InputSerializer], responses=TextSearchResultSerializer)
    def get(self, request):
        data = self.InputSerializer(data=request.query_params, context={"request": request})
        data.is_valid(raise_exception=True)
        text = data.validated_data["q"]
        parsed = parse_query(text) if data.validated_data["syntax"] else ParsedQuery(words=text)
        if parsed.errors:
            raise serializers.ValidationError({"q": list(parsed.errors)})
        if not parsed.words.strip():
            raise serializers.ValidationError({"q": [
                "Type what to search for, not only what to leave out." if parsed.negative_terms else
                "Type words to search for; filters alone are a photo list: GET /api/photos/ takes the same filters."]})
        options = data.options(base=parsed.filters, album_name=parsed.album_name)
        # `-people` typed in q: the words' vector moved away from "people" (and photos tagged
        # "people" left out by the filters, see search.query_syntax).
        result = combined.search_words_without(owner=request.user, text=parsed.words, options=options,
                                               without=[*data.validated_data.get("without", []),
                                                        *parsed.negative_terms],
                                               weight=data.validated_data["without_weight"],
                                               mode=data.validated_data["mode"])
        _, related = related_words(word=parsed.words, limit=RELATED_TAGS_SHOWN, owner=request.user)
        return Response(combined_result_data(result, request=request, query=text, words=parsed.words,
                                             negative_terms=list(parsed.negative_terms),
                                             mode=data.validated_data["mode"],
                                             related_tags=[{"name": r.word, "photos": r.photos} for r in related],
                                             low_confidence=result.low_confidence, message=result.message))



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
        data = self.InputSerializer(data=request.data, context={"request": request})
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
        q = words_field(help_text="Words to move the results toward: 'this image, but at night'.")
        weight = weight_field(combine.WORDS_WEIGHT, help_text="How strongly the words count against the image.")

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses=CombinedSearchResultSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if data.validated_data.get("q"):
            vector = photo_search.image_query_vector(file=upload, size=upload.size, box=data.validated_data.get("box"))
            result = combined.search_image_with_words(owner=request.user, image_vector=vector, image_name=upload.name,
                                                      words=data.validated_data["q"],
                                                      weight=data.validated_data["weight"], options=data.options())
        else:
            result = photo_search.search_image(owner=request.user, file=upload, size=upload.size,
                                               box=data.validated_data.get("box"), options=data.options())
        return Response(combined_result_data(result, request=request))
