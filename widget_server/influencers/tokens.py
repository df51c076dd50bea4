"""Signed influencer-link tokens.

A token is ``itsdangerous``-signed ``[link_id, nonce]`` with a salt of its own,
so a token signed for another purpose (a sign-in cookie, an unsubscribe link)
never verifies here. The token says which link it is; whether that link is
still good (not revoked, not expired, this brand's) is read from the database,
so one link can be revoked without touching others.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy.orm import Session

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.errors import ApiError
from widget_server.influencers.models import InfluencerLink

LINK_SALT = "dots.influencer-link.v1"


def _serializer() -> URLSafeSerializer:
    keys = [
        current_app.config["SECRET_KEY"],
        *(current_app.config.get("SECRET_KEY_FALLBACKS") or []),
    ]
    # The newest key signs; older keys still verify, so keys can be rotated.
    return URLSafeSerializer(list(reversed(keys)), salt=LINK_SALT)


def sign_link(link: InfluencerLink) -> str:
    """The token that stands for ``link`` (the link must have an id)."""
    return str(_serializer().dumps([link.id, link.nonce]))


class LinkRefused(ApiError):
    """A link token that must not be honoured, with the reason why."""


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
    invalid = LinkRefused(
        401,
        "invalid_token",
        f"This invitation link to {brand.name} is not valid. Ask them for a new link.",
    )
    try:
        payload = _serializer().loads(token)
        link_id, nonce = int(payload[0]), str(payload[1])
    except (BadData, ValueError, TypeError, IndexError, KeyError):  # BadData: signature, payload
        raise invalid from None
    link = session.get(InfluencerLink, link_id)
    if link is None or link.nonce != nonce:
        raise invalid
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
