"""REST API of "more like these": several of the user's photos together, optionally plus words.
(A photo or an uploaded image plus words, and words minus words, are parameters of the similar,
image and word searches in search/apis/search.py.)"""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from search import combine
from search.apis.search import WordsThrottleMixin, weight_field, words_field
from search.selectors import combined
from search.serializers import (
    CombinedSearchResultSerializer,
    CommaListField,
    SearchOptionsSerializer,
    combined_result_data,
)


class PhotosLikeApi(WordsThrottleMixin, APIView):
    """More like these: photos like several of yours together (the centre of their vectors), best
    first; the chosen photos are left out. With `q`, moved toward the words. A photo that is not
    yours is a 404; one still being processed a 400 naming it."""

    @extend_schema_serializer(component_name="PhotosLikeInput")
    class InputSerializer(SearchOptionsSerializer):
        photo_ids = CommaListField(
            child=serializers.IntegerField(min_value=1), min_length=1, max_length=combined.MAX_LIKE_PHOTOS,
            help_text=f"The photos to search by together (at most {combined.MAX_LIKE_PHOTOS}): "
                      "photo_ids=1,2,3 or repeated. They are left out of the results.",
            error_messages={"min_length": "Choose at least one photo.",
                            "max_length": f"Choose at most {combined.MAX_LIKE_PHOTOS} photos."})
        q = words_field(help_text="Words to move the results toward.")
        weight = weight_field(combine.WORDS_WEIGHT, help_text="How strongly the words count against the photos.")

    @extend_schema(parameters=[InputSerializer], responses=CombinedSearchResultSerializer)
    def get(self, request):
        data = self.InputSerializer(data=request.query_params, context={"request": request})
        data.is_valid(raise_exception=True)
        photos = combined.photos_of_user(owner=request.user, ids=data.validated_data["photo_ids"])
        result = combined.search_like_photos(photos=photos, words=data.validated_data.get("q", ""),
                                             weight=data.validated_data["weight"], options=data.options())
        return Response(combined_result_data(result, request=request))
