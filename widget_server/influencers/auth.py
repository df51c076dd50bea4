"""The one place where a widget API call is tied to a brand and an influencer.

Every endpoint the browser code calls runs :func:`authenticate_link` first:
load the brand named by the call (404), check the calling page's origin
(403), then check the bearer token is an active link of that brand (401/403).
Views then work only with ``g.brand`` and ``g.link``.

The link is read with ONE indexed query (its primary key) that brings its
brand, its influencer and their accounts along (:func:`load_link`); the
checks then find it in the session without another query. Nothing about a
link is cached between calls, so a revoked link stops at once.

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

from functools import cache
from typing import Any

from flask import g, request
from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import joinedload

from widget_server.brands.services import get_brand
from widget_server.db import session
from widget_server.errors import ApiError
from widget_server.influencers.models import Influencer, InfluencerLink
from widget_server.influencers.preview import PreviewVisit, preview_refused, verify_preview
from widget_server.influencers.tokens import LinkRefused, read_link_token, verify_link
from widget_server.product_requests.models import ProductRequest, RequestItem
from widget_server.product_requests.states import effective_status

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


@cache
def _link_query(statuses: bool) -> Select[Any]:
    """The statement of :func:`load_link`, built once (the link id is a parameter)."""
    query = select(InfluencerLink).where(InfluencerLink.id == bindparam("link_id"))
    query = query.options(
        joinedload(InfluencerLink.brand, innerjoin=True),
        joinedload(InfluencerLink.influencer, innerjoin=True).joinedload(Influencer.handles),
    )
    if not statuses:
        return query
    newest_first = (ProductRequest.submitted_at.desc(), ProductRequest.id.desc())
    return (
        query.add_columns(
            RequestItem.product_handle, ProductRequest.status, ProductRequest.expires_at
        )
        .outerjoin(
            ProductRequest,
            and_(
                ProductRequest.influencer_id == InfluencerLink.influencer_id,
                ProductRequest.brand_id == InfluencerLink.brand_id,
            ),
        )
        .outerjoin(RequestItem, RequestItem.request_id == ProductRequest.id)
        .order_by(*newest_first)
    )


def load_link(token: str | None, statuses: bool = False) -> InfluencerLink | None:
    """The link ``token`` names, with brand, influencer and accounts, in one query.

    None when the token is no link token or names no link (the checks of
    :func:`verify_link` then say why). With ``statuses``, the same query also
    reads the influencer's requests at the link's brand (an outer join, on
    the ``(influencer_id, brand_id, status)`` index), newest first, and puts
    the status of the newest one per product handle into ``g.statuses``.
    """
    try:
        link_id, _nonce = read_link_token(token or "")
    except ApiError:
        return None
    params = {"link_id": link_id}
    if not statuses:
        return session.scalars(_link_query(False), params).unique().one_or_none()
    rows = session.execute(_link_query(True), params).unique().all()
    found: dict[str, str] = {}
    for row in rows:
        if row.product_handle is not None:
            # The row has the two columns effective_status reads.
            found.setdefault(row.product_handle, effective_status(row))  # type: ignore[arg-type]
    g.statuses = found
    return rows[0][0] if rows else None


def authenticate_link(
    brand_slug: str, panel_only: bool = False, write: bool = False, statuses: bool = False
) -> Visitor:
    """Check brand, origin and token; set ``g.brand`` and ``g.link``.

    ``panel_only`` endpoints answer browsers only on the widget's own pages
    (the panel), by headers a client outside a browser can forge: it is no
    reason to return anything personal. A preview token (the brand checking
    its install) passes as a :class:`PreviewVisit`; ``write`` calls refuse
    it with 403 ``preview_only``. ``statuses``: see :func:`load_link`.
    """
    token = bearer_token()
    link = load_link(token, statuses)
    # The link's own brand when the call names it (no query); else the named one, or 404.
    brand = link.brand if link is not None and link.brand.slug == brand_slug else None
    brand = brand or get_brand(brand_slug)
    g.brand = brand
    origin = calling_origin()
    from_panel = origin == own_origin()
    if not (from_panel or (not panel_only and brand.allows_origin(origin))):
        raise ApiError(
            403, "origin_not_allowed", "This page is not on one of the brand's store origins."
        )
    visitor: Visitor
    try:
        # Finds the link loaded above in the session: no second query.
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
