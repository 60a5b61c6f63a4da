from django import forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        # Desktop browsers give HEIC/HEIF files no image/ type, so they are named too.
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True, "accept": "image/*,.heic,.heif,.avif"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        if not files:
            raise forms.ValidationError("Choose one or more photos to upload.")
        return files


class UploadForm(forms.Form):
    files = MultipleFileField(label="Photos")
