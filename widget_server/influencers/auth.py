"""The one place where a widget API call is tied to a brand and an influencer.

Every endpoint the browser code calls runs :func:`authenticate_link` first:
load the brand named by the call (404), check the calling page's origin
(403), then check the bearer token is an active link of that brand (401/403).
Views then work only with ``g.brand`` and ``g.link``.

Two kinds of pages call: the brand's store (the overlay, cross-origin, so the
browser sends ``Origin``) and the request panel, which is served from the
widget's own origin so the address the influencer types never enters the
store's page.

The origin check only steers browsers. The token sits in the store page's
``localStorage``, where any of the store's scripts can read it and replay
it outside a browser with any ``Origin`` or ``Sec-Fetch-Site`` it likes. So
no answer to a link token holds personal data (an email, a street address,
a postal code, a phone): whatever an endpoint returns, assume the token's
thief reads it.
"""

from __future__ import annotations

from flask import g, request

from widget_server.brands.services import get_brand
from widget_server.db import session
from widget_server.errors import ApiError
from widget_server.influencers.models import InfluencerLink
from widget_server.influencers.preview import PreviewVisit, preview_refused, verify_preview
from widget_server.influencers.tokens import LinkRefused, verify_link

#: Who a widget call comes from: an influencer's link, or the brand's own preview.
Visitor = InfluencerLink | PreviewVisit


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def own_origin() -> str:
    """The widget server's origin as the browser sees it."""
    return request.host_url.rstrip("/").lower()


def calling_origin() -> str | None:
    """The origin of the page that made this call, if the browser says.

    Browsers send ``Origin`` on cross-origin calls and on POSTs, but not on
    same-origin GETs; those carry ``Sec-Fetch-Site: same-origin`` instead.
    """
    origin = request.headers.get("Origin")
    if origin is None and request.headers.get("Sec-Fetch-Site") == "same-origin":
        return own_origin()
    return origin.lower().rstrip("/") if origin else None


def authenticate_link(brand_slug: str, panel_only: bool = False, write: bool = False) -> Visitor:
    """Check brand, origin and token; set ``g.brand`` and ``g.link``.

    ``panel_only`` endpoints answer browsers only on the widget's own pages
    (the panel), by headers a client outside a browser can forge: it is no
    reason to return anything personal. A preview token (the brand checking
    its install) passes as a :class:`PreviewVisit`; ``write`` calls refuse
    it with 403 ``preview_only``.
    """
    brand = get_brand(brand_slug)
    g.brand = brand
    origin = calling_origin()
    from_panel = origin == own_origin()
    if not (from_panel or (not panel_only and brand.allows_origin(origin))):
        raise ApiError(
            403, "origin_not_allowed", "This page is not on one of the brand's store origins."
        )
    token = bearer_token()
    visitor: Visitor
    try:
        visitor = verify_link(token, brand, session)
    except LinkRefused as refused:
        # Not a link: a preview token then? (Their salts differ, so a token is one or neither.)
        if refused.error != "invalid_token" or token is None:
            raise
        try:
            visitor = verify_preview(token, brand)
        except LinkRefused as preview_refusal:
            if preview_refusal.error == "invalid_token":
                raise refused from None  # the message in the brand's words
            raise
        if write:
            raise preview_refused() from None
    g.link = visitor
    return visitor
