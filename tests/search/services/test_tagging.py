"""Automatic tags: zero-shot tagging in the worker path, the backfill, and re-tagging."""

import pytest

from benchmarks.datasets import default_datasets_root
from gallery.selectors import photo_get
from gallery.services import processing
from search.models import Concept, PhotoEmbedding, PhotoTag, PhotoTagVector
from search.selectors import tags as tag_selectors
from search.services import embedding_models, reindex, tag_edits, tagging
from search.services import vocabulary as vocabulary_services
from tests import images
from tests.factories import photo_factory, ready_photo_factory

CALTECH = default_datasets_root() / "caltech101"


needs_caltech = pytest.mark.skipif(not CALTECH.is_dir(), reason=f"{CALTECH} is absent")


def caltech_photo(owner, folder: str, index: int = 4):
    path = sorted((CALTECH / folder).glob("*.jpg"))[index]
    return ready_photo_factory(owner=owner, data=path.read_bytes(), name=path.name)


def visible(photo) -> dict[str, str]:
    return {tag.name: tag.source for tag in tag_selectors.photo_tags(photo=photo)}


def _photo_with_auto_tags(user):
    """A generated photo with its automatic tags (threshold at zero so that there always are some)."""
    photo = photo_factory(owner=user)
    processing.photos_process_pending()
    photo.refresh_from_db()
    return photo


@needs_caltech
@pytest.mark.parametrize(("folder", "word"), [("Motorbikes", "motorbike"), ("sunflower", "sunflower")])
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
    vocabulary_services.vocabulary_build(embed=True)
    tagging.tags_backfill()
    assert PhotoEmbedding.objects.get(photo=photo).tagged


def test_owner_edits_survive_re_tagging_and_re_indexing(user, vocabulary, settings, switch_model):
    settings.TAG_MIN_PROBABILITY = 0.0
    model = embedding_models.active_model_ensure()
    model.tag_threshold, model.tag_relative_floor = 0.0, 0.0
    model.save()
    photo = _photo_with_auto_tags(user)
    auto = list(visible(photo))
    assert len(auto) == settings.TAG_MAX_PER_PHOTO
    removed, kept = auto[0], auto[1]
    tag_edits.photo_tag_remove(photo=photo_get(owner=user, photo_id=photo.pk), name=removed)
    tag_edits.photo_tag_add(photo=photo_get(owner=user, photo_id=photo.pk), name="  Grandma's  Birthday ")
    tag_edits.photo_tag_add(photo=photo_get(owner=user, photo_id=photo.pk), name=kept)  # keeping an automatic tag for good

    tagging.tags_mark_stale()
    assert tagging.tags_backfill() == 1
    after = visible(photo)
    assert removed not in after
    assert after["grandma's birthday"] == "user" and after[kept] == "user"

    # A new model re-embeds and re-tags the photo; the edits stay. (A small vocabulary: the random
    # model's text tower is slow on a CPU.)
    Concept.objects.exclude(name__in=[removed, kept, *list(Concept.objects.values_list("name", flat=True)[:20])]).delete()
    switch_model(CLIP_RANDOM_WEIGHTS=True, CLIP_MODEL="ViT-S-32")
    reindex.reindex_run()
    assert PhotoEmbedding.objects.filter(photo=photo, tagged=True).count() == 2
    after = visible(photo)
    assert removed not in after and after["grandma's birthday"] == "user" and after[kept] == "user"


def test_a_new_image_is_tagged_by_the_worker_path_without_touching_other_photos(user, vocabulary):
    first = ready_photo_factory(owner=user)
    tag_edits.photo_tag_add(photo=photo_get(owner=user, photo_id=first.pk), name="keepsake")
    before = set(PhotoTag.objects.filter(photo=first).values_list("name", "source", "hidden"))
    ready_photo_factory(owner=user, data=images.png(seed=77))
    assert set(PhotoTag.objects.filter(photo=first).values_list("name", "source", "hidden")) == before
