"""WooCommerce Store API (``/wp-json/wc/store/v1/products``) -> normalised products.

The Store API is public on every WooCommerce store. Prices are strings in
minor units with ``prices.currency_minor_unit``; a variable product lists its
``variations`` as ids and attribute slugs only, so each variation's own price
and stock come from items of ``type=variation`` when the feed has them, and
from the product otherwise.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from widget_server.catalog.feed import MAX_PAGES, FeedError, fetch
from widget_server.catalog.formats.common import (
    RawProduct,
    check_currency,
    minor_to_decimal,
    product_url,
)

PER_PAGE = 100  # the Store API's maximum


def _where(item: Any, index: int) -> str:
    if isinstance(item, dict) and "id" in item:
        slug = item.get("slug")
        return f"product {item['id']}" + (f" ({slug!r})" if slug else "")
    return f"product #{index + 1}"


def _price(item: dict[str, Any], where: str, currency: str) -> str:
    prices = item.get("prices")
    if not isinstance(prices, dict):
        raise FeedError(f"{where}: prices: missing")
    check_currency(str(prices.get("currency_code") or ""), currency, where, "prices.currency_code")
    return minor_to_decimal(
        prices.get("price"), prices.get("currency_minor_unit"), where, "prices.price"
    )


def _text(value: Any) -> str | None:
    # WordPress stores titles with entities ("Caf&eacute; &#8211; Mug").
    return html.unescape(value).strip() if isinstance(value, str) else None


def _options(item: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """The attributes that make variations: (label, term slug -> term name)."""
    options = []
    for attribute in item.get("attributes") or []:
        if isinstance(attribute, dict) and attribute.get("has_variations"):
            terms = {
                str(term.get("slug")): _text(term.get("name")) or str(term.get("slug"))
                for term in attribute.get("terms") or []
                if isinstance(term, dict)
            }
            options.append((_text(attribute.get("name")) or "Option", terms))
    return options


def _variants(
    item: dict[str, Any], where: str, currency: str, details: dict[str, dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    price = _price(item, where, currency)
    in_stock = bool(item.get("is_in_stock", True))
    variations = item.get("variations") or []
    if not variations:
        # A simple product is its own single variant, under its own store id.
        return [
            {"id": item.get("id"), "title": "Default Title", "sku": item.get("sku") or None,
             "price": price, "available": in_stock, "position": 1}
        ], []  # fmt: skip
    options = _options(item)
    names = [name for name, _ in options]
    variants = []
    for position, variation in enumerate(variations, start=1):
        if not isinstance(variation, dict) or "id" not in variation:
            raise FeedError(f"{where}: variations.{position - 1}.id: missing")
        chosen = {
            str(a.get("name", "")).lower(): str(a.get("value") or "")
            for a in variation.get("attributes") or []
            if isinstance(a, dict)
        }
        values = []
        for name, terms in options:
            slug = chosen.get(name.lower(), "")
            values.append(terms.get(slug, _text(slug) or "") if slug else f"Any {name}")
        detail = details.get(str(variation["id"]))
        v_where = f"{where}: variation {variation['id']}"
        variants.append(
            {
                "id": variation["id"],
                "title": " / ".join(values) or f"Variation {variation['id']}",
                "sku": (detail or {}).get("sku") or None,
                "price": _price(detail, v_where, currency) if detail else price,
                "available": bool(detail.get("is_in_stock", True)) if detail else in_stock,
                "position": position,
                **{f"option{n}": value for n, value in enumerate(values[:4], start=1)},
            }
        )
    return variants, names


def to_products(items: Any, currency: str) -> list[RawProduct]:
    """Store API product items (and optional ``type=variation`` items) -> normalised products."""
    if not isinstance(items, list):
        raise FeedError("the feed is not a list of WooCommerce products")
    details: dict[str, dict[str, Any]] = {}
    products = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise FeedError(f"{_where(item, index)}: is not an object")
        if item.get("type") == "variation" or item.get("parent"):
            details[str(item.get("id"))] = item
        else:
            products.append((index, item))
    normalised = []
    for index, item in products:
        where = _where(item, index)
        variants, option_names = _variants(item, where, currency, details)
        images = [
            {"id": image.get("id"), "src": image.get("src"), "position": position}
            for position, image in enumerate(item.get("images") or [], start=1)
            if isinstance(image, dict)
        ]
        normalised.append(
            {
                "id": item.get("id"),
                "handle": item.get("slug"),
                "title": _text(item.get("name")),
                "body_html": item.get("description") or item.get("short_description") or "",
                "url": product_url(item.get("permalink")),
                "images": images,
                "options": [{"name": name} for name in option_names],
                "variants": variants,
            }
        )
    return normalised


def parse(body: bytes, where: str, currency: str) -> list[RawProduct]:
    """A saved Store API answer (one page, or the pages joined into one list)."""
    try:
        items = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"{where}: cannot read the feed ({exc})") from None
    return to_products(items, currency)


def _page_url(url: str, page: int, extra: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("per_page", "page", *extra)]
    query += [*extra.items(), ("per_page", str(PER_PAGE)), ("page", str(page))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _pages(url: str, extra: dict[str, str], on_page: Callable[[int], None]) -> list[Any]:
    """Every item of every page, as ``X-WP-TotalPages`` counts them (a short page also ends)."""
    items: list[Any] = []
    for page in range(1, MAX_PAGES + 1):
        page_url = _page_url(url, page, extra)
        body, headers = fetch(page_url)
        try:
            batch = json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FeedError(f"{page_url}: the answer is not JSON ({exc})") from None
        if not isinstance(batch, list):
            raise FeedError(f"{page_url}: the answer is not a list of products")
        items.extend(batch)
        on_page(len(batch))
        total = headers.get("X-WP-TotalPages")
        if (total is not None and total.isdigit() and page >= int(total)) or (
            total is None and len(batch) < PER_PAGE
        ):
            return items
    raise FeedError(f"{url}: more than {MAX_PAGES} pages; stopping")


def fetch_products(url: str, currency: str, on_page: Callable[[int], None]) -> list[RawProduct]:
    """All products of a store's Store API, then its variations if any product has some."""
    items = _pages(url, {}, on_page)
    if any(isinstance(i, dict) and i.get("variations") for i in items):
        items += _pages(url, {"type": "variation"}, on_page)
    return to_products(items, currency)


def is_store_api(url: str) -> bool:
    """``…/wp-json/wc/store/…`` or ``?rest_route=/wc/store/…`` (stores without pretty links)."""
    parts = urlsplit(url)
    return "/wc/store" in parts.path or "/wc/store" in dict(parse_qsl(parts.query)).get(
        "rest_route", ""
    )
