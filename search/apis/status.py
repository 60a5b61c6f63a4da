"""REST API of the service's status: the active model and the user's processing counts."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from gallery.selectors import photo_status_counts
from search import query_encoding
from search.selectors.photo_text import photo_text_progress


class StatusApi(APIView):
    """The active CLIP model, the user's processing counts and how far reading text has come (for
    clients showing progress)."""

    @extend_schema(responses=inline_serializer("Status", {
        "model": serializers.CharField(),
        "configured_model": serializers.CharField(),
        "offline_fallback": serializers.BooleanField(),
        "fallback_reason": serializers.CharField(),
        "photos": serializers.DictField(child=serializers.IntegerField()),
        "text": inline_serializer("TextProgress", {
            "enabled": serializers.BooleanField(help_text="OCR_ENABLED: text in photos is read."),
            "read": serializers.IntegerField(help_text="Ready photos whose text has been read."),
            "total": serializers.IntegerField(help_text="Ready photos."),
            "waiting": serializers.IntegerField(help_text="Ready photos whose text is still to be read."),
            "with_text": serializers.IntegerField(help_text="Photos in which text was found."),
        }),
    }))
    def get(self, request):
        model = query_encoding.active_model()  # a 503 with a message when no ML worker answers
        return Response({
            "model": model.key,
            "configured_model": model.configured_key,
            "offline_fallback": model.is_fallback,
            "fallback_reason": model.fallback_reason,
            "photos": photo_status_counts(owner=request.user),
            "text": photo_text_progress(owner=request.user),
        })
