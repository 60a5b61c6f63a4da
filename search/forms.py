from django import forms

from search import vectors
from search.inputs import parse_box
from search.selectors.photo_search import SearchOptions

PAGE_SIZE = 30


class SearchOptionsForm(forms.Form):
    """Paging, cutoff and metric of a results page (all optional, bad values are form errors)."""

    offset = forms.IntegerField(min_value=0, max_value=10_000, required=False)
    min_score = forms.FloatField(min_value=-1.0, max_value=1.0, required=False, label="Minimum score")
    metric = forms.ChoiceField(choices=[(m, m.replace("_", " ")) for m in vectors.METRICS], required=False)

    def options(self) -> SearchOptions:
        data = self.cleaned_data
        return SearchOptions(limit=PAGE_SIZE, offset=data.get("offset") or 0, min_score=data.get("min_score"),
                             metric=data.get("metric") or "cosine")


class ImageQueryForm(forms.Form):
    file = forms.FileField(label="Image", allow_empty_file=True)
    box = forms.CharField(required=False, help_text="Optional crop: x0,y0,x1,y1 in 0..1")

    def clean_box(self):
        return parse_box(self.cleaned_data.get("box", "")) or None
