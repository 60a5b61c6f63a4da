"""REST API of re-indexing (staff)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from search.selectors.embedding_models import reindex_progress
from search.services.embedding_models import active_model_ensure
from search.services.reindex import reindex_queue


class ReindexApi(APIView):
    """Staff: progress of re-embedding the gallery with the active model; POST starts it."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses=inline_serializer("ReindexProgress", {
        "model": serializers.CharField(), "ready_photos": serializers.IntegerField(),
        "indexed": serializers.IntegerField(), "missing": serializers.IntegerField(),
        "job": serializers.DictField(allow_null=True),
    }))
    def get(self, request):
        return Response(reindex_progress(model=active_model_ensure()))

    @extend_schema(request=None, responses={202: inline_serializer("ReindexQueued", {"job": serializers.IntegerField()})})
    def post(self, request):
        job = reindex_queue()
        return Response({"job": job.pk}, status=202)
