"""Per-brand store API keys: shown once, stored as a lookup prefix and a SHA-256.

A key is ``dots_sk_<prefix>_<secret>``: 12 hex characters find the brand by
an indexed, unique column; the 256-bit secret makes the key unguessable, so
a plain SHA-256 of it is as good as a slow password hash (there is nothing to
brute-force) and cheap enough to check on every call. A copy of the database
therefore holds no usable key. Making a new key replaces the old one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import g, request
from sqlalchemy import select

from widget_server.brands.models import Brand
from widget_server.db import session
from widget_server.errors import ApiError

PREFIX = "dots_sk_"
KEY = re.compile(r"^dots_sk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_api_key(brand: Brand) -> str:
    """Give ``brand`` a new key (the old one stops working); return it, to show once."""
    lookup = secrets.token_hex(6)
    key = f"{PREFIX}{lookup}_{secrets.token_urlsafe(32)}"
    brand.api_key_prefix = lookup
    brand.api_key_hash = _digest(key)
    session.flush()
    return key


def bearer() -> str | None:
    """The ``Authorization: Bearer …`` value, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return (value.strip() or None) if scheme.lower() == "bearer" else None


def key_prefix() -> str | None:
    """The lookup prefix of the presented key (rate limits key on it), or None."""
    match = KEY.match(bearer() or "")
    return match.group(1) if match else None


def _unauthorised(error: str, message: str) -> ApiError:
    return ApiError(401, error, message, headers={"WWW-Authenticate": 'Bearer realm="store"'})


def authenticate_store() -> Brand:
    """The brand whose API key the call presents (also ``g.brand``), or a 401."""
    key = bearer()
    if key is None:
        raise _unauthorised("missing_api_key", "Send the brand's API key as a Bearer token.")
    match = KEY.match(key)
    brand = (
        session.scalar(select(Brand).where(Brand.api_key_prefix == match.group(1)))
        if match
        else None
    )
    # Compared in constant time, and a made-up digest when there is no brand,
    # so the answer's timing does not tell a known prefix from an unknown one.
    stored = brand.api_key_hash if brand is not None and brand.api_key_hash else "0" * 64
    if not hmac.compare_digest(stored, _digest(key)) or brand is None:
        raise _unauthorised("invalid_api_key", "This API key is not valid (or was replaced).")
    g.brand = brand
    return brand


def store_key() -> str:
    """Rate-limit key: the presented key's prefix (``store:<prefix>``), else the caller's IP.

    Read before the view without the database; a made-up prefix only buys a
    counter that never gets past the 401.
    """
    from flask_limiter.util import get_remote_address

    prefix = key_prefix()
    return f"store:{prefix}" if prefix else f"no-store-key:{get_remote_address()}"
