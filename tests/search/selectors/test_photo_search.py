"""Search results make sense on real photos with the offline model (skipped without the datasets)."""

import io

import pytest
from PIL import Image

from benchmarks.datasets import default_datasets_root, list_labeled_photos
from gallery.selectors import photo_get
from gallery.services import processing
from search.selectors import photo_search
from tests.factories import photo_factory

CALTECH = default_datasets_root() / "caltech101"
# Leopards are held out of the offline model's training (benchmarks.datasets.held_out_labels): a class it never saw.
CLASSES = ("helicopter", "Motorbikes", "bonsai", "sunflower", "Leopards", "watch")
OPTIONS = photo_search.SearchOptions(limit=10)

pytestmark = pytest.mark.skipif(not CALTECH.is_dir(), reason=f"{CALTECH} is absent (a user's machine has no datasets)")


@pytest.fixture
def caltech_gallery(user, offline_model):
    photos = {}
    for item in list_labeled_photos(CALTECH, split="test"):
        if item.path.parent.name in CLASSES and sum(1 for p in photos.values() if p == item.label) < 12:
            photo = photo_factory(owner=user, data=item.path.read_bytes(), name=item.path.name)
            photos[photo.pk] = item.label
    processing.photos_process_pending()
    return photos


def _labels(result, photos):
    return [photos[item.photo.pk] for item in result.results]


def test_a_resized_copy_finds_its_original_first(user, caltech_gallery):
    for photo_id in list(caltech_gallery)[::12]:
        original = user.photos.get(pk=photo_id)
        with original.original.open("rb") as handle:
            image = Image.open(handle).convert("RGB")
        smaller = image.resize((image.width * 2 // 3, image.height * 2 // 3))
        buffer = io.BytesIO()
        smaller.save(buffer, "JPEG", quality=80)
        result = photo_search.search_image(owner=user, file=io.BytesIO(buffer.getvalue()), size=len(buffer.getvalue()),
                                        options=OPTIONS)
        assert result.results[0].photo.pk == photo_id


def test_a_crop_finds_its_photo_in_the_top_3(user, caltech_gallery):
    hits = 0
    for photo_id in list(caltech_gallery)[::6]:
        result = photo_search.search_region(photo=photo_get(owner=user, photo_id=photo_id), box=[0.15, 0.15, 0.85, 0.85],
                                            options=OPTIONS)
        hits += photo_id in [item.photo.pk for item in result.results[:3]]
    assert hits >= 0.8 * len(list(caltech_gallery)[::6])


@pytest.mark.parametrize("query, label", [("helicopter", "helicopter"), ("motorbike", "motorbike"),
                                          ("sunflower", "sunflower"), ("bonsai", "bonsai")])
def test_a_class_name_returns_mostly_that_class(user, caltech_gallery, query, label):
    result = photo_search.search_text(owner=user, text=query, options=OPTIONS)
    assert _labels(result, caltech_gallery).count(label) >= 6


def test_find_similar_returns_mostly_the_same_class(user, caltech_gallery):
    precisions = []
    for photo_id, label in caltech_gallery.items():
        result = photo_search.search_similar(photo=photo_get(owner=user, photo_id=photo_id), options=OPTIONS)
        precisions.append(_labels(result, caltech_gallery).count(label) / 10)
    assert sum(precisions) / len(precisions) >= 0.5
