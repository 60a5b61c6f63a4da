"""Words as queries: how text is normalised, and its CLIP vector through a prompt ensemble
(cached per process, in front of the query encoder: in this process or on an ML worker)."""

from __future__ import annotations

import functools

import numpy as np

from search import query_encoding

# A small ensemble: averaging a few phrasings makes text queries steadier than one template.
# Three, not more: each costs a text-encoder pass on a cold query (ViT-B-32 here: ~60 ms each).
PROMPT_TEMPLATES = (
    "a photo of a {}.",
    "a picture of a {}.",
    "a close-up photo of the {}.",
)
TEXT_CACHE_SIZE = 1024


def normalise_text(text: str) -> str:
    return " ".join(text.split()).lower()


def text_vector(text: str) -> np.ndarray:
    """The unit query vector for a phrase (cached per model and phrase)."""
    return _text_vector_cached(query_encoding.active_model().key, normalise_text(text)).copy()


@functools.lru_cache(maxsize=TEXT_CACHE_SIZE)
def _text_vector_cached(model_key: str, text: str) -> np.ndarray:
    prompts = [template.format(text) for template in PROMPT_TEMPLATES]
    mean = query_encoding.encode_texts(prompts, model_key=model_key).mean(axis=0)
    vector = mean / max(float(np.linalg.norm(mean)), 1e-12)
    vector.setflags(write=False)
    return vector


def text_cache_clear() -> None:
    """Forget cached query vectors (cold-query measurements)."""
    _text_vector_cached.cache_clear()
