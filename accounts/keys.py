"""Secret keys (API tokens, invite links): made at random, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets


def new_key() -> str:
    """160 random bits as 40 hex characters (the shape of the API keys before)."""
    return secrets.token_hex(20)


def key_hash(key: str) -> str:
    # A plain hash suffices: the keys are random and long, so there is nothing to guess or to salt.
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
