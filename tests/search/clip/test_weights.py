"""Which weights a process uses: configured ones, the offline fallback, clear failures."""

import time

import pytest
from django.core.management import CommandError, call_command

from gallery.services import processing
from search.clip import encoders, weights
from tests.factories import photo_factory


@pytest.fixture
def no_internet(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_unobtainable_weights_fall_back_to_the_offline_model_quickly(switch_model, no_internet):
    switch_model(CLIP_MODEL="ViT-B-32", CLIP_PRETRAINED="laion2b_s34b_b79k", CLIP_RANDOM_WEIGHTS=False,
                 CLIP_OFFLINE_FALLBACK=True)
    started = time.monotonic()
    resolution = weights.resolve()
    assert time.monotonic() - started < 15
    assert resolution.is_fallback and resolution.spec == weights.offline_spec()
    assert "HF_HUB_OFFLINE" in resolution.fallback_reason
    loaded = encoders.get_model()
    assert loaded.spec.architecture == "imagesearch-offline" and loaded.dimensions == 512


def test_without_fallback_the_failure_is_explicit(switch_model, no_internet, user):
    switch_model(CLIP_MODEL="ViT-B-32", CLIP_PRETRAINED="laion2b_s34b_b79k", CLIP_RANDOM_WEIGHTS=False,
                 CLIP_OFFLINE_FALLBACK=False)
    photo = photo_factory(owner=user)
    processing.photos_process_pending()
    photo.refresh_from_db()
    assert photo.status == "failed"
    assert photo.error.startswith("model weights unavailable: HF_HUB_OFFLINE is set")


@pytest.mark.parametrize("pretrained, message", [("no_such_tag", "unknown CLIP_PRETRAINED"),
                                                 ("/nowhere/weights.pt", "does not exist")])
def test_bad_configuration_is_named(switch_model, pretrained, message):
    switch_model(CLIP_MODEL="ViT-B-32", CLIP_PRETRAINED=pretrained, CLIP_RANDOM_WEIGHTS=False)
    assert message in weights.weights_problem(weights.configured_spec())


def test_download_model_offline_names_the_setting(switch_model, no_internet):
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
