"""The embedded run (README run command): gunicorn serves static files through WhiteNoise."""

import secrets

from .base import *  # noqa: F403
from .base import DATA_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG


def _local_secret_key() -> str:
    """A random key made on the first run and kept with the data (never the public default)."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("DJANGO_SECRET_KEY", default="") or _local_secret_key()
