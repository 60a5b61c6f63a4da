"""REST API of the search app."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from gallery import selectors as gallery_selectors
from search import clip


class StatusApi(APIView):
    """The active CLIP model and the user's processing counts (for clients showing progress)."""

    @extend_schema(responses=inline_serializer("Status", {
        "model": serializers.CharField(),
        "photos": serializers.DictField(child=serializers.IntegerField()),
    }))
    def get(self, request):
        return Response({
            "model": clip.configured_spec().key,
            "photos": gallery_selectors.photo_status_counts(owner=request.user),
        })
