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


class MatchedTagSerializer(serializers.Serializer):
    name = serializers.CharField()
    similarity = serializers.FloatField(help_text="GloVe cosine similarity between the tag and the words.")


class ScoredPhotoSerializer(serializers.Serializer):
    score = serializers.FloatField()
    photo = PhotoOutputSerializer()
    matched_tags = serializers.SerializerMethodField(help_text="Text search: the photo's tags that matched the words.")

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


class RelatedTagSerializer(serializers.Serializer):
    name = serializers.CharField()
    photos = serializers.IntegerField()


class TextSearchResultSerializer(SearchResultSerializer):
    query = serializers.CharField()
    words = serializers.CharField(help_text="The words searched for: the query less its filters (syntax=true).")
    negative_terms = serializers.ListField(child=serializers.CharField(),
                                           help_text="The query's -terms (photos with these tags are left out).")
    mode = serializers.CharField()
    related_tags = RelatedTagSerializer(many=True, help_text="Tags in your gallery related to the words.")


def result_data(result: SearchResult, *, request, **extra) -> dict:
    data = dict(SearchResultSerializer(result, context={"request": request}).data)
    data.update(extra)
    return data


def validated_options(data, *, request) -> SearchOptions:
    serializer = SearchOptionsSerializer(data=data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return serializer.options()
