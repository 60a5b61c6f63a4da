"""Browser page of near-duplicates."""

from django.shortcuts import render

from imagesearch.exceptions import ApplicationError
from search.selectors.duplicates import near_duplicate_groups


def duplicates(request):
    try:
        max_distance = float(request.GET["max_distance"]) if request.GET.get("max_distance") else None
        groups = near_duplicate_groups(owner=request.user, max_distance=max_distance)
        error = None
    except (ValueError, ApplicationError) as exc:
        groups, error = [], getattr(exc, "message", "max_distance must be a number between 0 and 1.")
    return render(request, "search/duplicates.html", {"groups": groups, "error": error,
                                                      "max_distance": request.GET.get("max_distance", "")},
                  status=400 if error else 200)
