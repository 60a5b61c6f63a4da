import numpy as np
import pytest

from search import clip
from tests.factories import photo_factory

OFFLINE = str(clip.OFFLINE_MODEL_DIR / "imagesearch-offline.pt")


@pytest.fixture
def no_internet(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_unobtainable_weights_fall_back_to_the_offline_model_quickly(switch_model, no_internet):
    import time

    switch_model(CLIP_MODEL="ViT-B-32", CLIP_PRETRAINED="laion2b_s34b_b79k", CLIP_RANDOM_WEIGHTS=False,
                 CLIP_OFFLINE_FALLBACK=True)
    started = time.monotonic()
    resolution = clip.resolve()
    assert time.monotonic() - started < 15
    assert resolution.is_fallback and resolution.spec == clip.offline_spec()
    assert "HF_HUB_OFFLINE" in resolution.fallback_reason
    loaded = clip.get_model()
    assert loaded.spec.architecture == "imagesearch-offline" and loaded.dimensions == 512


def test_without_fallback_the_failure_is_explicit(switch_model, no_internet, user):
    from gallery import services

    switch_model(CLIP_MODEL="ViT-B-32", CLIP_PRETRAINED="laion2b_s34b_b79k", CLIP_RANDOM_WEIGHTS=False,
                 CLIP_OFFLINE_FALLBACK=False)
    photo = photo_factory(owner=user)
    services.photos_process_pending()
    photo.refresh_from_db()
    assert photo.status == "failed"
    assert photo.error.startswith("model weights unavailable: HF_HUB_OFFLINE is set")


@pytest.mark.parametrize("pretrained, message", [("no_such_tag", "unknown CLIP_PRETRAINED"),
                                                 ("/nowhere/weights.pt", "does not exist")])
def test_bad_configuration_is_named(switch_model, pretrained, message):
    switch_model(CLIP_MODEL="ViT-B-32", CLIP_PRETRAINED=pretrained, CLIP_RANDOM_WEIGHTS=False)
    assert message in clip.weights_problem(clip.configured_spec())


def test_a_local_checkpoint_is_loaded_through_the_normal_path(switch_model):
    switch_model(CLIP_MODEL="imagesearch-offline", CLIP_PRETRAINED=OFFLINE, CLIP_RANDOM_WEIGHTS=False)
    resolution = clip.resolve()
    assert not resolution.is_fallback
    assert resolution.spec.key.startswith("imagesearch-offline/file-sha256-")


def test_encoders_return_unit_vectors_and_text_means_something(switch_model):
    from PIL import Image

    switch_model(CLIP_MODEL="imagesearch-offline", CLIP_PRETRAINED=OFFLINE, CLIP_RANDOM_WEIGHTS=False)
    texts = clip.encode_texts(["a photo of an airplane.", "a photo of a plane.", "a photo of a sunflower."])
    images = clip.encode_images([Image.new("RGB", (80, 60), "red"), Image.new("RGB", (30, 90), "blue")])
    for matrix in (texts, images):
        assert np.allclose(np.linalg.norm(matrix, axis=1), 1, atol=1e-4)
    assert texts[0] @ texts[1] > texts[0] @ texts[2]


def test_download_model_offline_names_the_setting(switch_model, no_internet):
    from django.core.management import CommandError, call_command

    switch_model(CLIP_MODEL="ViT-B-32", CLIP_PRETRAINED="laion2b_s34b_b79k", CLIP_RANDOM_WEIGHTS=False)
    with pytest.raises(CommandError, match="CLIP_PRETRAINED"):
        call_command("download_model")


def test_offline_notice_on_pages_and_model_in_the_api(switch_model, no_internet, browser_client, api_client):
    switch_model(CLIP_MODEL="ViT-B-32", CLIP_PRETRAINED="laion2b_s34b_b79k", CLIP_RANDOM_WEIGHTS=False,
                 CLIP_OFFLINE_FALLBACK=True)
    assert b"offline model: search quality is limited; see README to enable full CLIP" in browser_client.get("/").content
    status = api_client.get("/api/v1/status/").json()
    assert status["offline_fallback"] is True and status["model"].startswith("imagesearch-offline/")
    assert status["configured_model"] == "ViT-B-32/laion2b_s34b_b79k"
