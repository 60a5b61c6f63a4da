"""Production: real PostgreSQL (DATABASE_URL) and Redis; secrets come from the environment.

Made for a TLS-terminating reverse proxy in front (README, "Exposing it to the internet"):
`python manage.py check --deploy` passes with these defaults and a real DJANGO_SECRET_KEY.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")  # 50+ random characters: python -c "import secrets; print(secrets.token_urlsafe(50))"
# One proxy by default: it says the request came over HTTPS (X-Forwarded-Proto, which it must set
# itself, never pass through) and who the client is (X-Forwarded-For, to which it appends).
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=1)
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": NUM_PROXIES}  # noqa: F405
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if NUM_PROXIES else None
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # health checks from inside the network speak plain HTTP
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CSP = {**SECURE_CSP, "upgrade-insecure-requests": []}  # noqa: F405
SIGNUP_MODE = env("SIGNUP_MODE", default="invite")
STORAGES = {
    "default": MEDIA_STORAGE_BACKEND,  # noqa: F405 - a local folder or a bucket (base.py)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Caddy terminates TLS and says so in X-Forwarded-Proto (deploy/Caddyfile).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
