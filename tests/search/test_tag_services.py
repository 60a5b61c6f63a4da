"""Automatic tags, the owner's edits and tag vectors, against real PostgreSQL and the offline model."""

import numpy as np
import pytest

from benchmarks.datasets import default_datasets_root
from gallery import services as gallery_services
from imagesearch.exceptions import ApplicationError, NotFound
from search import services, tag_selectors, tag_services, vectors
from search.models import Concept, ConceptEmbedding, PhotoEmbedding, PhotoTag, PhotoTagVector
from tests import images
from tests.factories import photo_factory, ready_photo_factory

CALTECH = default_datasets_root() / "caltech101"
needs_caltech = pytest.mark.skipif(not CALTECH.is_dir(), reason=f"{CALTECH} is absent")


def caltech_photo(owner, folder: str, index: int = 4):
    path = sorted((CALTECH / folder).glob("*.jpg"))[index]
    return ready_photo_factory(owner=owner, data=path.read_bytes(), name=path.name)


def visible(photo) -> dict[str, str]:
    return {tag.name: tag.source for tag in tag_selectors.photo_tags(photo=photo)}


def test_the_vocabulary_has_over_a_thousand_concepts_with_glove_and_clip_vectors(vocabulary):
    assert vocabulary.concepts >= 1000 and vocabulary.glove_words == 400_000

    assert ConceptEmbedding.objects.filter(model__key=vocabulary.model_key).count() == Concept.objects.count()
    assert Concept.objects.filter(name="hot air balloon").exists()


@needs_caltech
@pytest.mark.parametrize(("folder", "word"), [("airplanes", "airplane"), ("Faces_easy", "face")])
def test_a_real_photo_gets_sensible_tags_with_scores(user, vocabulary, folder, word):
    photo = caltech_photo(user, folder)
    tags = tag_selectors.photo_tags(photo=photo)
    assert word in [tag.name for tag in tags]
    assert 1 <= len(tags) <= 8
    assert all(tag.source == "auto" and 0 < tag.score <= 1 for tag in tags)
    assert [tag.score for tag in tags] == sorted((tag.score for tag in tags), reverse=True)
    assert PhotoEmbedding.objects.get(photo=photo).tagged
    assert PhotoTagVector.objects.filter(photo=photo).exists()


def test_no_vocabulary_means_no_tags_until_the_backfill(user, offline_model, glove_words):
    Concept.objects.all().delete()
    photo = ready_photo_factory(owner=user)
    assert not PhotoTag.objects.exists() and not PhotoEmbedding.objects.get(photo=photo).tagged
    tag_services.vocabulary_build(embed=True)
    tag_services.tags_backfill()
    assert PhotoEmbedding.objects.get(photo=photo).tagged


def _photo_with_auto_tags(user):
    """A generated photo with its automatic tags (threshold at zero so that there always are some)."""
    photo = photo_factory(owner=user)
    gallery_services.photos_process_pending()
    photo.refresh_from_db()
    return photo


def test_owner_edits_survive_re_tagging_and_re_indexing(user, vocabulary, settings, switch_model):
    settings.TAG_MIN_PROBABILITY = 0.0
    model = services.active_embedding_model()
    model.tag_threshold, model.tag_relative_floor = 0.0, 0.0
    model.save()
    photo = _photo_with_auto_tags(user)
    auto = list(visible(photo))
    assert len(auto) == settings.TAG_MAX_PER_PHOTO
    removed, kept = auto[0], auto[1]
    tag_services.photo_tag_remove(owner=user, photo_id=photo.pk, name=removed)
    tag_services.photo_tag_add(owner=user, photo_id=photo.pk, name="  Grandma's  Birthday ")
    tag_services.photo_tag_add(owner=user, photo_id=photo.pk, name=kept)  # keeping an automatic tag for good

    tag_services.tags_mark_stale()
    assert tag_services.tags_backfill() == 1
    after = visible(photo)
    assert removed not in after
    assert after["grandma's birthday"] == "user" and after[kept] == "user"

    # A new model re-embeds and re-tags the photo; the edits stay. (A small vocabulary: the random
    # model's text tower is slow on a CPU.)
    Concept.objects.exclude(name__in=[removed, kept, *list(Concept.objects.values_list("name", flat=True)[:20])]).delete()
    switch_model(CLIP_RANDOM_WEIGHTS=True, CLIP_MODEL="ViT-S-32")
    services.reindex_run()
    assert PhotoEmbedding.objects.filter(photo=photo, tagged=True).count() == 2
    after = visible(photo)
    assert removed not in after and after["grandma's birthday"] == "user" and after[kept] == "user"


def test_a_removed_tag_stays_removed_and_adding_it_back_restores_it(user, vocabulary):
    photo = ready_photo_factory(owner=user)
    tag_services.photo_tag_add(owner=user, photo_id=photo.pk, name="beach")
    tag_services.photo_tag_remove(owner=user, photo_id=photo.pk, name="Beach")
    assert "beach" not in visible(photo) and PhotoTag.objects.get(photo=photo, name="beach").hidden
    tag_services.tags_mark_stale()
    tag_services.tags_backfill()
    assert "beach" not in visible(photo)
    with pytest.raises(NotFound):
        tag_services.photo_tag_remove(owner=user, photo_id=photo.pk, name="beach")
    tag_services.photo_tag_add(owner=user, photo_id=photo.pk, name="beach")
    assert visible(photo)["beach"] == "user"


@pytest.mark.parametrize(("name", "stored"), [
    ("  Hot   Air Balloon ", "hot air balloon"), ("café", "café"), ("t-shirt", "t-shirt"), ("rock'n'roll", "rock'n'roll"),
    ("2024", "2024"),
])
def test_tag_names_are_normalised(name, stored):
    assert tag_services.clean_tag_name(name) == stored


@pytest.mark.parametrize(("name", "message"), [
    ("", "Type a tag"), ("   ", "Type a tag"), ("x" * 41, "at most 40 characters"),
    ("<script>alert(1)</script>", "letters and digits"), ("a/b", "letters and digits"), ("one--two", "letters and digits"),
    ("under_score", "letters and digits"), ("one two three four five", "at most 4 words"), ("-dash", "letters and digits"),
])
def test_bad_tag_names_get_a_clear_message(name, message):
    with pytest.raises(ApplicationError, match=message):
        tag_services.clean_tag_name(name)


def test_a_photo_has_at_most_fifty_tags(user, vocabulary):
    photo = ready_photo_factory(owner=user)
    PhotoTag.objects.filter(photo=photo).delete()
    for number in range(tag_services.MAX_TAGS_PER_PHOTO):
        tag_services.photo_tag_add(owner=user, photo_id=photo.pk, name=f"tag {number}")
    with pytest.raises(ApplicationError, match="at most 50 tags"):
        tag_services.photo_tag_add(owner=user, photo_id=photo.pk, name="one too many")


def test_the_tag_vector_follows_the_tags(user, vocabulary):
    photo = ready_photo_factory(owner=user)
    PhotoTag.objects.filter(photo=photo).delete()
    tag_services.tag_vectors_update(photo_ids=[photo.pk])
    assert not PhotoTagVector.objects.filter(photo=photo).exists()

    tag_services.photo_tag_add(owner=user, photo_id=photo.pk, name="boat")
    sea = tag_selectors.word_query("sea").vector
    near_sea = vectors.nearest_tagged_photos(owner_id=user.pk, query=sea, limit=1)[0]
    assert near_sea.photo_id == photo.pk and near_sea.score > 0.5

    tag_services.photo_tag_remove(owner=user, photo_id=photo.pk, name="boat")
    tag_services.photo_tag_add(owner=user, photo_id=photo.pk, name="birthday cake")
    assert vectors.nearest_tagged_photos(owner_id=user.pk, query=sea, limit=1)[0].score < near_sea.score


def test_a_tag_glove_does_not_know_is_kept_without_a_vector(user, vocabulary):
    photo = ready_photo_factory(owner=user)
    PhotoTag.objects.filter(photo=photo).delete()
    tag = tag_services.photo_tag_add(owner=user, photo_id=photo.pk, name="qxzzyv")
    assert tag.glove is None and visible(photo) == {"qxzzyv": "user"}
    assert not PhotoTagVector.objects.filter(photo=photo).exists()


def test_another_users_photo_cannot_be_tagged_or_untagged(user, other_user, vocabulary):
    photo = ready_photo_factory(owner=user)
    tag_services.photo_tag_add(owner=user, photo_id=photo.pk, name="mine")
    with pytest.raises(NotFound):
        tag_services.photo_tag_add(owner=other_user, photo_id=photo.pk, name="theirs")
    with pytest.raises(NotFound):
        tag_services.photo_tag_remove(owner=other_user, photo_id=photo.pk, name="mine")
    assert visible(photo)["mine"] == "user" and "theirs" not in visible(photo)


def test_phrase_vectors_average_their_words(glove_words, db):
    both = tag_services.phrase_glove_vector("dog beach")
    dog, beach = tag_services.phrase_glove_vector("dog"), tag_services.phrase_glove_vector("beach")
    assert np.isclose(np.linalg.norm(both), 1.0)
    assert both @ dog > 0.6 and both @ beach > 0.6 and both @ dog < 0.99
    assert tag_services.phrase_glove_vector("qxzzyv") is None


def test_a_new_image_is_tagged_by_the_worker_path_without_touching_other_photos(user, vocabulary):
    first = ready_photo_factory(owner=user)
    tag_services.photo_tag_add(owner=user, photo_id=first.pk, name="keepsake")
    before = set(PhotoTag.objects.filter(photo=first).values_list("name", "source", "hidden"))
    ready_photo_factory(owner=user, data=images.png(seed=77))
    assert set(PhotoTag.objects.filter(photo=first).values_list("name", "source", "hidden")) == before


def test_tags_added_before_glove_was_loaded_get_their_vectors_when_it_is(user, vocabulary):
    photo = ready_photo_factory(owner=user)
    PhotoTag.objects.filter(photo=photo).delete()
    tag_services.photo_tag_add(owner=user, photo_id=photo.pk, name="sailboat")
    PhotoTag.objects.filter(photo=photo).update(glove=None)  # as if GloVe had been empty
    PhotoTagVector.objects.filter(photo=photo).delete()
    tag_services.vocabulary_build(embed=False)
    assert PhotoTag.objects.get(photo=photo, name="sailboat").glove is not None
    assert PhotoTagVector.objects.filter(photo=photo).exists()


def test_words_keep_their_accents():
    from search import glove

    assert glove.words_of("Café crème, on the beach!") == ["café", "crème", "beach"]


def test_a_word_glove_learns_later_is_not_remembered_as_unknown(glove_words, db):
    from search.models import GloveWord

    assert tag_selectors.word_query("qxzzyv").vector is None
    GloveWord.objects.create(id=400_000, word="qxzzyv", vector=[0.1] * 50)  # rolled back after the test
    try:
        assert tag_selectors.word_query("qxzzyv").vector is not None
    finally:
        tag_selectors.word_query_cache_clear()
