"""The shape of bulk API requests and answers: a list of ids in, a result for each id out.

Every bulk endpoint (the library's photo actions, album membership) answers 200 with one entry per
id asked, in the order asked: `done`, `unchanged` (already so), `not_found` (no such photo of
yours, or not where the action applies) or `rejected` with the reason. Only a malformed request
as a whole is a 400."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

BULK_MAX_IDS = 1000
DONE, UNCHANGED, NOT_FOUND, REJECTED = "done", "unchanged", "not_found", "rejected"
RESULTS = (DONE, UNCHANGED, NOT_FOUND, REJECTED)


@extend_schema_serializer(component_name="BulkIdsInput")
class BulkIdsSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), min_length=1,
                                max_length=BULK_MAX_IDS, help_text=f"Photo ids (at most {BULK_MAX_IDS}).")


class BulkItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    result = serializers.ChoiceField(choices=list(RESULTS))
    detail = serializers.CharField(allow_blank=True, help_text="Why, for not_found and rejected.")


@extend_schema_serializer(component_name="BulkResult")
class BulkResultSerializer(serializers.Serializer):
    results = BulkItemSerializer(many=True, help_text="One per id asked, in the order asked.")
    done = serializers.IntegerField(help_text="How many ids were done.")


def bulk_answer(ids: list[int], *, found, done, rejected: dict[int, str] | None = None,
                not_found_detail: str = "Photo not found.") -> dict:
    """The answer body: `found` ids exist for the action; `done` were changed by it; `rejected`
    maps ids to the reason they were refused."""
    rejected = rejected or {}
    results = []
    for item in dict.fromkeys(ids):
        if item in rejected:
            results.append({"id": item, "result": REJECTED, "detail": rejected[item]})
        elif item in done:
            results.append({"id": item, "result": DONE, "detail": ""})
        elif item in found:
            results.append({"id": item, "result": UNCHANGED, "detail": ""})
        else:
            results.append({"id": item, "result": NOT_FOUND, "detail": not_found_detail})
    return {"results": results, "done": sum(1 for result in results if result["result"] == DONE)}
