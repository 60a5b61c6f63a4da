"""Cold text-query encoding: open_clip's encode_text over all positions against the trimmed path
(`search.clip.encoders.encode_tokens`), on the same 3-prompt ensembles, with the largest difference."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from benchmarks.stats import percentiles_ms
from search.clip import encoders
from search.text import PROMPT_TEMPLATES


@dataclass
class TextSpeed:
    model: str
    queries: int
    full_p50_ms: float
    full_p95_ms: float
    trimmed_p50_ms: float
    trimmed_p95_ms: float
    max_difference: float


def measure_text(*, queries: int) -> TextSpeed:
    loaded = encoders.get_model()
    torch = encoders.torch_module()
    words = [f"photo of thing number {n}" if n % 2 else f"a dog playing in the snow number {n}" for n in range(queries)]
    full_times, trimmed_times, difference = [], [], 0.0
    with torch.inference_mode():
        for word in [words[0], *words]:  # the first one warms both paths up, untimed
            tokens = loaded.tokenizer([template.format(word) for template in PROMPT_TEMPLATES])
            started = time.perf_counter()
            full = loaded.model.encode_text(tokens).float().numpy()
            middle = time.perf_counter()
            trimmed = encoders.encode_tokens(loaded.model, tokens).float().numpy()
            ended = time.perf_counter()
            full_times.append(middle - started)
            trimmed_times.append(ended - middle)
            difference = max(difference, float(np.abs(full - trimmed).max()))
    full_times, trimmed_times = full_times[1:], trimmed_times[1:]  # without the warm-up
    return TextSpeed(model=loaded.spec.key, queries=len(full_times), max_difference=difference,
                     **dict(zip(("full_p50_ms", "full_p95_ms"), percentiles_ms(full_times))),
                     **dict(zip(("trimmed_p50_ms", "trimmed_p95_ms"), percentiles_ms(trimmed_times))))
