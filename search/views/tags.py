"""Browser pages of tags: the gallery's tag list, and the owner's tag edits on a photo page."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gallery.selectors import photo_get, photo_page
from imagesearch.exceptions import ApplicationError, get_or_404
from search.selectors.tags import gallery_tags
from search.services.tag_edits import photo_tag_add as tag_add
from search.services.tag_edits import photo_tag_remove as tag_remove


def tags(request):
    return render(request, "search/tags.html", {"tags": gallery_tags(owner=request.user)})


@require_POST
def photo_tag_add(request, photo_id: int):
    photo = get_or_404(photo_get, owner=request.user, photo_id=photo_id)
    name = request.POST.get("name", "")
    try:
        tag = tag_add(photo=photo, name=name)
    except ApplicationError as exc:
        # The photo page again, with the error beside the field and the input kept.
        context = {**photo_page(photo=photo), "tag_error": exc.message, "tag_value": name}
        return render(request, "gallery/photo_detail.html", context, status=400)
    messages.success(request, f"Tagged “{tag.name}”.")
    return redirect("gallery:photo", photo_id=photo_id)


@require_POST
def photo_tag_remove(request, photo_id: int):
    photo = get_or_404(photo_get, owner=request.user, photo_id=photo_id)
    try:
        tag = tag_remove(photo=photo, name=request.POST.get("name", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        note = " Automatic tagging won't add it again." if tag.source == tag.Source.AUTO else ""
        messages.success(request, f"Removed the tag “{tag.name}”.{note}")
    return redirect("gallery:photo", photo_id=photo_id)
