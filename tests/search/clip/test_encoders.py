"""Loading and encoding: unit vectors that mean something."""

import numpy as np
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
