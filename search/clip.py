"""The one module that owns the CLIP model (open_clip + torch).

Loads the configured model once per process, encodes batches of images or texts and returns
L2-normalised float32 numpy arrays. Nothing else in the project imports torch or open_clip.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from django.conf import settings
from PIL import Image

logger = logging.getLogger(__name__)

RANDOM_WEIGHTS_SEED = 0


class ModelUnavailable(Exception):
    """The configured weights cannot be loaded; the message says why and what to change."""


@dataclass(frozen=True)
class ModelSpec:
    """Which weights make a vector. `key` is stored with every vector."""

    architecture: str
    pretrained: str  # an open_clip pretrained tag, a checkpoint path, or "" for random weights

    @property
    def is_file(self) -> bool:
        return bool(self.pretrained) and Path(self.pretrained).is_file()

    @property
    def key(self) -> str:
        if not self.pretrained:
            return f"{self.architecture}/random-seed{RANDOM_WEIGHTS_SEED}"
        if self.is_file:
            return f"{self.architecture}/file-sha256-{_file_sha256(self.pretrained)[:16]}"
        return f"{self.architecture}/{self.pretrained}"


@dataclass
class LoadedModel:
    spec: ModelSpec
    model: object
    preprocess: object
    tokenizer: object
    dimensions: int


_lock = threading.Lock()
_loaded: LoadedModel | None = None


def configured_spec() -> ModelSpec:
    pretrained = "" if settings.CLIP_RANDOM_WEIGHTS else settings.CLIP_PRETRAINED
    return ModelSpec(architecture=settings.CLIP_MODEL, pretrained=pretrained)


def get_model() -> LoadedModel:
    """The process's model, loaded on first use (the worker loads it at start)."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _load(configured_spec())
    return _loaded


def reset() -> None:
    """Forget the loaded model (tests switching settings)."""
    global _loaded
    with _lock:
        _loaded = None


def encode_images(images: Sequence[Image.Image]) -> np.ndarray:
    """Embed RGB images; returns shape (len(images), dimensions), rows of unit length."""
    import torch

    loaded = get_model()
    if not images:
        return np.zeros((0, loaded.dimensions), dtype=np.float32)
    batches = []
    for start in range(0, len(images), settings.CLIP_BATCH_SIZE):
        chunk = images[start : start + settings.CLIP_BATCH_SIZE]
        pixels = torch.stack([loaded.preprocess(image) for image in chunk])
        with torch.inference_mode():
            batches.append(loaded.model.encode_image(pixels).float())
    return _normalise(torch.cat(batches).numpy())


def encode_texts(texts: Sequence[str]) -> np.ndarray:
    """Embed texts; returns shape (len(texts), dimensions), rows of unit length."""
    import torch

    loaded = get_model()
    if not texts:
        return np.zeros((0, loaded.dimensions), dtype=np.float32)
    with torch.inference_mode():
        features = loaded.model.encode_text(loaded.tokenizer(list(texts))).float()
    return _normalise(features.numpy())


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def _load(spec: ModelSpec) -> LoadedModel:
    from search import torch_shim

    torch_shim.apply()
    import open_clip
    import torch

    if settings.CLIP_TORCH_THREADS:
        torch.set_num_threads(settings.CLIP_TORCH_THREADS)
    if spec.architecture not in open_clip.list_models():
        raise ModelUnavailable(
            f"model weights unavailable: unknown CLIP_MODEL {spec.architecture!r}; choose one of open_clip.list_models()"
        )
    if not spec.pretrained:
        torch.manual_seed(RANDOM_WEIGHTS_SEED)
    settings.CLIP_CACHE_DIR.mkdir(parents=True, exist_ok=True)
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(
            spec.architecture, pretrained=spec.pretrained or None, cache_dir=str(settings.CLIP_CACHE_DIR)
        )
    except Exception as exc:  # open_clip raises many kinds: network, hub, missing tag, bad file
        logger.error("could not load CLIP weights %s: %s", spec.key, exc)
        raise ModelUnavailable(
            f"model weights unavailable: {spec.architecture} with {spec.pretrained!r} ({exc}). "
            "Check the network, or set CLIP_MODEL/CLIP_PRETRAINED."
        ) from exc
    model.eval()
    tokenizer = open_clip.get_tokenizer(spec.architecture)
    dimensions = int(open_clip.get_model_config(spec.architecture)["embed_dim"])
    logger.info("loaded CLIP model %s (%d-d)", spec.key, dimensions)
    return LoadedModel(spec=spec, model=model, preprocess=preprocess, tokenizer=tokenizer, dimensions=dimensions)


@functools.lru_cache(maxsize=8)
def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
