"""Browser pages of photo search; they call the same selectors as the API."""

import functools
import uuid
from dataclasses import replace

from django.contrib import messages
from django.http import Http404, QueryDict
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
from search.query_syntax import ParsedQuery, filters_params, parse_query
from search.selectors import combined, photo_search
from search.selectors.page_filters import page_filters
from search.selectors.photo_search import SearchOptions
from search.selectors.words import RELATED_TAGS_SHOWN, related_words

SESSION_IMAGE_QUERIES = "image_queries"
TEXT_MODE_LABELS = [("hybrid", "Everything"), ("clip", "Picture (CLIP)"), ("tags", "Tags"), ("text", "Text in photos")]
MAX_STORED_IMAGE_QUERIES = 5


def _back(request):
    """Where the user came from, if that is this site; else the gallery."""
    referer = request.META.get("HTTP_REFERER", "")
    if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(referer)
    return redirect("gallery:home")


def _results_page(request, *, title: str, run, context: dict | None = None, template: str = "search/results.html",
                  typed: ParsedQuery | None = None):
    """Validate the paging/cutoff form and the filters (the panel's, and those typed in the box),
    run the search among the photos that pass them, render results or the error."""
    form = SearchOptionsForm(request.GET or None)
    page = page_filters(owner=request.user, path=request.path, params=request.GET, typed=typed)
    context = {"title": title, "form": form, "page_filters": page, **(context or {})}
    status = 200
    if form.is_bound and not form.is_valid():
        context["error"] = "; ".join(f"{form.fields[f].label or f}: {' '.join(e)}" for f, e in form.errors.items())
        status = 400
    elif page.errors:
        context["error"] = " ".join(page.errors)
        status = 400
    else:
        options = form.options() if form.is_bound else SearchOptions(limit=PAGE_SIZE)
        try:
            context["result"] = run(replace(options, filters=page.filters))
            if getattr(context["result"], "combination", None):
                context["title"] = context["result"].combination.description
        except ApplicationError as exc:
            context["error"] = exc.message
            status = exc.status_code
    if request.headers.get("X-Requested-With") == "fetch":
        template = "search/results_more.html"
    return render(request, template, context, status=status)


def _rate_limit_with_words(view):
    """The search limit for pages that run CLIP only when words come with them (?q=...)."""
    limited = rate_limit("search")(view)

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        return (limited if request.GET.get("q", "").strip() else view)(request, *args, **kwargs)

    return wrapped


@rate_limit("search")  # these run the CLIP model (here, or on an ML worker)
def text_search(request):
    if "q" not in request.GET:
        return render(request, "search/results.html", {"title": "Search", "form": SearchOptionsForm(), "query": "",
                                                       "page_filters": page_filters(owner=request.user,
                                                                                    path=request.path,
                                                                                    params=request.GET)})
    query = request.GET.get("q", "")
    typed = parse_query(query)
    if not typed.errors and not typed.words.strip() and (not typed.filters.is_empty or typed.album_name):
        # Filters alone: the timeline with those filters.
        page = page_filters(owner=request.user, path=request.path, params=request.GET, typed=typed)
        if not page.errors:
            params = QueryDict(mutable=True)
            for name, values in filters_params(page.filters).items():
                params.setlist(name, values)
            return redirect(f"{reverse('gallery:home')}?{params.urlencode()}")
    mode = request.GET.get("mode") or "hybrid"  # an unknown one is the page's error message
    without = [word for value in request.GET.getlist("without") for word in value.split(",") if word.strip()]
    related = related_words(word=typed.words, limit=RELATED_TAGS_SHOWN, owner=request.user)[1] if typed.words else []
    return _results_page(request, title=f"“{typed.words.strip()}”" if typed.words.strip() else "Search",
                         context={"query": query, "related_tags": related, "without": ",".join(without),
                                  "mode": mode, "modes": TEXT_MODE_LABELS}, typed=typed,
                         run=lambda options: combined.search_words_without(
                             owner=request.user, text=typed.words, without=[*without, *typed.negative_terms],
                             options=options, mode=mode))


@_rate_limit_with_words
def similar(request, photo_id: int):
    """Photos like this one; with ?q=words, moved toward the words ("…but at night")."""
    photo = get_or_404(photo_get, owner=request.user, photo_id=photo_id)
    words = request.GET.get("q", "")
    if words.strip():
        run = functools.partial(_similar_with_words, photo=photo, words=words)
    else:
        run = functools.partial(_similar, photo=photo)
    return _results_page(request, title="Similar photos",
                         context={"query_photo_id": photo_id, "but_words": words, "but_action": request.path},
                         run=run)


def _similar(options, *, photo):
    return photo_search.search_similar(photo=photo, options=options)


def _similar_with_words(options, *, photo, words):
    return combined.search_similar_with_words(photo=photo, words=words, options=options)


@_rate_limit_with_words
def photos_like(request):
    """More like these: several selected photos (?ids=1,2,3), optionally with words (?q=)."""
    words = request.GET.get("q", "")
    ids_text = request.GET.get("ids", "")

    def run(options):
        ids = _photo_ids(ids_text)
        return combined.search_like_photos(photos=combined.photos_of_user(owner=request.user, ids=ids), words=words,
                                           options=options)

    return _results_page(request, title="More like these",
                         context={"like_ids": ids_text, "but_words": words, "but_action": request.path}, run=run)


def _photo_ids(text: str) -> list[int]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise ApplicationError("Choose some photos first: select them on a grid, then “More like these”.")
    if len(parts) > combined.MAX_LIKE_PHOTOS:
        raise ApplicationError(f"Too many photos ({len(parts)}); choose at most {combined.MAX_LIKE_PHOTOS}.")
    try:
        return [int(part) for part in parts]
    except ValueError:
        raise ApplicationError("The photo ids must be numbers separated by commas.") from None


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


@_rate_limit_with_words
def image_results(request, token: str):
    """An uploaded image's results (its vector kept in the session); with ?q=words, moved toward them."""
    stored = request.session.get(SESSION_IMAGE_QUERIES, {}).get(token)
    if stored is None or stored.get("model") != _active_model_key():
        raise Http404("This image search has expired; search again.")
    words = request.GET.get("q", "")

    def run(options):
        if words.strip():
            return combined.search_image_with_words(owner=request.user, image_vector=stored["vector"],
                                                    image_name=stored["name"], words=words, options=options)
        return photo_search.query_vector_search(owner=request.user, vector=stored["vector"], options=options)

    return _results_page(
        request, title=f"Photos like {stored['name']}",
        context={"image_query_name": stored["name"], "but_words": words, "but_action": request.path}, run=run,
    )


def _active_model_key() -> str | None:
    try:
        return query_encoding.active_model().key
    except query_encoding.QueryEncoderUnavailable:
        return None  # shown as expired: searching again says why it can't run
