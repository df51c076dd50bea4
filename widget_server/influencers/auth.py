"""The one place where a widget API call is tied to a brand and an influencer.

Every endpoint the overlay calls runs :func:`authenticate_link` first: load
the brand named by the call (404), check the page's ``Origin`` is one of the
brand's stores (403), then check the bearer token is an active link of that
brand (401/403). Views then work only with ``g.brand`` and ``g.link``.
"""

from __future__ import annotations

from flask import g, request

from widget_server.brands.services import get_brand
from widget_server.db import session
from widget_server.errors import ApiError
from widget_server.influencers.models import InfluencerLink
from widget_server.influencers.tokens import verify_link


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def authenticate_link(brand_slug: str) -> InfluencerLink:
    """Check brand, origin and token; set ``g.brand`` and ``g.link``."""
    brand = get_brand(brand_slug)
    g.brand = brand
    if not brand.allows_origin(request.headers.get("Origin")):
        raise ApiError(
            403, "origin_not_allowed", "This page is not on one of the brand's store origins."
        )
    link = verify_link(bearer_token(), brand, session)
    g.link = link
    return link
