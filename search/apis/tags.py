"""REST API of tags: the gallery's tags, a photo's tags and the owner's edits."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from gallery.selectors import photo_get
from gallery.serializers import TagOutputSerializer
from imagesearch.parsers import SafeJSONParser
from search.models import TAG_NAME_MAX_LENGTH
from search.selectors.tags import GalleryTag, gallery_tags, photo_tags
from search.services.tag_edits import photo_tag_add, photo_tag_remove


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
        tags = gallery_tags(owner=request.user)
        return Response({"count": len(tags), "results": [_gallery_tag(tag, request) for tag in tags]})


def _gallery_tag(tag: GalleryTag, request) -> dict:
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
        photo = photo_get(owner=request.user, photo_id=photo_id)
        return Response(TagOutputSerializer(photo_tags(photo=photo), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: TagOutputSerializer})
    def post(self, request, photo_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tag = photo_tag_add(photo=photo_get(owner=request.user, photo_id=photo_id), name=data.validated_data["name"])
        return Response(TagOutputSerializer(tag).data, status=status.HTTP_201_CREATED)


class PhotoTagDetailApi(APIView):
    @extend_schema(responses={204: None}, description="Remove a tag; an automatic tag stays removed when "
                   "the photo is tagged again.")
    def delete(self, request, photo_id: int, name: str):
        photo_tag_remove(photo=photo_get(owner=request.user, photo_id=photo_id), name=name)
        return Response(status=status.HTTP_204_NO_CONTENT)
