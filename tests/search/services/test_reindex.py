import pytest
from django.core.management import call_command

from search.clip import weights
from search.models import Concept, PhotoEmbedding
from search.selectors import photo_search
from search.selectors.embedding_models import reindex_progress
from search.services import embedding_models, reindex
from tests import images
from tests.factories import ready_photo_factory

OFFLINE = str(weights.OFFLINE_MODEL_DIR / "imagesearch-offline.pt")


@pytest.fixture
def photos_on_old_model(user, switch_model):
    # Without a vocabulary: tagging a random model's photos would first encode 3,720 concept prompts
    # with its slow text tower (tags across a model switch: tests/search/services/test_tagging.py).
    Concept.objects.all().delete()
    switch_model(CLIP_MODEL="ViT-S-32", CLIP_RANDOM_WEIGHTS=True)
    photos = [ready_photo_factory(owner=user, data=images.jpeg(96, 64, seed=200 + s)) for s in range(5)]
    old_key = weights.active_spec().key
    switch_model(CLIP_MODEL="imagesearch-offline", CLIP_PRETRAINED=OFFLINE, CLIP_RANDOM_WEIGHTS=False)
    return photos, old_key


def test_reindex_moves_every_photo_to_the_new_model_and_keeps_old_vectors(photos_on_old_model):
    photos, old_key = photos_on_old_model
    new = embedding_models.active_model_ensure()
    assert reindex_progress(model=new)["missing"] == 5
    job = reindex.reindex_run(batch_size=2)
    assert job.status == "done" and job.done == 5
    assert PhotoEmbedding.objects.filter(model=new).count() == 5
    assert PhotoEmbedding.objects.filter(model__key=old_key).count() == 5  # rows added, nothing rewritten


def test_search_during_a_reindex_sees_only_re_embedded_photos(photos_on_old_model, user):
    photos, _ = photos_on_old_model
    assert photo_search.search_text(owner=user, text="a dog", options=photo_search.SearchOptions()).results == []
    reindex.reindex_run(batch_size=2, limit=2)  # interrupted after one batch
    found = photo_search.search_text(owner=user, text="a dog", options=photo_search.SearchOptions()).results
    assert len(found) == 2
    with pytest.raises(Exception, match="re-index is running"):
        not_done = next(p for p in photos if p.pk not in {r.photo.pk for r in found})
        photo_search.search_similar(photo=not_done, options=photo_search.SearchOptions())


def test_an_interrupted_reindex_resumes_without_duplicates(photos_on_old_model):
    reindex.reindex_run(batch_size=2, limit=2)
    new = embedding_models.active_model_ensure()
    assert reindex_progress(model=new)["missing"] == 3
    job = reindex.reindex_run(batch_size=2)
    assert job.status == "done" and job.done == 5 and job.total == 5
    assert PhotoEmbedding.objects.filter(model=new).count() == 5


def test_reindex_command_and_staff_page(photos_on_old_model, client, user, django_user_model):
    call_command("reindex")
    assert reindex_progress(model=embedding_models.active_model_ensure())["missing"] == 0
    assert client.get("/search/reindex/").status_code == 302  # staff only
    staff = django_user_model.objects.create_user(username="staff", is_staff=True)
    client.force_login(staff)
    page = client.get("/search/reindex/")
    assert page.status_code == 200 and b"5 of 5 photos have vectors" in page.content


def test_reindex_api_is_staff_only(api_client):
    assert api_client.get("/api/v1/reindex/").status_code == 403
