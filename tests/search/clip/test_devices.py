"""CLIP_DEVICE: where the model and its batches run. This machine has no GPU: the CPU path and
`auto`'s choice are tested; the CUDA path (fp16, CLIP_CUDA_BATCH_SIZE) is not (README)."""

import numpy as np
import pytest
import torch
from PIL import Image

from search.clip import encoders, weights

OFFLINE = str(weights.OFFLINE_MODEL_DIR / "imagesearch-offline.pt")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this test describes a machine without a GPU")
def test_auto_picks_the_cpu_without_a_gpu_and_encodes_there_in_float32(switch_model):
    switch_model(CLIP_MODEL="imagesearch-offline", CLIP_PRETRAINED=OFFLINE, CLIP_RANDOM_WEIGHTS=False,
                 CLIP_DEVICE="auto", CLIP_BATCH_SIZE=3, CLIP_CUDA_BATCH_SIZE=64)
    loaded = encoders.get_model()
    assert loaded.device == "cpu"
    assert encoders.batch_size() == 3  # the CPU batch, not the GPU one
    assert {parameter.dtype for parameter in loaded.model.parameters()} == {torch.float32}
    assert {parameter.device.type for parameter in loaded.model.parameters()} == {"cpu"}
    vectors = encoders.encode_images([Image.new("RGB", (40, 30), colour) for colour in ("red", "green", "blue", "white")])
    assert vectors.shape == (4, loaded.dimensions) and vectors.dtype == np.float32  # two passes of 3 and 1
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this test describes a machine without a GPU")
def test_cuda_without_a_gpu_says_what_to_change(switch_model):
    switch_model(CLIP_MODEL="imagesearch-offline", CLIP_PRETRAINED=OFFLINE, CLIP_RANDOM_WEIGHTS=False,
                 CLIP_DEVICE="cuda", CLIP_OFFLINE_FALLBACK=False)
    with pytest.raises(weights.ModelUnavailable, match="CLIP_DEVICE=cpu or auto"):
        encoders.get_model()
