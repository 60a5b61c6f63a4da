"""Shared input and output shapes of the search API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gallery.serializers import PhotoFiltersSerializer, PhotoOutputSerializer, filters_data
from search import vectors
from search.selectors.photo_search import SearchOptions, SearchResult


class SearchOptionsSerializer(PhotoFiltersSerializer):
    """Paging, cutoff and metric, and the filters (every mode searches among the photos that pass them)."""

    limit = serializers.IntegerField(min_value=1, max_value=100, default=30)
    offset = serializers.IntegerField(min_value=0, max_value=10_000, default=0)
    min_score = serializers.FloatField(min_value=-1.0, max_value=1.0, required=False, allow_null=True,
                                       help_text="Leave out results scoring below this (cosine: similarity).")
    metric = serializers.ChoiceField(choices=list(vectors.METRICS), default="cosine",
                                     help_text="cosine uses the HNSW index; the others scan the gallery exactly.")

    def options(self, **filter_base) -> SearchOptions:
        """`filter_base`: PhotoFiltersSerializer.filters' base and album_name (the search box's syntax)."""
        data = self.validated_data
        return SearchOptions(limit=data["limit"], offset=data["offset"], min_score=data.get("min_score"),
                             metric=data["metric"], filters=self.filters(**filter_base))


class CommaListField(serializers.ListField):
    """A list from a query string: repeated (without=a&without=b) or comma-separated (without=a,b)."""

    def get_value(self, dictionary):
        if not hasattr(dictionary, "getlist") or self.field_name not in dictionary:
            return super().get_value(dictionary)
        return [part.strip() for value in dictionary.getlist(self.field_name) for part in str(value).split(",")
                if part.strip()]


class MatchedTagSerializer(serializers.Serializer):
    name = serializers.CharField()
    similarity = serializers.FloatField(help_text="GloVe cosine similarity between the tag and the words.")


class MatchedTextSerializer(serializers.Serializer):
    snippet = serializers.CharField(help_text="The lines of text read in the photo that matched (joined by ' · ').")
    highlights = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField(), min_length=2,
                                                                   max_length=2),
                                       help_text="[start, end) character ranges of the snippet that match the words.")


class ScoredPhotoSerializer(serializers.Serializer):
    score = serializers.FloatField()
    photo = PhotoOutputSerializer()
    matched_tags = serializers.SerializerMethodField(help_text="Text search: the photo's tags that matched the words.")

    matched_text = serializers.SerializerMethodField(
        help_text="Text search: the text read in the photo that matched the words (null: none did).")

    @extend_schema_field(MatchedTextSerializer(allow_null=True))
    def get_matched_text(self, item) -> dict | None:
        matched = getattr(item, "matched_text", None)
        return None if matched is None else {"snippet": matched.snippet,
                                             "highlights": [list(span) for span in matched.highlights]}

    @extend_schema_field(MatchedTagSerializer(many=True))
    def get_matched_tags(self, item) -> list[dict]:
        return [{"name": name, "similarity": similarity} for name, similarity in getattr(item, "matched_tags", ())]


class AppliedFiltersSerializer(serializers.Serializer):
    taken_after = serializers.DateField(required=False)
    taken_before = serializers.DateField(required=False)
    album = serializers.IntegerField(required=False)
    tag = serializers.ListField(child=serializers.CharField(), required=False)
    exclude_tag = serializers.ListField(child=serializers.CharField(), required=False)
    favourite = serializers.BooleanField(required=False)
    camera = serializers.CharField(required=False)
    place = serializers.CharField(required=False)
    type = serializers.ListField(child=serializers.CharField(), required=False)
    has_text = serializers.BooleanField(required=False)


class SearchResultSerializer(serializers.Serializer):
    model = serializers.CharField(source="model_key")
    metric = serializers.CharField(source="options.metric")
    filters = serializers.SerializerMethodField(help_text="The filters applied (the parameters' names; empty ones "
                                                "left out). Dates: the first day kept, the first day left out.")
    results = ScoredPhotoSerializer(many=True)
    next_offset = serializers.IntegerField(allow_null=True)

    @extend_schema_field(AppliedFiltersSerializer)
    def get_filters(self, result) -> dict:
        return filters_data(result.options.filters)


class CombinationSerializer(serializers.Serializer):
    description = serializers.CharField(help_text="What was combined, e.g. 'Like IMG_1.jpg + “at night”'.")
    photo_ids = serializers.SerializerMethodField(help_text="The photos searched by.")
    image_name = serializers.CharField(help_text="The uploaded image searched by, if any.")
    words = serializers.CharField()
    words_weight = serializers.FloatField(allow_null=True, help_text="The weight of the words added to the image.")
    without = serializers.ListField(child=serializers.CharField(), help_text="Words left out.")
    without_weight = serializers.FloatField(allow_null=True)

    def get_photo_ids(self, combination) -> list[int]:
        return [photo.pk for photo in combination.photos]


class CombinedSearchResultSerializer(SearchResultSerializer):
    combined = CombinationSerializer(allow_null=True, help_text="What a combined search combined; null otherwise.")


class RelatedTagSerializer(serializers.Serializer):
    name = serializers.CharField()
    photos = serializers.IntegerField()


class TextSearchResultSerializer(CombinedSearchResultSerializer):
    query = serializers.CharField()
    words = serializers.CharField(help_text="The words searched for: the query less its filters (syntax=true).")
    negative_terms = serializers.ListField(child=serializers.CharField(),
                                           help_text="The query's -terms (photos with these tags are left out).")
    mode = serializers.CharField()
    related_tags = RelatedTagSerializer(many=True, help_text="Tags in your gallery related to the words.")
    low_confidence = serializers.BooleanField(
        help_text="The offline model does not know these words and no tag matches them: `results` holds only its "
                  "best few guesses, with low scores (see `message`).")
    message = serializers.CharField(help_text="Why the results are few and uncertain, when `low_confidence`; else empty.")


def result_data(result: SearchResult, *, request, **extra) -> dict:
    data = dict(SearchResultSerializer(result, context={"request": request}).data)
    data.update(extra)
    return data


def combined_result_data(result: SearchResult, *, request, **extra) -> dict:
    """result_data with `combined`: what the search combined (null for a plain search)."""
    combination = getattr(result, "combination", None)
    return result_data(result, request=request,
                       combined=CombinationSerializer(combination).data if combination else None, **extra)


