"""Browser pages of the library: favourites, the trash, moving one photo to the trash and back,
emptying the trash, and downloading a selection as a zip. The timeline is gallery.views.home;
bulk actions on a selection go through the API (static/js/select.js)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from gallery import selectors, timeline
from gallery.downloads import photos_zip_response
from gallery.list_pages import photo_list_response
from gallery.services.trash import photos_restore, photos_trash, trash_empty
from imagesearch.bulk import BULK_MAX_IDS
from imagesearch.exceptions import get_or_404


def _next_or(request, fallback: str, **kwargs):
    """Back to the page the form came from (a `next` field on this site), else `fallback`."""
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(next_url)
    return redirect(fallback, **kwargs)


def favourites(request):
    photos = selectors.photo_list(owner=request.user, favourite=True, ordering="-taken_at")
    return photo_list_response(request, photos=photos, ordering="-taken_at", template="gallery/favourites.html",
                               context={"list_label": "Favourites"})


def trash(request):
    photos = selectors.photo_list(owner=request.user, trashed=True, ordering=timeline.TRASH_ORDERING)
    return photo_list_response(request, photos=photos, ordering=timeline.TRASH_ORDERING, jump_list=False,
                               template="gallery/trash.html",
                               context={"list_label": "Trash", "trash_count": photos.count(),
                                        "retention_days": settings.TRASH_RETENTION_DAYS})


@require_POST
def photo_trash(request, photo_id: int):
    photo = get_or_404(selectors.photo_get, owner=request.user, photo_id=photo_id, trashed=None)
    photos_trash(photos=[photo])
    messages.success(request, f"Moved {photo.original_name} to the trash.")
    return _next_or(request, "gallery:home")


@require_POST
def photo_restore(request, photo_id: int):
    photo = get_or_404(selectors.photo_get, owner=request.user, photo_id=photo_id, trashed=None)
    photos_restore(photos=[photo])
    messages.success(request, f"Restored {photo.original_name}.")
    return _next_or(request, "gallery:photo", photo_id=photo.pk)


@require_POST
def trash_empty_view(request):
    deleted = trash_empty(owner=request.user)
    messages.success(request, f"Deleted {deleted} photo{'s' if deleted != 1 else ''} for good."
                     if deleted else "The trash was empty.")
    return redirect("gallery:trash")


@require_POST
def photos_download(request):
    """The selected photos' originals as one zip, streamed to the browser (a form post: the
    browser saves the answer as it arrives)."""
    parts = [part.strip() for part in ",".join(request.POST.getlist("ids")).split(",") if part.strip()]
    if not all(part.isascii() and part.isdigit() and 0 < int(part) < 2**63 for part in parts):
        return HttpResponseBadRequest("ids: photo ids, comma-separated.")
    ids = [int(part) for part in parts]
    if not ids or len(ids) > BULK_MAX_IDS:
        return HttpResponseBadRequest(f"Choose between 1 and {BULK_MAX_IDS} photos.")
    found = selectors.photos_of_owner(owner=request.user, ids=ids, trashed=None)
    if not found:
        return HttpResponseBadRequest("None of these photos are yours.")
    return photos_zip_response([found[i] for i in dict.fromkeys(ids) if i in found])
