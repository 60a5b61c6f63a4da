"""REST API of near-duplicates."""

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from search.selectors.duplicates import MAX_DUPLICATE_DISTANCE, near_duplicate_groups
from search.serializers import ScoredPhotoSerializer


class DuplicatesApi(APIView):
    @extend_schema_serializer(component_name="DuplicatesInput")
    class InputSerializer(serializers.Serializer):
        max_distance = serializers.FloatField(min_value=0.0, max_value=MAX_DUPLICATE_DISTANCE,
                                              default=settings.NEAR_DUPLICATE_MAX_DISTANCE)

    @extend_schema(parameters=[InputSerializer], responses=inline_serializer("DuplicateGroups", {
        "max_distance": serializers.FloatField(),
        "groups": serializers.ListField(child=ScoredPhotoSerializer(many=True)),
    }))
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        max_distance = data.validated_data["max_distance"]
        groups = near_duplicate_groups(owner=request.user, max_distance=max_distance)
        return Response({
            "max_distance": max_distance,
            "groups": [ScoredPhotoSerializer(group, many=True, context={"request": request}).data for group in groups],
        })
