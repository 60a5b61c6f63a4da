"""Browser pages of photo search; they call the same selectors as the API."""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from gallery.selectors import photo_get
from imagesearch.exceptions import ApplicationError, get_or_404
from imagesearch.ratelimit import rate_limit
from search import query_encoding
from search.forms import PAGE_SIZE, ImageQueryForm, SearchOptionsForm
from search.inputs import parse_box
from search.selectors import photo_search
from search.selectors.photo_search import SearchOptions
from search.selectors.words import RELATED_TAGS_SHOWN, related_words

SESSION_IMAGE_QUERIES = "image_queries"
MAX_STORED_IMAGE_QUERIES = 5


def _back(request):
    """Where the user came from, if that is this site; else the gallery."""
    referer = request.META.get("HTTP_REFERER", "")
    if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(referer)
    return redirect("gallery:home")


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
        except ApplicationError as exc:
            context["error"] = exc.message
            status = exc.status_code
    if request.headers.get("X-Requested-With") == "fetch":
        template = "search/results_more.html"
    return render(request, template, context, status=status)


@rate_limit("search")  # these three run the CLIP model (here, or on an ML worker)
def text_search(request):
    if "q" not in request.GET:
        return render(request, "search/results.html", {"title": "Search", "form": SearchOptionsForm(), "query": ""})
    query = request.GET.get("q", "")
    related = related_words(word=query, limit=RELATED_TAGS_SHOWN, owner=request.user)[1]
    return _results_page(request, title=f"“{query.strip()}”" if query.strip() else "Search",
                         context={"query": query, "related_tags": related},
                         run=lambda options: photo_search.search_text(owner=request.user, text=query, options=options))


def similar(request, photo_id: int):
    photo = get_or_404(photo_get, owner=request.user, photo_id=photo_id)
    return _results_page(
        request, title="Similar photos", context={"query_photo_id": photo_id},
        run=lambda options: photo_search.search_similar(photo=photo, options=options),
    )


@rate_limit("search")
def region(request, photo_id: int):
    photo = get_or_404(photo_get, owner=request.user, photo_id=photo_id)
    box = request.GET.get("box", "")
    parts = parse_box(box)
    return _results_page(
        request, title="Photos like this region", context={"query_photo_id": photo_id, "box": box},
        run=lambda options: photo_search.search_region(photo=photo, box=parts, options=options),
    )


@require_POST
@rate_limit("search")
def image_search(request):
    """Embed an uploaded query image once, keep only its vector in the session, show results."""
    form = ImageQueryForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose an image to search with.")
        return _back(request)
    upload = form.cleaned_data["file"]
    try:
        vector = photo_search.image_query_vector(file=upload, size=upload.size, box=form.cleaned_data["box"])
    except ApplicationError as exc:
        messages.error(request, f"Can't search by {upload.name}: {exc.message}")
        return _back(request)
    token = uuid.uuid4().hex
    stored = request.session.get(SESSION_IMAGE_QUERIES, {})
    stored[token] = {"name": upload.name[:100], "vector": vector.tolist(), "model": query_encoding.active_model().key}
    request.session[SESSION_IMAGE_QUERIES] = dict(list(stored.items())[-MAX_STORED_IMAGE_QUERIES:])
    return redirect(reverse("search:image-results", kwargs={"token": token}))


def image_results(request, token: str):
    stored = request.session.get(SESSION_IMAGE_QUERIES, {}).get(token)
    if stored is None or stored.get("model") != _active_model_key():
        raise Http404("This image search has expired; search again.")
    return _results_page(
        request, title=f"Photos like {stored['name']}", context={"image_query_name": stored["name"]},
        run=lambda options: photo_search.query_vector_search(owner=request.user, vector=stored["vector"],
                                                             options=options),
    )


def _active_model_key() -> str | None:
    try:
        return query_encoding.active_model().key
    except query_encoding.QueryEncoderUnavailable:
        return None  # shown as expired: searching again says why it can't run
