"""Browser pages of the gallery. Thin: they call the same services and selectors as the API."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from gallery import images, selectors, timeline
from gallery.forms import UploadForm
from gallery.list_pages import is_fragment_request, photo_list_response
from gallery.models import Photo
from gallery.services import uploads
from imagesearch.exceptions import ApplicationError, get_or_404
from imagesearch.ratelimit import rate_limit
from search.selectors.page_filters import page_filters
from search.selectors.photo_text import photo_text_progress
from search.selectors.tags import tag_filter_clean

# The timeline's sort switch: by date taken (the default) or date added.
SORTS = {"taken": "-taken_at", "added": "-created_at"}


def home(request, upload_form: UploadForm | None = None, status: int = 200):
    """The timeline: photos by date taken in month sections, a page at a time (infinite scroll),
    with the jump list of months; filters by status and tag; the upload box."""
    status_filter = request.GET.get("status") or None
    if status_filter not in (None, selectors.WAITING, *Photo.Status.values):
        status_filter = None
    tag_filter = tag_filter_clean(request.GET.get("tag"))
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "taken"
    # The searches' filters (the panel, chips to remove them); a bad one is shown, the list unfiltered.
    filters = page_filters(owner=request.user, path=request.path, params=request.GET)
    if filters.errors:
        messages.error(request, " ".join(filters.errors))
    photos = selectors.photo_list(owner=request.user, status=status_filter, ordering=SORTS[sort],
                                  filters=None if filters.errors else filters.filters)
    context = {
        "page_filters": filters,
        "sort": sort,
        "list_label": "Timeline" if sort == "taken" else "Photos by date added",
        # The infinite scroll's fragments show no counts: they never count (fast on any page).
        "counts": {} if is_fragment_request(request) else selectors.photo_status_counts(owner=request.user),
        "text_progress": {} if is_fragment_request(request) else photo_text_progress(owner=request.user),
        "status_filter": status_filter,
        "tag_filter": tag_filter,
        "upload_form": upload_form or UploadForm(),
        "upload_limit_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        "accepted_formats": images.ACCEPTED_DESCRIPTION,
    }
    return photo_list_response(request, photos=photos, ordering=SORTS[sort], template="gallery/home.html",
                               context=context, status=status)


@require_POST
@rate_limit("upload")
def upload(request):
    """Form upload without JavaScript; the page's script uses the API for per-file progress."""
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return home(request, upload_form=form, status=400)
    try:
        outcomes = uploads.photos_upload(owner=request.user, files=form.cleaned_data["files"])
    except ApplicationError as exc:
        form.add_error("files", exc.message)
        return home(request, upload_form=form, status=400)
    for outcome in outcomes:
        if outcome.result == "added":
            messages.success(request, f"{outcome.filename}: added.")
        elif outcome.result == "duplicate":
            messages.info(request, f"{outcome.filename}: already in your gallery.")
        else:
            messages.error(request, f"{outcome.filename}: rejected. {outcome.error}")
    return redirect("gallery:home")


def photo_detail(request, photo_id: int):
    photo = get_or_404(selectors.photo_get, owner=request.user, photo_id=photo_id, trashed=None)
    # Previous/next in the timeline (or the trash); the page's script swaps in the list the user came from.
    ordering = "-taken_at" if photo.trashed_at is None else timeline.TRASH_ORDERING
    around = selectors.photo_list(owner=request.user, trashed=photo.trashed_at is not None)
    previous_id, next_id = timeline.photo_neighbours(photos=around, photo=photo, ordering=ordering)
    return render(request, "gallery/photo_detail.html", {**selectors.photo_page(photo=photo),
                                                         "previous_id": previous_id, "next_id": next_id})


@require_POST
def photo_delete(request, photo_id: int):
    """Delete for good (the trash's "Delete forever"; moving to the trash is library_views.photo_trash)."""
    photo = get_or_404(selectors.photo_get, owner=request.user, photo_id=photo_id, trashed=None)
    name = photo.original_name
    uploads.photo_delete(photo=photo)
    messages.success(request, f"Deleted {name}.")
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(next_url)
    return redirect("gallery:home")


@require_POST
def retry_failed(request):
    count = uploads.photos_retry_failed(owner=request.user)
    messages.info(request, f"Queued {count} failed photo(s) again." if count else "No failed photos to retry.")
    return redirect("gallery:home")

