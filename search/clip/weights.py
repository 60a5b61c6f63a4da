"""Which CLIP weights this process uses: the configured ones, or the offline fallback.

Decided once per process without loading anything (cache check, `HF_HUB_OFFLINE`, a short
probe of the download host); `download` fetches weights ahead of time.
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
from urllib.parse import urlparse

from django.conf import settings
from huggingface_hub import try_to_load_from_cache

from imagesearch.exceptions import ServiceUnavailable
from search.clip.library import OFFLINE_ARCHITECTURE, OFFLINE_MODEL_DIR, open_clip

logger = logging.getLogger(__name__)

RANDOM_WEIGHTS_SEED = 0
NETWORK_PROBE_TIMEOUT = 3.0
__all__ = ["OFFLINE_ARCHITECTURE", "OFFLINE_MODEL_DIR"]


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


def fall_back(*, reason: str) -> Resolution:
    """Switch this process to the offline model after the configured weights failed to load."""
    global _resolution
    configured = resolve().configured
    with _lock:
        _resolution = _fallback(configured, reason=reason)
    return _resolution


def may_fall_back(spec: ModelSpec) -> bool:
    return settings.CLIP_OFFLINE_FALLBACK and spec != offline_spec()


def forget() -> None:
    """Decide again on next use (tests switching settings)."""
    global _resolution
    with _lock:
        _resolution = None


def _fallback(configured: ModelSpec, *, reason: str) -> Resolution:
    logger.warning("CLIP weights %s are not available (%s); using the offline model %s. "
                   "Search quality is limited: see README to enable full CLIP.",
                   configured.key, reason, OFFLINE_ARCHITECTURE)
    return Resolution(spec=offline_spec(), configured=configured, fallback_reason=reason)


def _resolve(configured: ModelSpec) -> Resolution:
    problem = weights_problem(configured)
    if problem and may_fall_back(configured):
        return _fallback(configured, reason=problem)
    return Resolution(spec=configured, configured=configured)


def weights_problem(spec: ModelSpec) -> str:
    """Why the weights cannot be had right now, or "" when they can (cached or reachable)."""
    library = open_clip()
    if spec.architecture not in library.list_models():
        return f"unknown CLIP_MODEL {spec.architecture!r} (see open_clip.list_models())"
    if not spec.pretrained or spec.is_file:
        return ""
    if spec.pretrained.endswith((".pt", ".bin", ".safetensors", ".pth")) or "/" in spec.pretrained:
        return f"checkpoint file {spec.pretrained} does not exist"
    source = library.get_pretrained_cfg(spec.architecture, spec.pretrained)
    if not source:
        tags = ", ".join(library.list_pretrained_tags_by_model(spec.architecture)) or "none"
        return f"unknown CLIP_PRETRAINED {spec.pretrained!r} for {spec.architecture} (known: {tags})"
    if _cached_weights(source):
        return ""
    if _hub_offline():
        return "HF_HUB_OFFLINE is set and the weights are not in the cache"
    return _unreachable(source)


def _cached_weights(source: dict) -> str | None:
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
    library = open_clip()
    settings.CLIP_CACHE_DIR.mkdir(parents=True, exist_ok=True)
    try:
        path = library.download_pretrained(library.get_pretrained_cfg(spec.architecture, spec.pretrained),
                                             cache_dir=str(settings.CLIP_CACHE_DIR))
    except Exception as exc:
        raise ModelUnavailable(f"model weights unavailable: download of {spec.key} failed ({exc})") from exc
    if not path:
        raise ModelUnavailable(f"model weights unavailable: no download source for {spec.key}")
    return path


@functools.lru_cache(maxsize=8)
def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
