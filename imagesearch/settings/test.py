"""Test settings: a real PostgreSQL with pgvector, seeded model weights, fast hashing."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, caches_for, celery_queues, env, filesystem_broker_options, rate_limits

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if env("TEST_DATABASE_URL", default=""):
    DATABASES["default"] = env.db_url_config(env("TEST_DATABASE_URL"))

# The small CLIP trained by the project: results make sense, and it is fast on a CPU.
CLIP_MODEL = env("CLIP_MODEL", default="imagesearch-offline")
CLIP_PRETRAINED = env("CLIP_PRETRAINED", default=str(BASE_DIR / "search" / "clip" / "offline_model" / "imagesearch-offline.pt"))
CLIP_RANDOM_WEIGHTS = env.bool("CLIP_RANDOM_WEIGHTS", default=False)

# Each test run gets its own media folder and serverless broker folder.
_RUN_DIR = Path(env("TEST_RUN_DIR", default=tempfile.mkdtemp(prefix="imagesearch-test-")))
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(_RUN_DIR / "media")))
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
# Queues of this run's own: test runs sharing one Redis (a CI run beside a developer's) must not
# take each other's messages. Worker subprocesses get the prefix through the environment.
CELERY_QUEUE_PREFIX = env("CELERY_QUEUE_PREFIX", default=f"imagesearch-{_RUN_DIR.name}-")
CELERY_TASK_QUEUES, CELERY_TASK_ROUTES, CELERY_TASK_DEFAULT_QUEUE = celery_queues(CELERY_QUEUE_PREFIX)
QUERY_QUEUE = f"{CELERY_QUEUE_PREFIX}query"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(_RUN_DIR / "broker")
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": MEDIA_STORAGE_BACKEND,  # noqa: F405 - local unless MEDIA_STORAGE=s3 (a worker of the S3 tests)
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Counts in the test database's cache table (made with the test database) unless CACHE_URL says
# otherwise (a live server test on Redis). Generous limits, so that no test trips over one by
# accident; the rate-limit tests lower them (RATE_LIMIT_<SCOPE> reaches server subprocesses).
# Keys of this run's own, like the queues: two runs flooding one Redis would share counts.
CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", default=f"{_RUN_DIR.name}-")
CACHES = caches_for(env("CACHE_URL", default="dbcache://imagesearch_cache"), key_prefix=CACHE_KEY_PREFIX)
RATE_LIMITS = rate_limits(ip="100000/minute", user="100000/minute", search="100000/minute",
                          upload="100000/minute", login="100000/minute", signup="100000/minute",
                          password_reset="100000/minute")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
