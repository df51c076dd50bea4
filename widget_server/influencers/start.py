"""The one call before the dots: who is visiting, the products on this page, their statuses.

``POST /v1/session`` answers all of it (docs/widget-protocol.md, "The one call
before the dots"), so a returning influencer waits for one round trip.
"""

from __future__ import annotations

from typing import Any

from flask import g, request
from sqlalchemy import select

from widget_server.catalog.lookup import lookup
from widget_server.db import session
from widget_server.influencers.models import InfluencerLink
from widget_server.influencers.preview import PreviewVisit
from widget_server.product_requests.models import ProductRequest, RequestItem
from widget_server.product_requests.states import effective_status
from widget_server.validation import display_text


def request_statuses(link: InfluencerLink) -> dict[str, str]:
    """Product handle -> status of the influencer's newest request naming it, at this brand.

    One query over the influencer's items here, newest request first; the
    first row per handle wins. An overdue pending request reads as expired,
    as everywhere (:func:`effective_status`).
    """
    rows = session.execute(
        select(RequestItem.product_handle, ProductRequest)
        .join(ProductRequest, ProductRequest.id == RequestItem.request_id)
        .where(
            ProductRequest.influencer_id == link.influencer_id,
            ProductRequest.brand_id == link.brand_id,
        )
        .order_by(ProductRequest.submitted_at.desc(), ProductRequest.id.desc())
    ).all()
    statuses: dict[str, str] = {}
    for handle, product_request in rows:
        statuses.setdefault(handle, effective_status(product_request))
    return statuses


def start(
    visitor: InfluencerLink | PreviewVisit, keys: list[str], full: list[str]
) -> dict[str, Any]:
    """The answer of ``POST /v1/session`` for an authenticated visitor.

    A preview gets no statuses (it has no requests) but learns why keys
    matched nothing requestable (``misses``) and whether this page's origin
    is one of the brand's (``diagnostics``).
    """
    brand = visitor.brand
    found = lookup(brand, keys, full, explain=visitor.preview)
    answer: dict[str, Any] = {
        "brand": brand,
        "link_expires_at": visitor.expires_at,
        "catalog_version": brand.lookup_version,
        "products": found.products,
        "matches": found.matches,
        "preview": visitor.preview,
    }
    if isinstance(visitor, PreviewVisit):
        origin = request.headers.get("Origin")
        answer["influencer"] = visitor.shown_influencer
        answer["misses"] = found.misses
        answer["diagnostics"] = {
            "origin_allowed": brand.allows_origin(origin),
            "origin": origin,
            "origins": list(brand.allowed_origins),
        }
    else:
        answer["influencer"] = visitor.influencer
        # Read along with the link when the view asked for them (one query fewer).
        statuses = g.get("statuses")
        answer["statuses"] = request_statuses(visitor) if statuses is None else statuses
    return answer


def link_answer(answer: dict[str, Any]) -> dict[str, Any]:
    """A link's answer of :func:`start` as JSON values: what ``SessionResponse`` dumps.

    Built directly: the shape is fixed, and every influencer page view pays
    for it (tests/test_session_cost.py checks it equals the schema's dump,
    which still documents the endpoint and dumps a preview's answer).
    """
    brand, influencer = answer["brand"], answer["influencer"]
    return {
        "influencer": {
            "name": display_text(influencer.name),
            "handles": [
                {
                    "platform": handle.platform,
                    "handle": handle.handle,
                    "followers": handle.followers,
                    "stated_at": handle.stated_at and handle.stated_at.isoformat(),
                }
                for handle in influencer.handles
            ],
        },
        "brand": {
            "slug": brand.slug,
            "name": display_text(brand.name),
            "currency": brand.currency,
            "policy": {
                "expiry_days": brand.expiry_days,
                "max_items": brand.max_items,
                "max_value_minor": brand.max_value_minor,
            },
        },
        "link_expires_at": answer["link_expires_at"].isoformat(),
        "catalog_version": answer["catalog_version"],
        "products": answer["products"],
        "matches": answer["matches"],
        "statuses": answer["statuses"],
        "preview": answer["preview"],
    }
