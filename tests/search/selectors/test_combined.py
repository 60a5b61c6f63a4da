"""Combined searches on real photos with the offline model (skipped without the datasets), and
their bad input on factory photos."""

import pytest

from benchmarks.datasets import default_datasets_root, list_labeled_photos
from gallery.services import processing
from imagesearch.exceptions import ApplicationError, NotFound
from search import combine, vectors
from search.selectors import combined, photo_search
from search.selectors.embedding_models import active_model
from tests.factories import photo_factory, ready_photo_factory

CALTECH = default_datasets_root() / "caltech101"
# Classes the offline model learnt (airplanes, faces and leopards are held out of its training).
CLASSES = ("helicopter", "Motorbikes", "bonsai", "sunflower", "butterfly", "watch")
PER_CLASS = 8  # few enough that a top 10 always holds other classes too
OPTIONS = photo_search.SearchOptions(limit=10)
needs_datasets = pytest.mark.skipif(not CALTECH.is_dir(), reason=f"{CALTECH} is absent (a user's machine has no datasets)")


@pytest.fixture
def caltech_gallery(user, offline_model):
    photos = {}
    for item in list_labeled_photos(CALTECH, split="test"):
        if item.path.parent.name in CLASSES and sum(1 for p in photos.values() if p == item.label) < PER_CLASS:
            photo = photo_factory(owner=user, data=item.path.read_bytes(), name=item.path.name)
            photos[photo.pk] = item.label
    processing.photos_process_pending()
    return photos


def _labels(result, photos):
    return [photos[item.photo.pk] for item in result.results]


def _photos_of(user, gallery, label):
    return [user.photos.get(pk=photo_id) for photo_id, photo_label in gallery.items() if photo_label == label]


@needs_datasets
def test_a_photo_plus_words_moves_the_results_toward_the_words(user, caltech_gallery):
    moved, plain_counts, combined_counts = 0, [], []
    for photo in _photos_of(user, caltech_gallery, "helicopter")[:6]:
        plain = _labels(photo_search.search_similar(photo=photo, options=OPTIONS), caltech_gallery)
        with_words = combined.search_similar_with_words(photo=photo, words="sunflower", options=OPTIONS)
        labels = _labels(with_words, caltech_gallery)
        plain_counts.append(plain.count("sunflower"))
        combined_counts.append(labels.count("sunflower"))
        moved += labels.count("sunflower") > plain.count("sunflower")
        assert photo.pk not in [item.photo.pk for item in with_words.results]
        assert with_words.combination.description == f"Like {photo.original_name} + “sunflower”"
    assert moved >= 5, (plain_counts, combined_counts)
    assert sum(combined_counts) >= 3 * max(1, sum(plain_counts))


@needs_datasets
def test_the_photo_still_counts_next_to_the_words_and_weight_zero_is_find_similar(user, caltech_gallery):
    """Image + words is not the words alone: the results stay nearer the photo than the words' results."""
    model = active_model()
    photos = _photos_of(user, caltech_gallery, "bonsai")[:5]
    words_only = photo_search.search_text(owner=user, text="watch", mode="clip", options=OPTIONS)
    for photo in photos:
        query = vectors.photo_vector(model=model, photo_id=photo.pk, owner_id=user.pk)
        with_words = combined.search_similar_with_words(photo=photo, words="watch", options=OPTIONS)

        def likeness(result, query=query):
            ids = [item.photo.pk for item in result.results]
            return sum(vectors.clip_scores(model=model, owner_id=user.pk, query=query, photo_ids=ids).values()) / len(ids)

        assert likeness(with_words) > likeness(words_only)
    plain = photo_search.search_similar(photo=photos[0], options=OPTIONS)
    zero = combined.search_similar_with_words(photo=photos[0], words="sunflower", weight=0.0, options=OPTIONS)
    assert [i.photo.pk for i in zero.results] == [i.photo.pk for i in plain.results]
    assert [i.score for i in zero.results] == pytest.approx([i.score for i in plain.results], abs=1e-3)


@needs_datasets
@pytest.mark.parametrize("wanted, unwanted", [("sunflower", "butterfly"), ("watch", "motorbike")])
def test_words_minus_words_leaves_the_unwanted_class_out(user, caltech_gallery, wanted, unwanted):
    plain = _labels(photo_search.search_text(owner=user, text=wanted, mode="clip", options=OPTIONS), caltech_gallery)
    without = combined.search_words_without(owner=user, text=wanted, without=[unwanted], options=OPTIONS)
    typed = combined.search_words_without(owner=user, text=f"{wanted} -{unwanted}", options=OPTIONS)
    labels = _labels(without, caltech_gallery)
    assert plain.count(unwanted) >= 2, plain  # the unwanted class does intrude without the minus
    assert labels.count(unwanted) <= plain.count(unwanted) // 2, labels  # at least halved
    assert labels.count(wanted) >= plain.count(wanted)
    assert [i.photo.pk for i in typed.results] == [i.photo.pk for i in without.results]
    assert without.combination.description == f"{wanted}, without {unwanted}"


@needs_datasets
def test_more_like_these_finds_their_class_leaves_them_out_and_pages_stably(user, caltech_gallery):
    chosen = _photos_of(user, caltech_gallery, "sunflower")[:3]
    whole = combined.search_like_photos(photos=chosen, options=photo_search.SearchOptions(limit=12))
    ids = [item.photo.pk for item in whole.results]
    assert not set(ids) & {photo.pk for photo in chosen}
    assert _labels(whole, caltech_gallery)[:6].count("sunflower") >= 4  # of the 5 not chosen
    assert whole.combination.description == "Like these 3 photos"
    pages, offset = [], 0
    while offset is not None and offset < 12:
        page = combined.search_like_photos(photos=chosen, options=photo_search.SearchOptions(limit=4, offset=offset))
        pages += [item.photo.pk for item in page.results]
        offset = page.next_offset
    assert pages == ids
    scores = [item.score for item in whole.results]
    assert scores == sorted(scores, reverse=True) and all(-1 <= s <= 1 for s in scores)


def test_more_like_these_pages_to_the_end_without_repeats(user, offline_model):
    photos = [ready_photo_factory(owner=user) for _ in range(9)]
    chosen, seen, offset = photos[:3], [], 0
    while offset is not None:
        page = combined.search_like_photos(photos=chosen, options=photo_search.SearchOptions(limit=2, offset=offset))
        seen += [item.photo.pk for item in page.results]
        offset = page.next_offset
    assert sorted(seen) == sorted(photo.pk for photo in photos[3:])


def test_a_photo_not_ready_gets_a_clear_message(user, offline_model):
    ready = ready_photo_factory(owner=user)
    pending = photo_factory(owner=user, name="pending.jpg")
    with pytest.raises(ApplicationError, match="pending.jpg is still being processed"):
        combined.search_like_photos(photos=[ready, pending], options=OPTIONS)
    with pytest.raises(ApplicationError, match="still being processed"):
        combined.search_similar_with_words(photo=pending, words="night", options=OPTIONS)


def test_bad_input_is_a_clear_error(user, offline_model):
    photo = ready_photo_factory(owner=user)
    with pytest.raises(ApplicationError, match="Type something"):
        combined.search_similar_with_words(photo=photo, words=" ", options=OPTIONS)
    with pytest.raises(ApplicationError, match="at least one photo"):
        combined.search_like_photos(photos=[], options=OPTIONS)
    with pytest.raises(ApplicationError, match="at most 50"):
        combined.search_like_photos(photos=_fake_photos(photo, 51), options=OPTIONS)
    with pytest.raises(ApplicationError, match="weight"):
        combined.search_similar_with_words(photo=photo, words="night", weight=9.0, options=OPTIONS)
    with pytest.raises(ApplicationError, match="cancel"):
        combined.search_words_without(owner=user, text="dog", without=["dog"], weight=1.0, options=OPTIONS)
    with pytest.raises(ApplicationError, match="not only what to leave out"):
        combined.search_words_without(owner=user, text="-dog", options=OPTIONS)
    with pytest.raises(ApplicationError, match="needs CLIP"):
        combined.search_words_without(owner=user, text="dog -cat", mode="tags", options=OPTIONS)


def _fake_photos(photo, count):
    """Unsaved copies with distinct ids: the cap is checked before any vector is read."""
    return [type(photo)(pk=10_000_000 + index, owner_id=photo.owner_id, original_name=f"{index}.jpg")
            for index in range(count)]


def test_photos_of_user_is_not_found_for_another_users_photo(user, other_user, offline_model):
    mine, theirs = ready_photo_factory(owner=user), ready_photo_factory(owner=other_user)
    assert combined.photos_of_user(owner=user, ids=[mine.pk, mine.pk]) == [mine]
    with pytest.raises(NotFound, match=str(theirs.pk)):
        combined.photos_of_user(owner=user, ids=[mine.pk, theirs.pk])


def test_another_users_photos_never_appear(user, other_user, offline_model):
    mine = [ready_photo_factory(owner=user) for _ in range(3)]
    ready_photo_factory(owner=other_user)
    result = combined.search_similar_with_words(photo=mine[0], words="night", options=OPTIONS)
    assert {item.photo.owner_id for item in result.results} == {user.pk}


@pytest.mark.parametrize("text, expected", [
    ("beach -people", ("beach", ["people"])),
    ('beach -"red car" -dog', ("beach", ["red car", "dog"])),
    ("t-shirt", ("t-shirt", [])),
    ("-cat", ("", ["cat"])),
    ("beach - people", ("beach - people", [])),
])
def test_split_without(text, expected):
    assert combined.split_without(text) == expected


def test_descriptions():
    assert combined.Combination(words="beach", without=("people", "cars", "dogs")).description == \
        "beach, without people, cars or dogs"
    assert combined.Combination(image_name="upload.jpg", words="at night").description == "Like upload.jpg + “at night”"
    assert combine.WORDS_WEIGHT > 0
