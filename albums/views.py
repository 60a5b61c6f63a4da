"""Browser pages of albums: the list with a form for a new one, an album's page (the same cards
and month sections as the timeline, a page at a time), renaming, describing, deleting."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from albums import selectors, services
from albums.forms import AlbumForm
from gallery.list_pages import photo_list_response
from imagesearch.exceptions import ApplicationError, get_or_404


def album_list(request, form: AlbumForm | None = None, status: int = 200):
    return render(request, "albums/album_list.html",
                  {"albums": selectors.album_list(owner=request.user), "form": form or AlbumForm()}, status=status)


@require_POST
def album_create(request):
    form = AlbumForm(request.POST)
    if form.is_valid():
        try:
            album = services.album_create(owner=request.user, name=form.cleaned_data["name"],
                                          description=form.cleaned_data["description"])
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Created the album “{album.name}”. Select photos anywhere and add them to it.")
            return redirect("albums:detail", album_id=album.pk)
    return album_list(request, form=form, status=400)


def album_detail(request, album_id: int, form: AlbumForm | None = None, status: int = 200):
    album = get_or_404(selectors.album_get, owner=request.user, album_id=album_id)
    summary = selectors.album_summary(album=album)
    form = form or AlbumForm(initial={"name": album.name, "description": album.description})
    return photo_list_response(
        request, photos=selectors.album_photos(album=album), ordering="-taken_at", template="albums/album_detail.html",
        context={"album": album, "summary": summary, "form": form, "list_label": f"Album: {album.name}"},
        status=status)


@require_POST
def album_edit(request, album_id: int):
    album = get_or_404(selectors.album_get, owner=request.user, album_id=album_id)
    form = AlbumForm(request.POST)
    if form.is_valid():
        try:
            services.album_update(album=album, name=form.cleaned_data["name"],
                                  description=form.cleaned_data["description"])
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Saved the album.")
            return redirect("albums:detail", album_id=album.pk)
    album.refresh_from_db()
    return album_detail(request, album_id=album.pk, form=form, status=400)


@require_POST
def album_delete(request, album_id: int):
    album = get_or_404(selectors.album_get, owner=request.user, album_id=album_id)
    services.album_delete(album=album)
    messages.success(request, f"Deleted the album “{album.name}”. Its photos are still in your library.")
    return redirect("albums:list")
