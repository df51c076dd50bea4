"""Signed influencer-link tokens.

A token is ``itsdangerous``-signed ``[link_id, nonce]`` with a salt of its own,
so a token signed for another purpose (a sign-in cookie, an unsubscribe link)
never verifies here. The token says which link it is; whether that link is
still good (not revoked, not expired, this brand's) is read from the database,
so one link can be revoked without touching others.

Only the exact token we issued is accepted. itsdangerous decodes base64
leniently (the last character of the signature has four values that decode
alike, and characters outside the alphabet are skipped), so without a check
one link would have many spellings, and anything keyed on the token string
(rate limits, logs) could be dodged by respelling it.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy.orm import Session

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.errors import ApiError
from widget_server.influencers.models import InfluencerLink

LINK_SALT = "dots.influencer-link.v1"
#: Preview tokens (a brand checking its install) have a salt of their own, so
#: a link token never verifies as a preview token, nor the other way round.
PREVIEW_SALT = "dots-preview"


class LinkRefused(ApiError):
    """A link token that must not be honoured, with the reason why."""


def _keys() -> list[str]:
    """Signing keys, oldest first (itsdangerous signs with the last one)."""
    keys = [
        current_app.config["SECRET_KEY"],
        *(current_app.config.get("SECRET_KEY_FALLBACKS") or []),
    ]
    return list(reversed(keys))


def _serializer(salt: str = LINK_SALT) -> URLSafeSerializer:
    # The newest key signs; older keys still verify, so keys can be rotated.
    return URLSafeSerializer(_keys(), salt=salt)


def sign_link(link: InfluencerLink) -> str:
    """The token that stands for ``link`` (the link must have an id)."""
    return str(_serializer().dumps([link.id, link.nonce]))


def _load_canonical(token: str, salt: str) -> Any:
    """The payload of a well-signed token in its one canonical spelling, or raise BadData.

    After itsdangerous has verified the signature, the payload is signed again
    with each key and compared in constant time, so a respelled token (same
    bytes after lenient base64 decoding) is refused like a forged one.
    """
    return _verified(token, salt, tuple(_keys()))


@lru_cache(maxsize=4096)
def _verified(token: str, salt: str, keys: tuple[str, ...]) -> Any:
    """:func:`_load_canonical` for these keys, remembered per process.

    Every influencer page view presents the same token again, and checking
    it costs a few HMACs. What a token says never changes for given keys
    (they are part of the cache key, so a rotation takes effect at once);
    whether the link is still good is read from the database on every call.
    Only tokens that verify are remembered: a bad one raises, every time.
    """
    payload = URLSafeSerializer(list(keys), salt=salt).loads(token)
    presented = token.encode("utf-8", "surrogatepass")
    canonical = False
    for key in keys:
        expected = URLSafeSerializer(key, salt=salt).dumps(payload).encode()
        # No early exit: the time taken does not say which key matched.
        canonical |= hmac.compare_digest(expected, presented)
    if not canonical:
        raise BadData("not the token as issued")
    # A tuple: the one cached payload is shared by every later call.
    return tuple(payload) if isinstance(payload, list) else payload


def _invalid(brand: Brand | None = None) -> LinkRefused:
    """A bad token; in the brand's words when we know which store it was used on."""
    if brand is None:
        return LinkRefused(401, "invalid_token", "This link is not valid.")
    return LinkRefused(
        401,
        "invalid_token",
        f"This invitation link to {brand.name} is not valid. Ask them for a new link.",
    )


def read_link_token(token: str) -> tuple[int, str]:
    """``(link_id, nonce)`` of a well-signed link token as issued, or raise.

    No database access: cheap enough to run before a view (rate-limit keys).
    """
    try:
        payload = _load_canonical(token, LINK_SALT)
        return int(payload[0]), str(payload[1])
    except (BadData, ValueError, TypeError, IndexError, KeyError):  # BadData: signature, payload
        raise _invalid() from None


def sign_preview(brand: Brand, expires_at: datetime) -> str:
    """A preview token for ``brand`` until ``expires_at``: ``[brand_id, expiry in epoch seconds]``.

    It names no influencer and no database row: nothing to revoke but time,
    which is why it lives at most a day.
    """
    return str(_serializer(PREVIEW_SALT).dumps([brand.id, int(expires_at.timestamp())]))


def read_preview_token(token: str) -> tuple[int, datetime]:
    """``(brand_id, expires_at)`` of a well-signed preview token as issued, or raise 401."""
    try:
        payload = _load_canonical(token, PREVIEW_SALT)
        brand_id, expiry = int(payload[0]), int(payload[1])
        return brand_id, datetime.fromtimestamp(expiry, UTC)
    except (BadData, ValueError, TypeError, IndexError, KeyError, OverflowError, OSError):
        raise _invalid() from None


def verify_link(token: str | None, brand: Brand, session: Session) -> InfluencerLink:
    """Return the active link named by ``token`` for ``brand``, or raise.

    401 for no token, a bad signature, an unknown, revoked or expired link;
    403 for a good link of another brand. The overlay shows the influencer
    these messages as they are, so they speak in the name of ``brand``, the
    store the call names (public: it is the store the person is on), and say
    what to do next.
    """
    if not token:
        raise LinkRefused(401, "missing_token", "An influencer link token is required.")
    try:
        link_id, nonce = read_link_token(token)
    except LinkRefused:
        raise _invalid(brand) from None
    link = session.get(InfluencerLink, link_id)
    if link is None or link.nonce != nonce:
        raise _invalid(brand)
    if link.revoked_at is not None:
        raise LinkRefused(
            401,
            "link_revoked",
            f"This invitation from {brand.name} is no longer active. Ask them for a new link.",
        )
    if link.expires_at <= clock.now():
        raise LinkRefused(
            401,
            "link_expired",
            f"This invitation from {brand.name} has expired. Ask them for a new link.",
        )
    if link.brand_id != brand.id:
        raise LinkRefused(403, "wrong_brand", "This invitation is for another store.")
    return link
