"""Factories for the objects most tests need (call inside an app context)."""

from __future__ import annotations

from datetime import timedelta
from itertools import count
from typing import Any

from widget_server.brands.models import Brand
from widget_server.brands.services import create_brand
from widget_server.catalog.models import Product, Variant
from widget_server.db import session
from widget_server.influencers.models import Influencer, InfluencerLink
from widget_server.influencers.services import create_influencer, issue_link
from widget_server.influencers.tokens import sign_link
from widget_server.product_requests.models import ProductRequest
from widget_server.product_requests.services import create_request

_seq = count(1)


def make_brand(slug: str | None = None, **fields: Any) -> Brand:
    """A brand whose store is https://<slug>.example unless origins are given."""
    slug = slug or f"brand-{next(_seq)}"
    data = {
        "slug": slug,
        "name": slug.replace("-", " ").title(),
        "allowed_origins": [f"https://{slug}.example"],
        "notify_email": f"team@{slug}.example",
        **fields,
    }
    brand = create_brand(data)
    session.commit()
    return brand


def make_influencer(email: str | None = None, **fields: Any) -> Influencer:
    """An influencer with one Instagram handle unless handles are given."""
    n = next(_seq)
    data = {
        "name": f"Influencer {n}",
        "email": email or f"creator{n}@example.com",
        "country": "US",
        "handles": [{"platform": "instagram", "handle": f"creator{n}", "followers": 12000}],
        **fields,
    }
    influencer = create_influencer(data)
    session.commit()
    return influencer


def make_link(
    brand: Brand | None = None, influencer: Influencer | None = None, ttl: str = "30d"
) -> tuple[InfluencerLink, str]:
    """A committed link and its token."""
    brand = brand or make_brand()
    influencer = influencer or make_influencer()
    link = issue_link(brand, influencer, ttl=ttl)
    session.commit()
    return link, sign_link(link)


def make_product(
    brand: Brand,
    handle: str | None = None,
    prices: tuple[int, ...] = (2500,),
    sizes: tuple[str, ...] | None = None,
    available: tuple[bool, ...] | None = None,
) -> Product:
    """A product with one variant per price (optionally named by size)."""
    n = next(_seq)
    handle = handle or f"product-{n}"
    sizes = sizes or tuple(f"Size {i + 1}" for i in range(len(prices)))
    available = available or (True,) * len(prices)
    product = Product(
        brand_id=brand.id,
        store_id=str(9_000_000 + n),
        handle=handle,
        title=handle.replace("-", " ").title(),
        url=f"{brand.store_url}products/{handle}",
        image_url=f"{brand.store_url}images/{handle}.svg",
        option_names=["Size"],
        variants=[
            Variant(
                store_id=str(8_000_000 + n * 10 + i),
                title=size,
                option_values=[size],
                price_minor=price,
                available=ok,
                position=i + 1,
            )
            for i, (price, size, ok) in enumerate(zip(prices, sizes, available, strict=True))
        ],
    )
    session.add(product)
    session.commit()
    return product


def request_body(brand: Brand, variants: list[Variant], **changes: Any) -> dict[str, Any]:
    """A valid ``POST /v1/requests`` body for ``variants`` (one of each)."""
    from widget_server import clock

    body: dict[str, Any] = {
        "brand": brand.slug,
        "items": [{"variant_id": variant.id, "quantity": 1} for variant in variants],
        "proposal": {
            "content_types": ["reel"],
            "platforms": ["instagram"],
            "publish_on": (clock.now().date() + timedelta(days=10)),
            "message": "Autumn looks for my followers.",
            "links": [],
        },
        "shipping_address": {
            "name": "Ana Lima",
            "line1": "12 Rua Augusta",
            "line2": "",
            "city": "Lisbon",
            "region": "",
            "postal_code": "1100-053",
            "country": "PT",
            "phone": "",
        },
    }
    body.update(changes)
    return body


def make_request(link: InfluencerLink, variants: list[Variant], **changes: Any) -> ProductRequest:
    """A committed pending request through the real service (catalog prices, claims, email)."""
    request, _ = create_request(link, request_body(link.brand, variants, **changes))
    session.commit()
    return request
