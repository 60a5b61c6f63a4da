"""REST API of words: GloVe words related to a word, in general or among the gallery's tags."""

from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from search.selectors.words import MAX_RELATED, related_words


class RelatedWordSerializer(serializers.Serializer):
    word = serializers.CharField()
    similarity = serializers.FloatField(help_text="GloVe cosine similarity.")
    photos = serializers.IntegerField(allow_null=True, help_text="With in_gallery: photos carrying this tag.")


class RelatedWordsApi(APIView):
    """The GloVe words nearest in meaning to a word or short phrase; with `in_gallery=true`, only
    tags present in your gallery, with their photo counts."""

    @extend_schema_serializer(component_name="RelatedWordsInput")
    class InputSerializer(serializers.Serializer):
        limit = serializers.IntegerField(min_value=1, max_value=MAX_RELATED, default=10)
        in_gallery = serializers.BooleanField(default=False)

    @extend_schema(parameters=[InputSerializer], responses=inline_serializer("RelatedWords", {
        "word": serializers.CharField(),
        "known_words": serializers.ListField(child=serializers.CharField()),
        "unknown_words": serializers.ListField(child=serializers.CharField()),
        "related": RelatedWordSerializer(many=True),
        "message": serializers.CharField(help_text="Why the list is empty, when GloVe knows none of the words."),
    }))
    def get(self, request, word: str):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        query, related = related_words(word=word[:200], limit=data.validated_data["limit"],
                                                     owner=request.user if data.validated_data["in_gallery"] else None)
        message = "" if query.vector is not None else f"GloVe does not know {word[:200]!r}, so nothing is related to it."
        return Response({"word": word[:200], "known_words": list(query.known), "unknown_words": list(query.unknown),
                         "related": RelatedWordSerializer(related, many=True).data, "message": message})
