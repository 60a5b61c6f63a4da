"""Browser pages of tags: the gallery's tag list, and the owner's tag edits on a photo page."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gallery.views import photo_detail
from imagesearch.exceptions import ApplicationError, NotFound
from search import tag_selectors, tag_services


def tags(request):
    return render(request, "search/tags.html", {"tags": tag_selectors.gallery_tags(owner=request.user)})


@require_POST
def photo_tag_add(request, photo_id: int):
    try:
        tag = tag_services.photo_tag_add(owner=request.user, photo_id=photo_id, name=request.POST.get("name", ""))
    except NotFound:
        raise Http404("Photo not found.") from None
    except ApplicationError as exc:
        return photo_detail(request, photo_id, tag_error=exc.message, tag_value=request.POST.get("name", ""))
    messages.success(request, f"Tagged “{tag.name}”.")
    return redirect("gallery:photo", photo_id=photo_id)


@require_POST
def photo_tag_remove(request, photo_id: int):
    try:
        tag = tag_services.photo_tag_remove(owner=request.user, photo_id=photo_id, name=request.POST.get("name", ""))
    except NotFound as exc:
        if "Photo" in exc.message:
            raise Http404(exc.message) from None
        messages.error(request, exc.message)
    else:
        note = " Automatic tagging won't add it again." if tag.source == tag.Source.AUTO else ""
        messages.success(request, f"Removed the tag “{tag.name}”.{note}")
    return redirect("gallery:photo", photo_id=photo_id)
