"""Where a search's words and images become vectors, and which model that is: the one boundary
between the web layer and CLIP.

QUERY_ENCODING=local (the default, and the embedded run): in this process, through search.clip.
QUERY_ENCODING=worker: a Celery call on the `query` queue, answered by an ML worker through the
result backend within QUERY_ENCODING_TIMEOUT seconds (else a 503 with a message); this process
never imports torch or open_clip. Celery workers always encode in their own process (the worker
hook calls `encode_in_this_process`), so one shared environment cannot make a worker ask itself.

Images travel decoded and small: the web validates and decodes the upload (its limits, its clear
messages), crops a region, and resizes the shorter side to the model's input size exactly as the
model's own preprocessing would (bicubic, torchvision's rounding). The worker's resize is then a
no-op, so the vector equals the in-process one, and a message carries ~100 KB of PNG, never the
upload (up to UPLOAD_MAX_BYTES).
"""

from __future__ import annotations

import base64
import io
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from celery import current_app
from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.conf import settings
from kombu.exceptions import OperationalError as BrokerError
from PIL import Image

from imagesearch.exceptions import ServiceUnavailable

DESCRIBE_TASK = "search.tasks.describe_query_model"
TEXTS_TASK = "search.tasks.encode_query_texts"
IMAGE_TASK = "search.tasks.encode_query_image"
# Models whose preprocessing is not "bicubic resize of the shorter side" get the image within this.
FALLBACK_IMAGE_SIDE = 1024
MAX_TRANSFERRED_PIXELS = 4096 * 4096


class QueryEncoderUnavailable(ServiceUnavailable):
    """No ML worker answered (or the broker is down): the search cannot run now (HTTP 503)."""


@dataclass(frozen=True)
class QueryModel:
    """The model that encodes queries, as a web process needs to know it (no weights)."""

    key: str
    architecture: str
    pretrained: str
    dimensions: int
    configured_key: str
    fallback_reason: str = ""
    image_side: int = 0  # the shorter side the model's preprocessing resizes to (0: not a plain resize)

    @property
    def is_fallback(self) -> bool:
        return self.key != self.configured_key


_remote_lock = threading.Lock()
_remote_model: tuple[QueryModel, float] | None = None  # (model, monotonic time it goes stale)
_down: tuple[str, float] | None = None  # (message, monotonic time to ask again) after a failed call
_force_local = False


def encode_in_this_process() -> None:
    """This process owns a model (a Celery worker): queries never leave it, whatever QUERY_ENCODING says."""
    global _force_local
    _force_local = True


def is_remote() -> bool:
    return settings.QUERY_ENCODING == "worker" and not _force_local


def active_model() -> QueryModel:
    """The model queries are encoded with (remote: as the workers last said, asked again after
    QUERY_MODEL_TTL seconds)."""
    if not is_remote():
        return _local_model()
    cached = _remote_model
    if cached is not None and time.monotonic() < cached[1]:
        return cached[0]
    return _remember(QueryModel(**_call(DESCRIBE_TASK)))


def warm_up() -> None:
    """At a web process's start: load the model (local) or learn it from a worker (remote)."""
    active_model()


def encode_texts(texts: Sequence[str], *, model_key: str) -> np.ndarray:
    """Unit vectors of texts, shape (len(texts), dimensions), made by the model `model_key`."""
    if not is_remote():
        _check_model(_local_model(), model_key)
        return _local_encoders().encode_texts(list(texts))
    reply = _call(TEXTS_TASK, list(texts))
    _check_model(_remember(QueryModel(**reply["model"])), model_key)
    return np.stack([vector_from_wire(vector) for vector in reply["vectors"]])


def encode_image(image: Image.Image, *, model_key: str) -> np.ndarray:
    """The unit vector of one RGB image (a crop, or an uploaded query image)."""
    if not is_remote():
        _check_model(_local_model(), model_key)
        return _local_encoders().encode_image(image)
    model = active_model()
    reply = _call(IMAGE_TASK, image_to_wire(image, side=model.image_side))
    _check_model(_remember(QueryModel(**reply["model"])), model_key)
    return vector_from_wire(reply["vector"])


# --- the worker's side: what the query tasks call -------------------------------------------
def serve_describe() -> dict:
    return asdict(_local_model())


def serve_texts(texts: list[str]) -> dict:
    return {"model": serve_describe(),
            "vectors": [vector_to_wire(vector) for vector in _local_encoders().encode_texts(texts)]}


def serve_image(payload: str) -> dict:
    return {"model": serve_describe(), "vector": vector_to_wire(_local_encoders().encode_image(image_from_wire(payload)))}


# --- the wire format: JSON-safe strings --------------------------------------------------------
def vector_to_wire(vector: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


def vector_from_wire(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").astype(np.float32)


def image_to_wire(image: Image.Image, *, side: int) -> str:
    """A lossless PNG of the image as the model's preprocessing would first resize it."""
    image = image.convert("RGB")
    if side:
        image = image.resize(_shorter_side_size(image.size, side), Image.Resampling.BICUBIC)
    elif max(image.size) > FALLBACK_IMAGE_SIDE:
        image = image.copy()
        image.thumbnail((FALLBACK_IMAGE_SIDE, FALLBACK_IMAGE_SIDE), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)  # fast: the message is small either way
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def image_from_wire(payload: str) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(payload)), formats=["PNG"])
    if image.width * image.height > MAX_TRANSFERRED_PIXELS:
        raise ValueError(f"query image of {image.width}x{image.height} pixels is larger than a query image can be")
    return image.convert("RGB")


def _shorter_side_size(size: tuple[int, int], side: int) -> tuple[int, int]:
    """torchvision's Resize(side) output size, as (width, height) (its rounding: int())."""
    width, height = size
    if width <= height:
        return side, int(side * height / width)
    return int(side * width / height), side


# --- local and remote ---------------------------------------------------------------------------
def _local_encoders():
    # The only route from here to torch: never taken by a web process with QUERY_ENCODING=worker.
    from search.clip import encoders  # noqa: PLC0415 - encoders load torch on first use; see the docstring

    return encoders


def _local_model() -> QueryModel:
    from search.clip import weights  # noqa: PLC0415 - resolving weights imports open_clip; see the docstring

    encoders = _local_encoders()
    loaded = encoders.get_model()
    resolution = weights.resolve()
    return QueryModel(key=loaded.spec.key, architecture=loaded.spec.architecture, pretrained=loaded.spec.pretrained,
                      dimensions=loaded.dimensions, configured_key=resolution.configured.key,
                      fallback_reason=resolution.fallback_reason, image_side=encoders.preprocess_resize_side())


def _check_model(model: QueryModel, expected_key: str) -> None:
    if model.key != expected_key:
        raise QueryEncoderUnavailable(f"The search workers now use the model {model.key} (this page expected "
                                      f"{expected_key}); search again.")


def _remember(model: QueryModel) -> QueryModel:
    global _remote_model
    with _remote_lock:
        _remote_model = (model, time.monotonic() + settings.QUERY_MODEL_TTL)
    return model


def _call(task: str, *args):
    """Send a query task and wait for its reply; after a failure, fail fast for a few seconds
    (QUERY_ENCODING_RETRY_SECONDS) instead of making every page wait out the timeout."""
    global _down
    down = _down
    if down is not None and time.monotonic() < down[1]:
        raise QueryEncoderUnavailable(down[0])
    timeout = settings.QUERY_ENCODING_TIMEOUT
    try:
        # `expires`: a worker that gets to it after the web stopped waiting drops it unanswered.
        # By name on the project's app (imagesearch/celery.py, made current at start): this module
        # needs neither the tasks nor the worker hooks.
        result = current_app.send_task(task, args=args, expires=timeout, ignore_result=False)
    except BrokerError as exc:
        raise _failed(f"Search is unavailable: the message broker cannot be reached ({exc}).") from exc
    try:
        reply = result.get(timeout=timeout, propagate=True)
    except CeleryTimeoutError:
        result.forget()
        raise _failed(f"Search is unavailable: no ML worker answered within {timeout:g} s (a worker must consume the "
                      f"`{settings.QUERY_QUEUE}` queue).") from None
    except Exception as exc:  # the worker's error (weights missing, ...) becomes a clear 503
        raise QueryEncoderUnavailable(f"Search is unavailable: the ML worker failed ({exc}).") from exc
    with _remote_lock:
        _down = None
    return reply


def _failed(message: str) -> QueryEncoderUnavailable:
    global _down
    with _remote_lock:
        _down = (message, time.monotonic() + settings.QUERY_ENCODING_RETRY_SECONDS)
    return QueryEncoderUnavailable(message)
