"""REST API of tags and words: the gallery's tags, a photo's tags and edits, related words."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from gallery import selectors as gallery_selectors
from gallery.serializers import TagOutputSerializer
from imagesearch.parsers import SafeJSONParser
from search import tag_selectors, tag_services
from search.models import TAG_NAME_MAX_LENGTH


class GalleryTagSerializer(serializers.Serializer):
    name = serializers.CharField()
    photos = serializers.IntegerField(help_text="How many of your photos carry this tag.")
    sample_photo_id = serializers.IntegerField(allow_null=True)
    sample_thumbnail_url = serializers.CharField(allow_null=True)


class TagListApi(APIView):
    """Every tag in the user's gallery with its photo count and a sample photo, most used first."""

    @extend_schema(responses=inline_serializer("GalleryTags", {
        "count": serializers.IntegerField(), "results": GalleryTagSerializer(many=True)}))
    def get(self, request):
        tags = tag_selectors.gallery_tags(owner=request.user)
        return Response({"count": len(tags), "results": [_gallery_tag(tag, request) for tag in tags]})


def _gallery_tag(tag: tag_selectors.GalleryTag, request) -> dict:
    sample = tag.sample
    thumbnail = (request.build_absolute_uri(reverse("api:photo-thumbnail", kwargs={"photo_id": sample.pk}))
                 if sample and sample.thumbnail else None)
    return {"name": tag.name, "photos": tag.photos, "sample_photo_id": sample.pk if sample else None,
            "sample_thumbnail_url": thumbnail}


class JSONStringField(serializers.CharField):
    """A JSON string only: DRF's CharField would also turn the number 310 into the tag "310"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class PhotoTagsApi(APIView):
    """GET: a photo's tags. POST {"name": "..."}: add your own tag (it survives re-tagging)."""

    parser_classes = [SafeJSONParser]

    @extend_schema_serializer(component_name="TagInput")
    class InputSerializer(serializers.Serializer):
        name = JSONStringField(max_length=TAG_NAME_MAX_LENGTH, help_text="A word or short phrase.")

    @extend_schema(responses=TagOutputSerializer(many=True))
    def get(self, request, photo_id: int):
        photo = gallery_selectors.photo_get(owner=request.user, photo_id=photo_id)
        return Response(TagOutputSerializer(tag_selectors.photo_tags(photo=photo), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: TagOutputSerializer})
    def post(self, request, photo_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tag = tag_services.photo_tag_add(owner=request.user, photo_id=photo_id, name=data.validated_data["name"])
        return Response(TagOutputSerializer(tag).data, status=status.HTTP_201_CREATED)


class PhotoTagDetailApi(APIView):
    @extend_schema(responses={204: None}, description="Remove a tag; an automatic tag stays removed when "
                   "the photo is tagged again.")
    def delete(self, request, photo_id: int, name: str):
        tag_services.photo_tag_remove(owner=request.user, photo_id=photo_id, name=name)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RelatedWordSerializer(serializers.Serializer):
    word = serializers.CharField()
    similarity = serializers.FloatField(help_text="GloVe cosine similarity.")
    photos = serializers.IntegerField(allow_null=True, help_text="With in_gallery: photos carrying this tag.")


class RelatedWordsApi(APIView):
    """The GloVe words nearest in meaning to a word or short phrase; with `in_gallery=true`, only
    tags present in your gallery, with their photo counts."""

    @extend_schema_serializer(component_name="RelatedWordsInput")
    class InputSerializer(serializers.Serializer):
        limit = serializers.IntegerField(min_value=1, max_value=tag_selectors.MAX_RELATED, default=10)
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
        query, related = tag_selectors.related_words(word=word[:200], limit=data.validated_data["limit"],
                                                     owner=request.user if data.validated_data["in_gallery"] else None)
        message = "" if query.vector is not None else f"GloVe does not know {word[:200]!r}, so nothing is related to it."
        return Response({"word": word[:200], "known_words": list(query.known), "unknown_words": list(query.unknown),
                         "related": RelatedWordSerializer(related, many=True).data, "message": message})
