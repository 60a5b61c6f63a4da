"""A photo in the trash vanishes from every search mode, tag count, duplicate group and
related-word count; restoring brings it back as the same rows (no re-processing)."""

import io

import pytest

from gallery.models import Photo
from gallery.services.trash import photos_restore, photos_trash
from search.models import PhotoEmbedding, PhotoTag, PhotoTagVector
from search.selectors import photo_search
from search.selectors.duplicates import near_duplicate_groups
from search.selectors.tags import gallery_tags
from search.selectors.words import related_words
from search.services.tag_edits import photo_tag_add
from tests import images
from tests.factories import ready_photo_factory, tagged_photo

OPTIONS = photo_search.SearchOptions(limit=20)


def ids(result) -> list[int]:
    return [item.photo.pk for item in result.results]


def jpeg_variant(image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


@pytest.fixture
def gallery(user, vocabulary):
    base = images.pattern(300, 200, seed=31)
    twin_a = ready_photo_factory(owner=user, data=jpeg_variant(base, 95), name="twin-a.jpg")
    twin_b = ready_photo_factory(owner=user, data=jpeg_variant(base, 60), name="twin-b.jpg")
    return {
        "boat": tagged_photo(user, "boat", "harbor", seed=1), "dog": tagged_photo(user, "dog", seed=3),
        "cake": tagged_photo(user, "birthday cake", seed=2), "twin_a": twin_a, "twin_b": twin_b,
    }


def everything_seen(user, gallery) -> dict[str, set[int]]:
    """Which photos each search mode, list and count finds."""
    boat, dog = gallery["boat"], gallery["dog"]
    with dog.original.open("rb") as handle:
        dog_bytes = handle.read()
    modes = {
        "words (hybrid)": ids(photo_search.search_text(owner=user, text="ocean", options=OPTIONS)),
        "words (clip)": ids(photo_search.search_text(owner=user, text="boat", options=OPTIONS, mode="clip")),
        "words (tags)": ids(photo_search.search_text(owner=user, text="ocean", options=OPTIONS, mode="tags")),
        "similar": ids(photo_search.search_similar(photo=dog, options=OPTIONS)),
        "region": ids(photo_search.search_region(photo=dog, box=[0.1, 0.1, 0.9, 0.9], options=OPTIONS)),
        "image": ids(photo_search.search_image(owner=user, file=io.BytesIO(dog_bytes), size=len(dog_bytes),
                                               options=OPTIONS)),
        "duplicates": [item.photo.pk for group in near_duplicate_groups(owner=user, max_distance=0.05) for item in group],
    }
    seen = {name: set(found) for name, found in modes.items()}
    seen["tag counts"] = {boat.pk} if any(t.name == "boat" and t.photos == 1 for t in gallery_tags(owner=user)) else set()
    related = {word.word: word.photos for word in related_words(word="ship", owner=user, limit=10)[1]}
    seen["related words"] = {boat.pk} if related.get("boat") == 1 else set()
    return seen


def test_a_trashed_photo_vanishes_from_every_search_mode_and_count_and_comes_back(user, gallery):
    boat, twin_b = gallery["boat"], gallery["twin_b"]
    before = everything_seen(user, gallery)
    # Each mode finds the photos about to be trashed, so their absence below means something.
    for name in ("words (hybrid)", "words (clip)", "words (tags)", "similar", "image", "tag counts", "related words"):
        assert boat.pk in before[name], name
    assert {gallery["twin_a"].pk, twin_b.pk} <= before["duplicates"]
    assert boat.pk in before["region"] or twin_b.pk in before["region"]

    photos_trash(photos=[boat, twin_b])
    after = everything_seen(user, gallery)
    for name, found in after.items():
        assert not found & {boat.pk, twin_b.pk}, name
    assert after["duplicates"] == set()  # the twin left alone is no group

    photos_restore(photos=[boat, twin_b])
    assert everything_seen(user, gallery) == before


def test_restore_brings_back_the_same_rows_without_reprocessing(user, gallery):
    boat = gallery["boat"]
    embeddings = list(PhotoEmbedding.objects.filter(photo=boat).order_by("pk").values_list("pk", "embedding", "tagged"))
    tags = list(PhotoTag.objects.filter(photo=boat).order_by("pk").values_list("pk", "name", "source", "hidden"))
    tag_vector = list(PhotoTagVector.objects.filter(photo=boat).values_list("photo_id", "vector"))
    processed_at = Photo.objects.get(pk=boat.pk).processed_at
    assert embeddings and tags and tag_vector

    photos_trash(photos=[boat])
    # In the trash the rows wait untouched (searches leave the photo out by its own state).
    assert list(PhotoEmbedding.objects.filter(photo=boat).order_by("pk").values_list("pk", "embedding", "tagged")) == embeddings
    assert list(PhotoTagVector.objects.filter(photo=boat).values_list("photo_id", "vector")) == tag_vector
    photos_restore(photos=[boat])

    assert list(PhotoEmbedding.objects.filter(photo=boat).order_by("pk").values_list("pk", "embedding", "tagged")) == embeddings
    assert list(PhotoTag.objects.filter(photo=boat).order_by("pk").values_list("pk", "name", "source", "hidden")) == tags
    assert list(PhotoTagVector.objects.filter(photo=boat).values_list("photo_id", "vector")) == tag_vector
    restored = Photo.objects.get(pk=boat.pk)
    assert restored.status == Photo.Status.READY and restored.processed_at == processed_at


def test_tag_edits_in_the_trash_keep_the_tag_vector_out_of_search(user, gallery):
    dog = gallery["dog"]
    photos_trash(photos=[dog])
    photo_tag_add(photo=dog, name="puppy")
    assert PhotoTagVector.objects.filter(photo=dog).exists()
    assert dog.pk not in ids(photo_search.search_text(owner=user, text="puppy", options=OPTIONS, mode="tags"))
