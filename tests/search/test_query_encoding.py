"""The query encoder in this process (QUERY_ENCODING=local), the wire format the ML workers
answer in (QUERY_ENCODING=worker: tests/flows/test_web_without_torch.py runs it for real), and
that an image prepared for the wire encodes to the same vector as the image itself."""

import base64
import io
import subprocess
import sys

import numpy as np
import pytest
from django.conf import settings
from PIL import Image

from search import query_encoding
from search.clip import encoders, weights
from tests import images


def test_locally_the_active_model_is_the_loaded_one(offline_model):
    model = query_encoding.active_model()
    loaded = encoders.get_model()
    assert (model.key, model.dimensions) == (weights.active_spec().key, loaded.dimensions)
    assert model.configured_key == weights.resolve().configured.key and not model.is_fallback
    assert model.image_side == 64  # the offline model: Resize(64, bicubic), then CenterCrop(64)


def test_locally_queries_are_encoded_in_this_process(offline_model):
    key = query_encoding.active_model().key
    texts = ["a photo of a dog.", "a red car"]
    assert np.array_equal(query_encoding.encode_texts(texts, model_key=key), encoders.encode_texts(texts))
    image = images.pattern(90, 60, seed=4)
    assert np.array_equal(query_encoding.encode_image(image, model_key=key), encoders.encode_image(image))


def test_a_query_for_another_model_is_refused_with_a_503(offline_model):
    with pytest.raises(query_encoding.QueryEncoderUnavailable) as caught:
        query_encoding.encode_texts(["dog"], model_key="ViT-B-32/laion2b_s34b_b79k")
    assert caught.value.status_code == 503 and "search again" in caught.value.message


@pytest.mark.parametrize("size", [(300, 200), (200, 300), (64, 64), (40, 25), (1999, 1001)])
def test_an_image_prepared_for_the_wire_encodes_to_the_same_vector(offline_model, size):
    """The web resizes the shorter side as the model's preprocessing would; the worker's resize is
    then a no-op (PNG is lossless), so the vector is the in-process one."""
    image = images.pattern(*size, seed=sum(size))
    side = encoders.preprocess_resize_side()
    wired = query_encoding.image_from_wire(query_encoding.image_to_wire(image, side=side))
    assert min(wired.size) == side
    assert np.allclose(encoders.encode_image(wired), encoders.encode_image(image), atol=1e-6)


def test_an_unknown_preprocessing_gets_the_image_within_the_fallback_size():
    wired = query_encoding.image_from_wire(query_encoding.image_to_wire(images.pattern(3000, 1500), side=0))
    assert max(wired.size) == query_encoding.FALLBACK_IMAGE_SIDE and wired.mode == "RGB"


def test_the_worker_refuses_an_oversized_image_message():
    huge = Image.new("RGB", (4097, 4096))
    with pytest.raises(ValueError, match="larger than a query image"):
        query_encoding.image_from_wire(_png_b64(huge))


def _png_b64(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_vectors_travel_as_little_endian_float32():
    vector = np.random.default_rng(0).normal(size=512).astype(np.float32)
    wired = query_encoding.vector_to_wire(vector)
    assert len(wired) < 2800  # 2 KB of float32, base64: not 10 KB of JSON numbers
    assert np.array_equal(query_encoding.vector_from_wire(wired), vector)


def test_the_worker_answers_with_its_model_and_the_vectors(offline_model):
    reply = query_encoding.serve_texts(["a photo of a dog."])
    assert reply["model"]["key"] == weights.active_spec().key
    assert np.array_equal(query_encoding.vector_from_wire(reply["vectors"][0]), encoders.encode_texts(["a photo of a dog."])[0])


@pytest.mark.parametrize(("env", "message"), [
    ({"QUERY_ENCODING": "remote"}, "QUERY_ENCODING must be local or worker"),
    ({"QUERY_ENCODING": "worker", "CELERY_BROKER_URL": "filesystem://"}, "needs a Redis broker or CELERY_RESULT_BACKEND"),
])
def test_a_misconfiguration_stops_the_start_with_a_message(env, message, tmp_path):
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=settings.BASE_DIR,
                          # A database URL that is never connected to: no embedded PostgreSQL starts.
                          env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "imagesearch.settings.dev",
                               "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
                               "IMAGESEARCH_DATA_DIR": str(tmp_path), **env},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and message in done.stderr, done.stderr[-2000:]


def test_queries_have_a_queue_of_their_own():
    routes = settings.CELERY_TASK_ROUTES
    for task in (query_encoding.DESCRIBE_TASK, query_encoding.TEXTS_TASK, query_encoding.IMAGE_TASK):
        assert routes[task]["queue"] == settings.QUERY_QUEUE
    assert settings.QUERY_QUEUE in {queue.name for queue in settings.CELERY_TASK_QUEUES}


def test_loading_the_site_imports_no_torch(tmp_path):
    """Django set up, every URL pattern resolved to its view (every view module imported), the
    Celery app's tasks loaded: torch, torchvision and open_clip stay out until something encodes."""
    script = ("import sys, django; django.setup()\n"
              "from django.urls import get_resolver\n"
              "from imagesearch.celery import app\n"
              "def walk(patterns):\n"
              "    for pattern in patterns:\n"
              "        walk(pattern.url_patterns) if hasattr(pattern, 'url_patterns') else pattern.callback\n"
              "walk(get_resolver().url_patterns); app.loader.import_default_modules()\n"
              "print(sorted(name for name in ('torch', 'torchvision', 'open_clip') if name in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=settings.BASE_DIR, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "imagesearch.settings.dev",
                                            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
                                            "IMAGESEARCH_DATA_DIR": str(tmp_path), "QUERY_ENCODING": "worker",
                                            "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[-2] == "[]"
