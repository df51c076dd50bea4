"""Creating product requests: every rule the brand's policy and catalog impose."""

from __future__ import annotations

import hashlib
import json
from contextlib import suppress
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from widget_server import clock
from widget_server.catalog.models import Product, Variant
from widget_server.db import session
from widget_server.errors import ApiError, ValidationFailed
from widget_server.influencers.models import InfluencerLink
from widget_server.money import format_minor
from widget_server.product_requests import counters, emails, states, webhooks
from widget_server.product_requests.lifecycle import owned_request_id
from widget_server.product_requests.models import (
    ProductRequest,
    RequestEvent,
    RequestItem,
    address_summary,
)
from widget_server.validation import platform_name

#: ``shipping_address: {"use_saved": …}``: ship to the address of the
#: influencer's latest request at this brand, or (their explicit choice) at
#: another brand.
THIS_STORE = "this_store"
ANOTHER_STORE = "another_store"
SAVED_SOURCES = (THIS_STORE, ANOTHER_STORE)


def body_digest(body: dict[str, Any]) -> str:
    """A fingerprint of a request body, to tell a true retry from a reused key."""
    canonical = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(link: InfluencerLink, key: str, digest: str) -> ProductRequest | None:
    existing = session.scalar(
        select(ProductRequest).where(
            ProductRequest.influencer_id == link.influencer_id,
            ProductRequest.idempotency_key == key,
        )
    )
    if existing is not None and existing.body_digest != digest:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was used for a different request; use a new key.",
        )
    return existing


def expire_overdue_for(influencer_id: int, brand_id: int) -> None:
    """Expire this influencer's overdue pending requests at this brand now.

    Their claims on products must be released before a new request for the
    same products can be accepted; the sweeper would do it later anyway.
    """
    overdue = session.scalars(
        select(ProductRequest.id).where(
            ProductRequest.influencer_id == influencer_id,
            ProductRequest.brand_id == brand_id,
            ProductRequest.status == states.PENDING,
            ProductRequest.expires_at <= clock.now(),
        )
    ).all()
    for request_id in overdue:
        # Someone else may have decided or expired it first: that is fine.
        with suppress(states.TransitionRefused):
            states.transition(request_id, states.EXPIRED, actor="system")


def _load_variants(brand_id: int, ids: list[int]) -> dict[int, Variant]:
    rows = session.scalars(
        select(Variant)
        .join(Variant.product)
        .where(Variant.id.in_(ids), Product.brand_id == brand_id)
        .options(selectinload(Variant.product))
    ).all()
    return {variant.id: variant for variant in rows}


def _check_items(link: InfluencerLink, items: list[dict[str, Any]]) -> list[RequestItem]:
    """Turn ``[{variant_id, quantity}]`` into item snapshots, or raise 422/409."""
    brand = link.brand
    variants = _load_variants(brand.id, [item["variant_id"] for item in items])
    errors: dict[str, list[str]] = {}
    snapshots: list[RequestItem] = []
    seen_products: set[int] = set()
    for index, item in enumerate(items):
        field = f"items.{index}.variant_id"
        variant = variants.get(item["variant_id"])
        if variant is None or not variant.active or not variant.product.active:
            errors[field] = ["This product is not in the brand's catalog."]
            continue
        if variant.product.excluded:
            # The overlay shows no dot for it, but the server decides.
            errors[field] = [f"{variant.product.title} is not offered for requests."]
            continue
        if not variant.available:
            errors[field] = [f"{variant.product.title} ({variant.title}) is sold out."]
            continue
        if variant.product_id in seen_products:
            errors[field] = [f"{variant.product.title} is already in this request."]
            continue
        seen_products.add(variant.product_id)
        snapshots.append(
            RequestItem(
                influencer_id=link.influencer_id,
                product_id=variant.product_id,
                variant_id=variant.id,
                product_handle=variant.product.handle,
                product_title=variant.product.title,
                variant_title=variant.title,
                option_values=list(variant.option_values),
                sku=variant.sku,
                image_url=variant.image_url or variant.product.image_url,
                quantity=item["quantity"],
                unit_price_minor=variant.price_minor,
            )
        )
    if errors:
        raise ValidationFailed(errors, "Some products cannot be requested.")
    units = sum(item.quantity for item in snapshots)
    if units > brand.max_items:
        raise ValidationFailed(
            {"items": [f"{brand.name} accepts at most {brand.max_items} items per request."]}
        )
    total = sum(item.line_total_minor for item in snapshots)
    if total > brand.max_value_minor:
        limit = format_minor(brand.max_value_minor, brand.currency)
        raise ValidationFailed(
            {
                "items": [
                    f"The retail value {format_minor(total, brand.currency)} is over "
                    f"{brand.name}'s limit of {limit} per request."
                ]
            }
        )
    _refuse_already_pending(link, snapshots)
    return snapshots


def _refuse_already_pending(link: InfluencerLink, snapshots: list[RequestItem]) -> None:
    pending = set(
        session.scalars(
            select(RequestItem.product_id).where(
                RequestItem.influencer_id == link.influencer_id,
                RequestItem.pending_claim.is_(True),
                RequestItem.product_id.in_([item.product_id for item in snapshots]),
            )
        )
    )
    if pending:
        errors = {
            f"items.{index}.variant_id": [
                f"You already have a pending request for {item.product_title}."
            ]
            for index, item in enumerate(snapshots)
            if item.product_id in pending
        }
        raise ApiError(
            409,
            "already_requested",
            "You already have a pending request for some of these products.",
            errors,
        )


def _check_proposal(link: InfluencerLink, proposal: dict[str, Any]) -> dict[str, Any]:
    mine = {handle.platform for handle in link.influencer.handles}
    errors = {
        f"proposal.platforms.{index}": [f"You have no {platform_name(platform)} account on file."]
        for index, platform in enumerate(proposal["platforms"])
        if platform not in mine
    }
    today = clock.now().date()
    if proposal["publish_on"] < today:
        errors["proposal.publish_on"] = ["Pick a date from today on."]
    elif proposal["publish_on"] > today + timedelta(days=366):
        errors["proposal.publish_on"] = ["Pick a date within the next year."]
    if errors:
        raise ValidationFailed(errors)
    return {**proposal, "publish_on": proposal["publish_on"].isoformat()}


def create_request(
    link: InfluencerLink, data: dict[str, Any], idempotency_key: str | None = None
) -> tuple[ProductRequest, bool]:
    """Store a new pending request; returns ``(request, replayed)``.

    With an ``idempotency_key``, a retry of the same body returns the first
    request (``replayed`` True) instead of creating another, even when the
    retry races the first attempt.
    """
    digest = body_digest(data)
    if idempotency_key and (existing := _replay(link, idempotency_key, digest)):
        return existing, True
    try:
        return _store(link, data, idempotency_key, digest), False
    except (ApiError, IntegrityError) as exc:
        # A twin with this key may have committed after the check above: this
        # attempt then saw its claims on the products (409) or its key (unique
        # index). The first submission's answer is the retry's answer.
        racing = isinstance(exc, IntegrityError) or exc.code == 409
        if racing and idempotency_key and (existing := _replay(link, idempotency_key, digest)):
            return existing, True
        raise


def _store(
    link: InfluencerLink, data: dict[str, Any], idempotency_key: str | None, digest: str
) -> ProductRequest:
    """Check ``data`` against the brand's rules and catalog, then store it."""
    expire_overdue_for(link.influencer_id, link.brand_id)
    items = _check_items(link, data["items"])
    proposal = _check_proposal(link, data["proposal"])
    shipping_address = shipping_address_for(link, data["shipping_address"])
    now = clock.now()
    brand = link.brand
    request = ProductRequest(
        brand_id=brand.id,
        influencer_id=link.influencer_id,
        link_id=link.id,
        status=states.PENDING,
        submitted_at=now,
        expires_at=now + timedelta(days=brand.expiry_days),
        currency=brand.currency,
        total_minor=sum(item.line_total_minor for item in items),
        proposal=proposal,
        shipping_address=shipping_address,
        idempotency_key=idempotency_key,
        body_digest=digest,
        items=items,
        events=[RequestEvent(kind="submitted", actor=link.influencer.email, created_at=now)],
    )
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
            counters.count_created([request])
            emails.on_submitted(request)
            webhooks.on_event(request, "created", None)
    except IntegrityError:
        # A concurrent request won the race for one of these products (or this
        # key: the caller replays that). Answer as the check above would have.
        _refuse_already_pending(link, items)
        raise
    return request


def withdraw_request(link: InfluencerLink, request_id: int) -> ProductRequest:
    """Withdraw the influencer's pending request ``request_id`` at the link's brand.

    404 for any request that is not this influencer's at this brand (the
    same answer as for one that does not exist); 409 from the state machine
    when it is no longer pending, without naming who decided. The event and
    the brand's email are written in the caller's transaction.
    """
    owned = owned_request_id(link, request_id)
    return states.transition(owned, states.WITHDRAWN, actor=link.influencer.email, name_actor=False)


def requests_of(link: InfluencerLink) -> list[ProductRequest]:
    """This influencer's requests at this brand, newest first."""
    return list(
        session.scalars(
            select(ProductRequest)
            .where(
                ProductRequest.influencer_id == link.influencer_id,
                ProductRequest.brand_id == link.brand_id,
            )
            .options(
                selectinload(ProductRequest.items).selectinload(RequestItem.variant),
                selectinload(ProductRequest.events),
                selectinload(ProductRequest.screenshots),
                selectinload(ProductRequest.messages),
                selectinload(ProductRequest.ratings),
            )
            .order_by(ProductRequest.submitted_at.desc(), ProductRequest.id.desc())
        )
    )


def _latest_address(link: InfluencerLink, at_this_brand: bool) -> dict[str, Any] | None:
    """The address of the influencer's latest request at the link's brand (or at any other)."""
    same_brand = ProductRequest.brand_id == link.brand_id
    return session.scalar(
        select(ProductRequest.shipping_address)
        .where(
            ProductRequest.influencer_id == link.influencer_id,
            same_brand if at_this_brand else ~same_brand,
        )
        .order_by(ProductRequest.submitted_at.desc(), ProductRequest.id.desc())
        .limit(1)
    )


def saved_addresses(link: InfluencerLink) -> dict[str, dict[str, str] | None]:
    """What the panel may offer to ship to, as ``{city, country}`` summaries only.

    The link's token lives in the store's page, where any script can read
    it and replay it from anywhere with whatever headers it likes, so no
    answer to a token may hold a street, a postal code or a phone. The panel
    offers these by reference (``use_saved``); the server copies the address.
    ``saved_address`` is the one last used at this brand. An address used
    only with other brands stays theirs unless the influencer picks it:
    ``another_store_address`` is offered only when this brand has none.
    """
    here = _latest_address(link, at_this_brand=True)
    elsewhere = None if here is not None else _latest_address(link, at_this_brand=False)
    return {
        "saved_address": address_summary(here),
        "another_store_address": address_summary(elsewhere),
    }


def shipping_address_for(link: InfluencerLink, given: dict[str, Any]) -> dict[str, Any]:
    """The address to store with a new request: as typed, or a copy of a saved one (422 if none)."""
    source = given.get("use_saved")
    if source is None:
        return given
    address = _latest_address(link, at_this_brand=source == THIS_STORE)
    if address is None:
        where = link.brand.name if source == THIS_STORE else "another store"
        raise ValidationFailed(
            {
                "shipping_address.use_saved": [
                    f"There is no address you used with {where} before. Enter the address."
                ]
            },
            "There is no saved address to ship to.",
        )
    return dict(address)
