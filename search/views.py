"""Browser pages of the search features; they call the same selectors as the API."""

import uuid

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from imagesearch.exceptions import ApplicationError, NotFound
from search import clip, selectors, services, tag_selectors
from search.apis import RELATED_TAGS_SHOWN
from search.forms import PAGE_SIZE, ImageQueryForm, SearchOptionsForm
from search.selectors import SearchOptions

SESSION_IMAGE_QUERIES = "image_queries"


def _back(request):
    """Where the user came from, if that is this site; else the gallery."""
    referer = request.META.get("HTTP_REFERER", "")
    if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(referer)
    return redirect("gallery:home")
MAX_STORED_IMAGE_QUERIES = 5


def _results_page(request, *, title: str, run, context: dict | None = None, template: str = "search/results.html"):
    """Validate the paging/cutoff form, run the search, render results or the error."""
    form = SearchOptionsForm(request.GET or None)
    context = {"title": title, "form": form, **(context or {})}
    status = 200
    if form.is_bound and not form.is_valid():
        context["error"] = "; ".join(f"{form.fields[f].label or f}: {' '.join(e)}" for f, e in form.errors.items())
        status = 400
    else:
        options = form.options() if form.is_bound else SearchOptions(limit=PAGE_SIZE)
        try:
            context["result"] = run(options)
        except NotFound:
            raise Http404("Photo not found.") from None
        except ApplicationError as exc:
            context["error"] = exc.message
            status = exc.status_code
    if request.headers.get("X-Requested-With") == "fetch":
        template = "search/results_more.html"
    return render(request, template, context, status=status)


def text_search(request):
    if "q" not in request.GET:
        return render(request, "search/results.html", {"title": "Search", "form": SearchOptionsForm(), "query": ""})
    query = request.GET.get("q", "")
    related = tag_selectors.related_words(word=query, limit=RELATED_TAGS_SHOWN, owner=request.user)[1]
    return _results_page(request, title=f"“{query.strip()}”" if query.strip() else "Search",
                         context={"query": query, "related_tags": related},
                         run=lambda options: selectors.search_text(owner=request.user, text=query, options=options))


def similar(request, photo_id: int):
    return _results_page(
        request, title="Similar photos", context={"query_photo_id": photo_id},
        run=lambda options: selectors.search_similar(owner=request.user, photo_id=photo_id, options=options)[1],
    )


def region(request, photo_id: int):
    box = request.GET.get("box", "")
    parts = selectors.parse_box(box)
    return _results_page(
        request, title="Photos like this region", context={"query_photo_id": photo_id, "box": box},
        run=lambda options: selectors.search_region(owner=request.user, photo_id=photo_id, box=parts,
                                                    options=options)[1],
    )


@require_POST
def image_search(request):
    """Embed an uploaded query image once, keep only its vector in the session, show results."""
    form = ImageQueryForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose an image to search with.")
        return _back(request)
    upload = form.cleaned_data["file"]
    try:
        vector = selectors.image_query_vector(file=upload, size=upload.size, box=form.cleaned_data["box"])
    except ApplicationError as exc:
        messages.error(request, f"Can't search by {upload.name}: {exc.message}")
        return _back(request)
    token = uuid.uuid4().hex
    stored = request.session.get(SESSION_IMAGE_QUERIES, {})
    stored[token] = {"name": upload.name[:100], "vector": vector.tolist(), "model": clip.active_spec().key}
    request.session[SESSION_IMAGE_QUERIES] = dict(list(stored.items())[-MAX_STORED_IMAGE_QUERIES:])
    return redirect(reverse("search:image-results", kwargs={"token": token}))


def image_results(request, token: str):
    stored = request.session.get(SESSION_IMAGE_QUERIES, {}).get(token)
    if stored is None or stored.get("model") != clip.active_spec().key:
        raise Http404("This image search has expired; search again.")
    return _results_page(
        request, title=f"Photos like {stored['name']}", context={"image_query_name": stored["name"]},
        run=lambda options: selectors.query_vector_search(owner=request.user, vector=stored["vector"],
                                                          options=options),
    )


def duplicates(request):
    try:
        max_distance = float(request.GET["max_distance"]) if request.GET.get("max_distance") else None
        groups = selectors.near_duplicate_groups(owner=request.user, max_distance=max_distance)
        error = None
    except (ValueError, ApplicationError) as exc:
        groups, error = [], getattr(exc, "message", "max_distance must be a number between 0 and 1.")
    return render(request, "search/duplicates.html", {"groups": groups, "error": error,
                                                      "max_distance": request.GET.get("max_distance", "")},
                  status=400 if error else 200)


@staff_member_required
def reindex(request):
    """Staff page: re-embed the gallery with the active model, with a live progress bar."""
    if request.method == "POST":
        job = services.reindex_queue()
        messages.success(request, f"Re-index job {job.pk} queued; the worker picks it up in a moment.")
        return redirect("search:reindex")
    model = services.active_embedding_model()
    return render(request, "search/reindex.html", {"progress": services.reindex_progress(model=model)})
