"""The one module that owns the CLIP model (open_clip + torch).

Loads the configured model once per process, encodes batches of images or texts and returns
L2-normalised float32 numpy arrays. Nothing else in the project imports torch or open_clip.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence
from urllib.parse import urlparse

import numpy as np
from django.conf import settings
from PIL import Image

from imagesearch.exceptions import ServiceUnavailable

logger = logging.getLogger(__name__)

RANDOM_WEIGHTS_SEED = 0


class ModelUnavailable(ServiceUnavailable):
    """The configured weights cannot be loaded; the message says why and what to change (HTTP 503)."""


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
    logit_scale: float = 100.0  # exp of the learned temperature: zero-shot softmax uses it


OFFLINE_MODEL_DIR = Path(__file__).resolve().parent / "offline_model"
OFFLINE_ARCHITECTURE = "imagesearch-offline"
NETWORK_PROBE_TIMEOUT = 3.0


def offline_spec() -> ModelSpec:
    """The small CLIP trained by this project (scripts/train_offline_model.py), shipped in the repo."""
    return ModelSpec(architecture=OFFLINE_ARCHITECTURE, pretrained=str(OFFLINE_MODEL_DIR / f"{OFFLINE_ARCHITECTURE}.pt"))


@dataclass(frozen=True)
class Resolution:
    """Which weights this process uses, and why not the configured ones if it falls back."""

    spec: ModelSpec
    configured: ModelSpec
    fallback_reason: str = ""

    @property
    def is_fallback(self) -> bool:
        return self.spec != self.configured


_lock = threading.Lock()
_loaded: LoadedModel | None = None
_resolution: Resolution | None = None


def configured_spec() -> ModelSpec:
    if settings.CLIP_RANDOM_WEIGHTS:
        return ModelSpec(architecture=settings.CLIP_MODEL, pretrained="")
    return ModelSpec(architecture=settings.CLIP_MODEL, pretrained=settings.CLIP_PRETRAINED)


def resolve() -> Resolution:
    """Decide, once per process and without loading weights, which model is active.

    The configured weights are used when they are random, a local file, already cached, or
    downloadable (the download host answers within seconds). Otherwise, if allowed, the
    offline model: the reason is logged once and shown to users.
    """
    global _resolution
    if _resolution is None:
        with _lock:
            if _resolution is None:
                _resolution = _resolve(configured_spec())
    return _resolution


def active_spec() -> ModelSpec:
    return resolve().spec


def get_model() -> LoadedModel:
    """The process's model, loaded on first use (the worker loads it at start)."""
    global _loaded, _resolution
    if _loaded is None:
        resolution = resolve()
        with _lock:
            if _loaded is None:
                try:
                    _loaded = _load(resolution.spec)
                except ModelUnavailable as exc:
                    if not _may_fall_back(resolution.spec):
                        raise
                    _resolution = _fallback(resolution.configured, reason=str(exc))
                    _loaded = _load(_resolution.spec)
    return _loaded


def reset() -> None:
    """Forget the loaded model and the resolution (tests switching settings)."""
    global _loaded, _resolution
    with _lock:
        _loaded = None
        _resolution = None


def _may_fall_back(spec: ModelSpec) -> bool:
    return settings.CLIP_OFFLINE_FALLBACK and spec != offline_spec()


def _fallback(configured: ModelSpec, *, reason: str) -> Resolution:
    logger.warning("CLIP weights %s are not available (%s); using the offline model %s. "
                   "Search quality is limited: see README to enable full CLIP.",
                   configured.key, reason, OFFLINE_ARCHITECTURE)
    return Resolution(spec=offline_spec(), configured=configured, fallback_reason=reason)


def _resolve(configured: ModelSpec) -> Resolution:
    problem = weights_problem(configured)
    if problem and _may_fall_back(configured):
        return _fallback(configured, reason=problem)
    return Resolution(spec=configured, configured=configured)


def weights_problem(spec: ModelSpec) -> str:
    """Why the weights cannot be had right now, or "" when they can (cached or reachable)."""
    open_clip = _open_clip()
    if spec.architecture not in open_clip.list_models():
        return f"unknown CLIP_MODEL {spec.architecture!r} (see open_clip.list_models())"
    if not spec.pretrained or spec.is_file:
        return ""
    if spec.pretrained.endswith((".pt", ".bin", ".safetensors", ".pth")) or "/" in spec.pretrained:
        return f"checkpoint file {spec.pretrained} does not exist"
    source = open_clip.get_pretrained_cfg(spec.architecture, spec.pretrained)
    if not source:
        tags = ", ".join(open_clip.list_pretrained_tags_by_model(spec.architecture)) or "none"
        return f"unknown CLIP_PRETRAINED {spec.pretrained!r} for {spec.architecture} (known: {tags})"
    if _cached_weights(source):
        return ""
    if _hub_offline():
        return "HF_HUB_OFFLINE is set and the weights are not in the cache"
    return _unreachable(source)


def _cached_weights(source: dict) -> str | None:
    from huggingface_hub import try_to_load_from_cache

    cache_dir = str(settings.CLIP_CACHE_DIR)
    repo = (source.get("hf_hub") or "").strip("/")
    if repo:
        for filename in ("open_clip_model.safetensors", "open_clip_pytorch_model.bin"):
            found = try_to_load_from_cache(repo, filename, cache_dir=cache_dir)
            if isinstance(found, str):
                return found
    url = source.get("url") or ""
    if url and (Path(cache_dir) / Path(urlparse(url).path).name).is_file():
        return str(Path(cache_dir) / Path(urlparse(url).path).name)
    return None


def _hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")


def _unreachable(source: dict) -> str:
    """Probe the download host briefly, so an offline machine finds out in seconds, not minutes."""
    if source.get("hf_hub"):
        host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname
    else:
        host = urlparse(source.get("url", "")).hostname
    if not host:
        return "no download source for these weights"
    try:
        socket.create_connection((host, 443), timeout=NETWORK_PROBE_TIMEOUT).close()
    except OSError as exc:
        return f"cannot reach {host} to download the weights ({exc.strerror or exc})"
    return ""


def download(spec: ModelSpec) -> str:
    """Fetch the weights into the cache (no fallback); returns the local path."""
    if not spec.pretrained:
        return "(random weights: nothing to download)"
    if spec.is_file:
        return spec.pretrained
    problem = weights_problem(spec)
    if problem:
        raise ModelUnavailable(f"model weights unavailable: {problem}")
    open_clip = _open_clip()
    settings.CLIP_CACHE_DIR.mkdir(parents=True, exist_ok=True)
    try:
        path = open_clip.download_pretrained(open_clip.get_pretrained_cfg(spec.architecture, spec.pretrained),
                                             cache_dir=str(settings.CLIP_CACHE_DIR))
    except Exception as exc:
        raise ModelUnavailable(f"model weights unavailable: download of {spec.key} failed ({exc})") from exc
    if not path:
        raise ModelUnavailable(f"model weights unavailable: no download source for {spec.key}")
    return path


def _open_clip():
    from search import torch_shim

    torch_shim.apply()
    import open_clip

    if OFFLINE_ARCHITECTURE not in open_clip.list_models():
        open_clip.add_model_config(OFFLINE_MODEL_DIR / f"{OFFLINE_ARCHITECTURE}.json")
    return open_clip


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
    open_clip = _open_clip()
    import torch

    if settings.CLIP_TORCH_THREADS:
        torch.set_num_threads(settings.CLIP_TORCH_THREADS)
    if not spec.pretrained:
        torch.manual_seed(RANDOM_WEIGHTS_SEED)
    settings.CLIP_CACHE_DIR.mkdir(parents=True, exist_ok=True)
    problem = weights_problem(spec)
    if problem:
        raise ModelUnavailable(f"model weights unavailable: {problem}. Set CLIP_MODEL/CLIP_PRETRAINED "
                               "(a pretrained tag or a checkpoint file).")
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
    scale = getattr(model, "logit_scale", None)
    logit_scale = float(scale.exp().item()) if scale is not None else 100.0
    logger.info("loaded CLIP model %s (%d-d)", spec.key, dimensions)
    return LoadedModel(spec=spec, model=model, preprocess=preprocess, tokenizer=tokenizer, dimensions=dimensions,
                       logit_scale=logit_scale)


@functools.lru_cache(maxsize=8)
def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
