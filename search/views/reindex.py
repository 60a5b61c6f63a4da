"""Staff page of re-indexing."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect, render

from search.query_encoding import QueryEncoderUnavailable
from search.selectors.embedding_models import reindex_progress
from search.services.embedding_models import active_model_ensure
from search.services.reindex import reindex_queue


@staff_member_required
def reindex(request):
    """Staff page: re-embed the gallery with the active model, with a live progress bar."""
    try:
        if request.method == "POST":
            job = reindex_queue()
            messages.success(request, f"Re-index job {job.pk} queued; the worker picks it up in a moment.")
            return redirect("search:reindex")
        progress = reindex_progress(model=active_model_ensure())
    except QueryEncoderUnavailable as exc:  # QUERY_ENCODING=worker and no ML worker answers
        return render(request, "search/reindex.html", {"unavailable": exc.message}, status=503)
    return render(request, "search/reindex.html", {"progress": progress})
