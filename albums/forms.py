from django import forms

from albums.models import ALBUM_DESCRIPTION_MAX_LENGTH, ALBUM_NAME_MAX_LENGTH


class AlbumForm(forms.Form):
    """Name and description; the albums service cleans and checks them (one name per owner)."""

    name = forms.CharField(max_length=ALBUM_NAME_MAX_LENGTH, label="Name")
    description = forms.CharField(max_length=ALBUM_DESCRIPTION_MAX_LENGTH, required=False, label="Description",
                                  widget=forms.Textarea(attrs={"rows": 3}))
