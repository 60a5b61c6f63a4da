"""REST API of the service's status: the active model and the user's processing counts."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from gallery.selectors import photo_status_counts
from search.clip import weights


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
        resolution = weights.resolve()
        return Response({
            "model": resolution.spec.key,
            "configured_model": resolution.configured.key,
            "offline_fallback": resolution.is_fallback,
            "fallback_reason": resolution.fallback_reason,
            "photos": photo_status_counts(owner=request.user),
        })
