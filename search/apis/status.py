"""REST API of the service's status: the active model and the user's processing counts."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from gallery.selectors import photo_status_counts
from search import query_encoding


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
        model = query_encoding.active_model()  # a 503 with a message when no ML worker answers
        return Response({
            "model": model.key,
            "configured_model": model.configured_key,
            "offline_fallback": model.is_fallback,
            "fallback_reason": model.fallback_reason,
            "photos": photo_status_counts(owner=request.user),
        })
