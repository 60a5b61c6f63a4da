"""The loaded CLIP model: loaded once per process, encoding batches of images or texts into
L2-normalised float32 numpy arrays."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from PIL import Image

from search.clip import weights
from search.clip.library import open_clip
from search.clip.weights import ModelSpec, ModelUnavailable

logger = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    spec: ModelSpec
    model: object
    preprocess: object
    tokenizer: object
    dimensions: int
    logit_scale: float = 100.0  # exp of the learned temperature: zero-shot softmax uses it
    device: str = "cpu"
    batch_size: int = 16  # images per forward pass (CLIP_BATCH_SIZE, or CLIP_CUDA_BATCH_SIZE on a GPU)


_lock = threading.Lock()
_loaded: LoadedModel | None = None


def get_model() -> LoadedModel:
    """The process's model, loaded on first use (the worker loads it at start)."""
    global _loaded
    if _loaded is None:
        resolution = weights.resolve()
        with _lock:
            if _loaded is None:
                try:
                    _loaded = _load(resolution.spec)
                except ModelUnavailable as exc:
                    if not weights.may_fall_back(resolution.spec):
                        raise
                    _loaded = _load(weights.fall_back(reason=str(exc)).spec)
    return _loaded


def reset() -> None:
    """Forget the loaded model and the resolution (tests switching settings)."""
    global _loaded
    with _lock:
        _loaded = None
    weights.forget()


def batch_size() -> int:
    """How many images to hand encode_images at once on this process's device."""
    return get_model().batch_size


def resolve_device(setting: str) -> str:
    """CLIP_DEVICE to a torch device: `auto` is cuda when torch sees a GPU, else cpu."""
    torch = torch_module()
    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if setting == "cuda" and not torch.cuda.is_available():
        raise ModelUnavailable("CLIP_DEVICE=cuda but torch sees no CUDA GPU (a CPU-only torch build, no "
                               "driver, or the container has no GPU reserved); set CLIP_DEVICE=cpu or auto.")
    return setting


def preprocess_resize_side() -> int:
    """The shorter side the model's preprocessing first resizes an image to, when that step is a
    plain bicubic Resize(int) (open_clip's "shortest" mode), else 0. A web process without torch
    does that resize itself before sending a query image to a worker (search/query_encoding.py)."""
    steps = getattr(get_model().preprocess, "transforms", None) or [None]
    first = steps[0]
    size = getattr(first, "size", None)
    size = size[0] if isinstance(size, (list, tuple)) and len(size) == 1 else size
    bicubic = str(getattr(first, "interpolation", "")).lower().endswith("bicubic")
    if type(first).__name__ == "Resize" and isinstance(size, int) and bicubic and getattr(first, "max_size", None) is None:
        return size
    return 0


def encode_images(images: Sequence[Image.Image]) -> np.ndarray:
    """Embed RGB images; returns shape (len(images), dimensions), rows of unit length."""
    loaded = get_model()
    torch = torch_module()
    if not images:
        return np.zeros((0, loaded.dimensions), dtype=np.float32)
    dtype = _dtype(loaded)
    batches = []
    for start in range(0, len(images), loaded.batch_size):
        chunk = images[start : start + loaded.batch_size]
        pixels = torch.stack([loaded.preprocess(image) for image in chunk]).to(loaded.device, dtype=dtype)
        with torch.inference_mode():
            batches.append(loaded.model.encode_image(pixels).float().cpu())
    return _normalise(torch.cat(batches).numpy())


def encode_image(image: Image.Image) -> np.ndarray:
    """One image's unit vector (a query: a crop, or an uploaded image)."""
    return encode_images([image])[0]


def encode_texts(texts: Sequence[str]) -> np.ndarray:
    """Embed texts; returns shape (len(texts), dimensions), rows of unit length."""
    loaded = get_model()
    torch = torch_module()
    if not texts:
        return np.zeros((0, loaded.dimensions), dtype=np.float32)
    with torch.inference_mode():
        features = encode_tokens(loaded.model, loaded.tokenizer(list(texts)).to(loaded.device)).float().cpu()
    return _normalise(features.numpy())


def _dtype(loaded: LoadedModel):
    # Half precision on a GPU: twice the throughput and half the memory, same rankings for CLIP.
    torch = torch_module()
    return torch.float16 if loaded.device.startswith("cuda") else torch.float32


# Poolings that read a position at or before each prompt's end token: with a causal mask, nothing
# after the longest prompt's end changes them ("last" reads the final padding position: not these).
_TRIMMABLE_POOLING = {"argmax", "eos", "first"}


def encode_tokens(model, tokens):
    """`model.encode_text(tokens)` computed over the positions up to the longest prompt's end token
    only, where that is exact: the same parameters and maths as open_clip's CLIP.encode_text, on
    a fraction of the 77 positions (ViT-B-32, a 3-prompt query: 114 ms -> 30 ms here). Other
    models (no causal mask, other poolings, custom text towers) use encode_text as it is."""
    mask = getattr(model, "attn_mask", None)
    pooling = getattr(model, "text_pool_type", None)
    if mask is None or pooling not in _TRIMMABLE_POOLING or not hasattr(model, "token_embedding"):
        return model.encode_text(tokens)
    length = int(_end_positions(model, tokens, pooling).max()) + 1
    if length >= tokens.shape[1]:
        return model.encode_text(tokens)
    tokens = tokens[:, :length]
    cast_dtype = model.transformer.get_cast_dtype()
    x = model.token_embedding(tokens).to(cast_dtype) + model.positional_embedding[:length].to(cast_dtype)
    x = model.transformer(x, attn_mask=mask[:length, :length])
    x = model.ln_final(x)
    x = open_clip().transformer.text_global_pool(x, tokens, pooling, eos_token_id=getattr(model, "text_eos_id", None))
    if model.text_projection is not None:
        x = model.text_projection(x) if callable(model.text_projection) else x @ model.text_projection
    return x


def _end_positions(model, tokens, pooling: str):
    torch = torch_module()
    if pooling == "eos":
        return (tokens == model.text_eos_id).int().argmax(dim=-1)
    if pooling == "first":
        return torch.zeros(tokens.shape[0], dtype=torch.long, device=tokens.device)
    return tokens.argmax(dim=-1)  # the end token has the highest id in CLIP's tokenizer



def torch_module():
    """torch, imported with the model (get_model), never at import time: for callers that run the
    loaded model's own parts (measurements, tests)."""
    import torch  # noqa: PLC0415 - see the docstring

    return torch


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def _load(spec: ModelSpec) -> LoadedModel:
    library = open_clip()
    torch = torch_module()
    if settings.CLIP_TORCH_THREADS:
        torch.set_num_threads(settings.CLIP_TORCH_THREADS)
    if not spec.pretrained:
        torch.manual_seed(weights.RANDOM_WEIGHTS_SEED)
    settings.CLIP_CACHE_DIR.mkdir(parents=True, exist_ok=True)
    problem = weights.weights_problem(spec)
    if problem:
        raise ModelUnavailable(f"model weights unavailable: {problem}. Set CLIP_MODEL/CLIP_PRETRAINED "
                               "(a pretrained tag or a checkpoint file).")
    try:
        model, _, preprocess = library.create_model_and_transforms(
            spec.architecture, pretrained=spec.pretrained or None, cache_dir=str(settings.CLIP_CACHE_DIR)
        )
    except Exception as exc:
        logger.error("could not load CLIP weights %s: %s", spec.key, exc)
        raise ModelUnavailable(
            f"model weights unavailable: {spec.architecture} with {spec.pretrained!r} ({exc}). "
            "Check the network, or set CLIP_MODEL/CLIP_PRETRAINED."
        ) from exc
    device = resolve_device(settings.CLIP_DEVICE)
    model.eval()
    model.to(device)
    if device.startswith("cuda"):
        model.half()
    tokenizer = library.get_tokenizer(spec.architecture)
    dimensions = int(library.get_model_config(spec.architecture)["embed_dim"])
    scale = getattr(model, "logit_scale", None)
    logit_scale = float(scale.exp().item()) if scale is not None else 100.0
    logger.info("loaded CLIP model %s (%d-d) on %s", spec.key, dimensions, device)
    return LoadedModel(spec=spec, model=model, preprocess=preprocess, tokenizer=tokenizer, dimensions=dimensions,
                       logit_scale=logit_scale, device=device,
                       batch_size=settings.CLIP_CUDA_BATCH_SIZE if device.startswith("cuda") else settings.CLIP_BATCH_SIZE)
