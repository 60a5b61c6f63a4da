"""Settings shared by every environment, read from environment variables.

Defaults give the embedded run: an embedded PostgreSQL with pgvector under `.data/`, a
broker that needs no server (kombu's filesystem transport), media under `.data/media`.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from imagesearch import embedded_postgres

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

DATA_DIR = Path(env("IMAGESEARCH_DATA_DIR", default=str(BASE_DIR / ".data")))

SECRET_KEY = env("DJANGO_SECRET_KEY", default="embedded-run-only-not-secret-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "accounts",
    "gallery",
    "albums",
    "search",
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "imagesearch.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Pages count against their address and user; the API's throttles do the same for /api/.
    "imagesearch.middleware.RateLimitMiddleware",
    "imagesearch.middleware.LoginRequiredMiddleware",
    # Last: turns a login that django-axes refused (locked out) into our lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "imagesearch.urls"
WSGI_APPLICATION = "imagesearch.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "search.context_processors.active_model",
            ],
        },
    },
]


# --- Database: DATABASE_URL, or the embedded PostgreSQL with pgvector -------------------
def _database_url() -> str:
    if env("DATABASE_URL", default=""):
        return env("DATABASE_URL")
    return embedded_postgres.database_url(EMBEDDED_PGDATA, database=env("EMBEDDED_DATABASE_NAME", default="imagesearch"))


EMBEDDED_PGDATA = DATA_DIR / "pgdata"
DATABASES = {"default": env.db_url_config(_database_url())}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "gallery:home"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

# --- Accounts ---------------------------------------------------------------------------
# open: anyone may sign up; invite: only with a staff member's single-use invite link (the very
# first account of a fresh instance may sign up without one); closed: nobody signs up (staff add
# accounts in the admin or with `manage.py createsuperuser`).
SIGNUP_MODE = env("SIGNUP_MODE", default="open")
INVITE_VALID_DAYS = env.int("INVITE_VALID_DAYS", default=7)
# Password-reset mail: printed to the console unless EMAIL_URL names a server
# (smtp+tls://user:password@smtp.example.com:587).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Image Search <noreply@localhost>")
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 3600)

# --- Password guessing: django-axes locks an (account, address) pair out ------------------
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
# Per account and address together: a guesser is stopped without letting anyone lock the owner out
# from elsewhere; the per-address login rate limit (RATE_LIMITS["login"]) slows guessing across accounts.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout don't extend it, so "try again in N minutes" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # no log of successful logins is kept
AXES_CLIENT_IP_CALLABLE = "imagesearch.client_ip.client_ip_or_none"
AXES_LOCKOUT_CALLABLE = "accounts.views.login.lockout_response"
AXES_VERBOSE = False

# --- The client's address ---------------------------------------------------------------
# How many reverse proxies stand in front of the app: the client's address is then read from
# X-Forwarded-For (counted from the right). 0: REMOTE_ADDR. Used by the rate limits and lockouts.
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing folder
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(DATA_DIR / "media")))
# Media is never served publicly: originals and thumbnails go through authenticated views.

# --- Media storage: a local folder (the default) or an S3-compatible bucket -----------------
# With "s3", originals, thumbnails and previews live in the bucket (django-storages); the file
# endpoints check the owner, then redirect to a presigned URL valid MEDIA_URL_EXPIRY_SECONDS.
MEDIA_STORAGE = env("MEDIA_STORAGE", default="local")
if MEDIA_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be local or s3, not {MEDIA_STORAGE!r}")
MEDIA_URL_EXPIRY_SECONDS = env.int("MEDIA_URL_EXPIRY_SECONDS", default=300)


def s3_storage_backend(*, bucket: str, endpoint_url: str = "", region: str = "", access_key: str = "",
                       secret_key: str = "", url_expiry_seconds: int = 300, addressing_style: str = "auto") -> dict:
    """STORAGES["default"] for an S3-compatible bucket (django-storages' S3 backend)."""
    from botocore.config import Config  # noqa: PLC0415 - boto3 is only loaded when a bucket is used

    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,  # none: AWS itself
        "region_name": region or None,
        # None: boto3's own chain (an instance role, ~/.aws).
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "querystring_auth": True,
        "querystring_expire": url_expiry_seconds,
        "default_acl": None,  # the bucket's own (private): nothing is readable without a signature
        "file_overwrite": True,  # names are random (gallery.models): no HEAD before each write
        "max_memory_size": 16 * 1024 * 1024,  # a larger original is spooled to a temporary file
        # addressing_style and signature_version are only read from here once a config is given.
        "client_config": Config(signature_version="s3v4", connect_timeout=5, read_timeout=60,
                                retries={"max_attempts": 3}, s3={"addressing_style": addressing_style}),
    }}


def media_storage_origin(backend: dict) -> str | None:
    """The scheme and host of the backend's presigned URLs (the page's CSP allows images from
    there, where the file endpoints redirect), or None for the local folder. Computed by botocore
    itself from the same settings, offline: no request, no credentials."""
    if "OPTIONS" not in backend:
        return None
    import boto3  # noqa: PLC0415 - boto3 is only loaded when a bucket is used
    from botocore import UNSIGNED  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    options = backend["OPTIONS"]
    client = boto3.session.Session().client(
        "s3", endpoint_url=options["endpoint_url"], region_name=options["region_name"],
        config=options["client_config"].merge(Config(signature_version=UNSIGNED)))
    url = client.generate_presigned_url("get_object", Params={"Bucket": options["bucket_name"], "Key": "k"})
    scheme, _, host = url.split("/", 3)[:3]
    return f"{scheme}//{host}"


MEDIA_STORAGE_BACKEND = s3_storage_backend(
    bucket=env("AWS_STORAGE_BUCKET_NAME"), endpoint_url=env("AWS_S3_ENDPOINT_URL", default=""),
    region=env("AWS_S3_REGION_NAME", default=""), access_key=env("AWS_ACCESS_KEY_ID", default=""),
    secret_key=env("AWS_SECRET_ACCESS_KEY", default=""), url_expiry_seconds=MEDIA_URL_EXPIRY_SECONDS,
    addressing_style=env("AWS_S3_ADDRESSING_STYLE", default="auto"),
) if MEDIA_STORAGE == "s3" else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
MEDIA_STORAGE_ORIGIN = media_storage_origin(MEDIA_STORAGE_BACKEND)
STORAGES = {
    "default": MEDIA_STORAGE_BACKEND,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Where `manage.py backup`/`restore` find pg_dump and pg_restore ("" = pgserver's bundled
# PostgreSQL 18 tools, else PATH): they must be at least as new as the server.
PG_BIN_DIR = env("PG_BIN_DIR", default="")

# --- Uploads ----------------------------------------------------------------------------
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=30 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_PIXELS", default=80_000_000)
UPLOAD_MAX_FILES = env.int("UPLOAD_MAX_FILES", default=100)
THUMBNAIL_LONG_SIDE = 512
# The photo page shows this (sRGB JPEG); the original only through "Download original".
PREVIEW_LONG_SIDE = env.int("PREVIEW_LONG_SIDE", default=2048)
# Django's own limit sits above ours, so that our clear message answers first.
DATA_UPLOAD_MAX_NUMBER_FILES = UPLOAD_MAX_FILES + 50
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- CLIP -------------------------------------------------------------------------------
CLIP_MODEL = env("CLIP_MODEL", default="ViT-B-32")
CLIP_PRETRAINED = env("CLIP_PRETRAINED", default="laion2b_s34b_b79k")
# Seeded random weights: only for tests and speed benchmarks, never a silent fallback.
CLIP_RANDOM_WEIGHTS = env.bool("CLIP_RANDOM_WEIGHTS", default=False)
# When the configured weights can't be had (no internet), use the small model shipped in
# search/clip/offline_model instead of failing.
CLIP_OFFLINE_FALLBACK = env.bool("CLIP_OFFLINE_FALLBACK", default=True)
CLIP_CACHE_DIR = Path(env("CLIP_CACHE_DIR", default=str(DATA_DIR / "models")))
CLIP_BATCH_SIZE = env.int("CLIP_BATCH_SIZE", default=16)
# Where the model runs: cpu, cuda (fp16, CLIP_CUDA_BATCH_SIZE per pass) or auto (cuda if torch sees a GPU).
CLIP_DEVICE = env("CLIP_DEVICE", default="cpu")
# HNSW candidates per search (pgvector's hnsw.ef_search, at least the page depth) in galleries of up
# to 25,000 photos, widening with the square root of larger ones' size: higher is slower and finds
# more of the true nearest; search/vectors.py. 100: recall@10 0.998 for 10k galleries in a 1M-vector
# table at p95 5.6 ms (README "Speed", benchmark_search --scale).
SEARCH_HNSW_EF_SEARCH = env.int("SEARCH_HNSW_EF_SEARCH", default=100)
# A gallery of at least this many photos gets an HNSW index of its own, which its searches walk
# instead of the shared one (built in the background by the maintenance queue's periodic
# `sync_gallery_indexes`, or `manage.py gallery_indexes`; dropped when it shrinks below half).
SEARCH_GALLERY_INDEX_MIN_PHOTOS = env.int("SEARCH_GALLERY_INDEX_MIN_PHOTOS", default=50_000)
# maintenance_work_mem for building one (at most): the whole graph in memory builds several times
# faster; about 1.6 kB a photo for 512-d vectors.
SEARCH_INDEX_BUILD_MEMORY_MB = env.int("SEARCH_INDEX_BUILD_MEMORY_MB", default=2048)
if CLIP_DEVICE not in ("cpu", "cuda", "auto"):
    raise ImproperlyConfigured(f"CLIP_DEVICE must be cpu, cuda or auto, not {CLIP_DEVICE!r}")
CLIP_CUDA_BATCH_SIZE = env.int("CLIP_CUDA_BATCH_SIZE", default=128)
CLIP_TORCH_THREADS = env.int("CLIP_TORCH_THREADS", default=0)  # 0: torch's default

# Photos whose CLIP vectors are within this cosine distance count as near-duplicates.
NEAR_DUPLICATE_MAX_DISTANCE = env.float("NEAR_DUPLICATE_MAX_DISTANCE", default=0.03)

# --- Tags and words ---------------------------------------------------------------------
# An automatic tag needs at least this zero-shot probability (a model's calibrated value,
# `manage.py calibrate_tags`, takes precedence), and a photo gets at most TAG_MAX_PER_PHOTO.
TAG_MIN_PROBABILITY = env.float("TAG_MIN_PROBABILITY", default=0.05)
TAG_MAX_PER_PHOTO = env.int("TAG_MAX_PER_PHOTO", default=8)
# ... and at least this share of the photo's best tag probability (a confident tag silences the tail).
TAG_RELATIVE_FLOOR = env.float("TAG_RELATIVE_FLOOR", default=0.1)
# A worker that starts on a database without the vocabulary builds it beside its task pool.
VOCABULARY_BUILD_ON_WORKER_START = env.bool("VOCABULARY_BUILD_ON_WORKER_START", default=True)
# Related words come from the most frequent GloVe words only: the rare tail is noisy.
RELATED_WORDS_MAX_RANK = env.int("RELATED_WORDS_MAX_RANK", default=100_000)

# --- Text in photos (OCR) ---------------------------------------------------------------
# After a photo is ready (searchable by CLIP), a lower-priority task on the `ocr` queue reads its
# text with RapidOCR (search/ocr.py). Off: no text is read (text already read stays searchable).
OCR_ENABLED = env.bool("OCR_ENABLED", default=True)
# The photo is read at this long side (from its preview): larger finds smaller text, slower.
OCR_LONG_SIDE = env.int("OCR_LONG_SIDE", default=1280)
OCR_BATCH_SIZE = env.int("OCR_BATCH_SIZE", default=8)
# Lines the recogniser is less sure of than this are dropped.
OCR_MIN_CONFIDENCE = env.float("OCR_MIN_CONFIDENCE", default=0.6)

# --- Celery -----------------------------------------------------------------------------
def filesystem_broker_options(folder: Path) -> dict:
    """kombu's filesystem transport: a queue in plain files, for runs without Redis."""
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


def celery_queues(prefix: str) -> tuple[tuple, dict, str]:
    """The queues (named `prefix` + ingest, ocr, reindex, maintenance, query), which task goes
    where, and the default queue (maintenance: a task nobody routed lands where housekeeping runs).

    A worker started without `--queues` consumes them all; `--queues ingest,reindex` any subset.
    The ocr queue carries the text-in-photos stage, which yields to ingest (see
    search/services/photo_text.py). The query queue carries the web's query encoding
    (QUERY_ENCODING=worker): a worker of its own serves it, so that a search never waits behind a
    batch of uploads.
    """
    from kombu import Queue  # noqa: PLC0415 - settings import kombu only when they define queues

    names = {name: f"{prefix}{name}" for name in QUEUE_NAMES}
    routes = {
        "gallery.tasks.process_pending_photos": {"queue": names["ingest"]},
        "gallery.tasks.sweep_unprocessed_photos": {"queue": names["maintenance"]},
        "search.tasks.reindex_photos": {"queue": names["reindex"]},
        **{f"search.tasks.{task}": {"queue": names["query"]}
           for task in ("describe_query_model", "encode_query_texts", "encode_query_image")},
        "search.tasks.read_photo_text": {"queue": names["ocr"]},
    }
    return tuple(Queue(name) for name in names.values()), routes, names["maintenance"]


QUEUE_NAMES = ("ingest", "ocr", "reindex", "maintenance", "query")
# Several deployments (or test runs) on one Redis keep apart by a prefix of their queue names.
CELERY_QUEUE_PREFIX = env("CELERY_QUEUE_PREFIX", default="")
CELERY_TASK_QUEUES, CELERY_TASK_ROUTES, CELERY_TASK_DEFAULT_QUEUE = celery_queues(CELERY_QUEUE_PREFIX)
QUERY_QUEUE = f"{CELERY_QUEUE_PREFIX}query"

# Redis hands an unacknowledged message (acks_late) to another worker after this many seconds:
# every task must finish well within it, or it runs twice. Each task stops taking new work after
# its budget (TASK_BUDGET_SECONDS) and queues its own continuation; Celery's soft and hard time
# limits (prefork pool: the solo pool does not enforce them) stop one that hangs.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=CELERY_VISIBILITY_TIMEOUT // 2)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=CELERY_TASK_TIME_LIMIT * 3 // 4)
TASK_BUDGET_SECONDS = env.float("TASK_BUDGET_SECONDS", default=min(300.0, CELERY_TASK_SOFT_TIME_LIMIT / 2))
if not TASK_BUDGET_SECONDS < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured("need TASK_BUDGET_SECONDS < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT "
                               "< CELERY_VISIBILITY_TIMEOUT, or a task could be delivered twice")
# ... and at most this many batches per task, so a task's size is bounded as well as its time.
TASK_MAX_BATCHES = env.int("TASK_MAX_BATCHES", default=64)

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default="filesystem://"))
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(DATA_DIR / "broker")
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True  # the query tasks alone keep theirs (the web waits for them)

# --- Query encoding: where a search's words and images become vectors (search/query_encoding.py) --
# local: in the web process (it loads CLIP: an ML worker's memory per web process). worker: the
# ML workers encode them on the `query` queue and reply through CELERY_RESULT_BACKEND (Redis); web
# processes then never import torch. A search fails with a 503 and a message when no worker
# answers within QUERY_ENCODING_TIMEOUT seconds, and fails fast for QUERY_ENCODING_RETRY_SECONDS
# after that; the workers' model is asked again every QUERY_MODEL_TTL seconds.
QUERY_ENCODING = env("QUERY_ENCODING", default="local")
if QUERY_ENCODING not in ("local", "worker"):
    raise ImproperlyConfigured(f"QUERY_ENCODING must be local or worker, not {QUERY_ENCODING!r}")
QUERY_ENCODING_TIMEOUT = env.float("QUERY_ENCODING_TIMEOUT", default=5.0)
QUERY_ENCODING_RETRY_SECONDS = env.float("QUERY_ENCODING_RETRY_SECONDS", default=5.0)
QUERY_MODEL_TTL = env.float("QUERY_MODEL_TTL", default=60.0)
# Replies of the query tasks: the broker's Redis unless CELERY_RESULT_BACKEND names another.
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis")
                            else "") or None
CELERY_RESULT_EXPIRES = env.int("CELERY_RESULT_EXPIRES", default=600)
if QUERY_ENCODING == "worker" and not (CELERY_RESULT_BACKEND or "").startswith("redis"):
    raise ImproperlyConfigured("QUERY_ENCODING=worker needs a Redis broker or CELERY_RESULT_BACKEND=redis://... "
                               "(the ML workers' replies travel through it)")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# An upload must not hang when the broker is down: try briefly, then the sweep takes over.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BEAT_SCHEDULE = {
    "sweep-unprocessed-photos": {"task": "gallery.tasks.sweep_unprocessed_photos", "schedule": 60.0},
    "purge-trash": {"task": "gallery.tasks.purge_trash", "schedule": 3600.0},
    "sync-gallery-indexes": {"task": "search.tasks.sync_gallery_indexes", "schedule": 900.0},
}
# A worker touches this file every WORKER_HEARTBEAT_INTERVAL seconds while it reaches the broker
# ("" = no heartbeat); its container healthcheck runs `python -m imagesearch.healthcheck FILE`.
WORKER_HEARTBEAT_FILE = env("WORKER_HEARTBEAT_FILE", default="")
WORKER_HEARTBEAT_INTERVAL = env.float("WORKER_HEARTBEAT_INTERVAL", default=30.0)
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# The library: a deleted photo stays in the trash this long, then the hourly purge deletes it
# (files, vectors, tags, album places) for good.
TRASH_RETENTION_DAYS = env.int("TRASH_RETENTION_DAYS", default=30)

# Photos not picked up by a worker within this time are queued again by the sweep.
PROCESSING_REQUEUE_AFTER_SECONDS = env.int("PROCESSING_REQUEUE_AFTER_SECONDS", default=120)
PROCESSING_MAX_ATTEMPTS = env.int("PROCESSING_MAX_ATTEMPTS", default=5)
# Decode the next batch in a thread while the model runs: worth it only with cores to spare.
PROCESSING_DECODE_THREADS = env.int("PROCESSING_DECODE_THREADS", default=1 if (os.cpu_count() or 1) > 2 else 0)

# --- Shared cache: rate-limit counts (and anything else that must hold across processes) --
def cache_config(url: str) -> dict:
    config = env.cache_url_config(url)
    if config["BACKEND"].endswith("DatabaseCache"):
        config.setdefault("OPTIONS", {})["MAX_ENTRIES"] = 100_000  # culling would forget live counts
    return config


def _shared_cache_url() -> str:
    """CACHE_URL, else the Redis of the broker when there is one, else a database table (the
    embedded run: `manage.py createcachetable`, which `manage.py serve` runs)."""
    redis_url = env("REDIS_URL", default="") or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
    return env("CACHE_URL", default="") or redis_url or "dbcache://imagesearch_cache"


def caches_for(url: str, *, key_prefix: str = "") -> dict:
    """The default and rate-limit caches on one URL; `key_prefix` keeps several deployments (or
    test runs) sharing one Redis apart."""
    shared = {**cache_config(url), "KEY_PREFIX": key_prefix}
    # A day's default timeout: the database cache's incr() re-stores a count with it, and a count
    # must outlive its longest window (a day).
    return {"default": shared, "ratelimit": {**shared, "TIMEOUT": 86_400, "KEY_PREFIX": f"{key_prefix}ratelimit"}}


CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", default="")
CACHES = caches_for(_shared_cache_url(), key_prefix=CACHE_KEY_PREFIX)

# --- Rate limits (imagesearch/ratelimit.py): "N/second|minute|hour|day"; "" switches one off --
def rate_limits(**defaults: str) -> dict[str, str]:
    """Each scope's rate from RATE_LIMIT_<SCOPE>, else the default given."""
    return {scope: env(f"RATE_LIMIT_{scope.upper()}", default=rate) for scope, rate in defaults.items()}


RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
RATE_LIMITS = rate_limits(
    ip="2400/minute",  # every page and API request from one address
    user="1200/minute",  # every page and API request of one signed-in user
    search="30/minute",  # text, region and image search (they run the CLIP model, here or on a worker)
    upload="240/minute",  # upload requests (the page uploads one file a request)
    login="10/minute",  # login form and token endpoint, per address
    signup="5/hour",  # sign-up form posts, per address
    password_reset="5/hour",  # password-reset requests, per address
)

# --- Content-Security-Policy (imagesearch/middleware.py), Django 6's SECURE_CSP format --------
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    # The bucket's origin too when media is there: the file endpoints redirect images to it.
    "img-src": ["'self'", "data:", "blob:", *([MEDIA_STORAGE_ORIGIN] if MEDIA_STORAGE_ORIGIN else [])],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "imagesearch.throttling.AddressThrottle",
        "imagesearch.throttling.UserThrottle",
        "imagesearch.throttling.ScopeThrottle",
    ],
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "imagesearch.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "imagesearch.exceptions.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "imagesearch.pagination.Pagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Image Search API",
    "DESCRIPTION": "Private photo galleries with semantic search. Authenticate with `Authorization: Token <key>` "
    "(POST /api/v1/auth/token/ with username, password and a name for the device). Requests are rate "
    "limited: a 429 answer says in `Retry-After` how many seconds to wait.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "imagesearch.schema.add_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # open_clip logs chatty INFO lines on the root logger; our own loggers stay at LOG_LEVEL.
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        "kombu.connection": {"level": "ERROR"},  # "no hostname" for the filesystem transport
        **{name: {"level": env("LOG_LEVEL", default="INFO")} for name in ("accounts", "gallery", "albums", "search", "imagesearch", "celery")},
    },
}
