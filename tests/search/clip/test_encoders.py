"""Loading and encoding: unit vectors that mean something."""

import numpy as np
import pytest
import torch
from PIL import Image

from search.clip import encoders, weights

OFFLINE = str(weights.OFFLINE_MODEL_DIR / "imagesearch-offline.pt")


def test_a_local_checkpoint_is_loaded_through_the_normal_path(switch_model):
    switch_model(CLIP_MODEL="imagesearch-offline", CLIP_PRETRAINED=OFFLINE, CLIP_RANDOM_WEIGHTS=False)
    resolution = weights.resolve()
    assert not resolution.is_fallback
    assert resolution.spec.key.startswith("imagesearch-offline/file-sha256-")


def test_encoders_return_unit_vectors_and_text_means_something(switch_model):
    switch_model(CLIP_MODEL="imagesearch-offline", CLIP_PRETRAINED=OFFLINE, CLIP_RANDOM_WEIGHTS=False)
    texts = encoders.encode_texts(["a photo of an airplane.", "a photo of a plane.", "a photo of a sunflower."])
    images = encoders.encode_images([Image.new("RGB", (80, 60), "red"), Image.new("RGB", (30, 90), "blue")])
    for matrix in (texts, images):
        assert np.allclose(np.linalg.norm(matrix, axis=1), 1, atol=1e-4)
    assert texts[0] @ texts[1] > texts[0] @ texts[2]


PROMPTS = ["a photo of a dog.", "a close-up photo of the old wooden fishing boat in the harbour at dawn.", "cat"]


@pytest.mark.parametrize("settings_for", [
    {"CLIP_MODEL": "imagesearch-offline", "CLIP_PRETRAINED": OFFLINE, "CLIP_RANDOM_WEIGHTS": False},
    {"CLIP_MODEL": "ViT-B-32", "CLIP_RANDOM_WEIGHTS": True},  # the default architecture's text tower
    {"CLIP_MODEL": "ViT-S-32", "CLIP_RANDOM_WEIGHTS": True},
], ids=["offline", "ViT-B-32", "ViT-S-32"])
def test_the_trimmed_text_path_gives_encode_texts_own_vectors(switch_model, settings_for):
    switch_model(**settings_for)
    loaded = encoders.get_model()
    tokens = loaded.tokenizer(PROMPTS)
    longest_end = int(tokens.argmax(dim=-1).max())
    assert longest_end + 1 < tokens.shape[1]  # so the trimmed path runs (not the fallback)
    with torch.inference_mode():
        expected = loaded.model.encode_text(tokens).float().numpy()
        trimmed = encoders.encode_tokens(loaded.model, tokens).float().numpy()
    assert trimmed.shape == expected.shape
    assert np.abs(trimmed - expected).max() < 1e-4 * max(1.0, np.abs(expected).max())


def test_a_pooling_that_reads_the_padding_is_never_trimmed(switch_model):
    switch_model(CLIP_MODEL="ViT-S-32", CLIP_RANDOM_WEIGHTS=True)
    loaded = encoders.get_model()
    tokens = loaded.tokenizer(PROMPTS)
    loaded.model.text_pool_type = "last"  # pools the final position: cutting the padding would change it
    try:
        with torch.inference_mode():
            assert torch.equal(encoders.encode_tokens(loaded.model, tokens), loaded.model.encode_text(tokens))
    finally:
        encoders.reset()
