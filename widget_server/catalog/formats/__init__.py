"""Catalog sources: one small adapter per feed format, behind the one sync.

Each adapter turns its source into products of the Shopify ``products.json``
shape (plus the store's own ``url``), so checking, upserting and deactivating
stay in one place (:mod:`widget_server.catalog.sync`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from widget_server.catalog.feed import (
    FeedError,
    feed_url,
    fetch,
    is_url,
    iter_pages,
    products_of,
    store_base_of,
)
from widget_server.catalog.formats import csv_feed, google, woocommerce
from widget_server.catalog.formats.common import RawProduct

FORMATS = ("auto", "shopify", "woocommerce", "google", "csv")


def _parse_shopify(body: bytes, where: str, currency: str) -> list[Any]:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"{where}: cannot read the feed ({exc})") from None
    return products_of(document, where)


_PARSERS: dict[str, Callable[[bytes, str, str], list[Any]]] = {
    "shopify": _parse_shopify,
    "woocommerce": woocommerce.parse,
    "google": google.parse,
    "csv": csv_feed.parse,
}


def detect(body: bytes, where: str) -> str:
    """The format of a feed, from its content.

    A JSON list of items with ``prices`` is WooCommerce, other JSON is
    Shopify's; XML naming Google's namespace is a Google feed; a tab-separated
    header with ``id``, ``title`` and ``price`` is Google's TSV; anything else
    is read as the documented CSV.
    """
    text = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        raise FeedError(f"{where}: cannot read the feed (the file is empty)")
    if text[:1] in (b"[", b"{"):
        try:
            document = json.loads(text.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return "shopify"  # its reader says what is wrong
        if isinstance(document, list) and any(
            isinstance(item, dict) and "prices" in item for item in document
        ):
            return "woocommerce"
        return "shopify"
    if text[:1] == b"<":
        if google.NAMESPACE.encode() in text[:20_000]:
            return "google"
        raise FeedError(
            f"{where}: cannot read the feed (XML or HTML without Google's product namespace)"
        )
    first = text.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    columns = {name.strip().removeprefix("g:") for name in first.split("\t")}
    if "\t" in first and {"id", "title", "price"} <= columns:
        return "google"
    return "csv"


def _read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise FeedError(f"{path}: no such file") from None
    except OSError as exc:
        raise FeedError(f"{path}: cannot read the feed ({exc})") from None


def read_source(
    source: str, currency: str, fmt: str = "auto", on_page: Callable[[int], None] = lambda n: None
) -> tuple[list[RawProduct], str | None, int]:
    """Raw products from a file or URL: (products, the store's base URL or None, pages read).

    Nothing here writes; the caller checks every product before the upsert.
    """
    if fmt not in FORMATS:
        raise FeedError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if not is_url(source):
        body = _read_file(source)
        fmt = detect(body, source) if fmt == "auto" else fmt
        return _PARSERS[fmt](body, source, currency), None, 1
    pages = 0

    def count(items: int) -> None:
        nonlocal pages
        pages += 1
        on_page(items)

    if fmt == "woocommerce" or (fmt == "auto" and woocommerce.is_store_api(source)):
        return woocommerce.fetch_products(source, currency, count), None, max(pages, 1)
    if fmt == "auto" and not re.search(r"\.(xml|rss|atom|tsv|txt|csv)$", source.split("?")[0]):
        fmt = "shopify"  # a store's home page or its products.json
    if fmt == "shopify":
        url = feed_url(source)
        raw: list[Any] = []
        for products in iter_pages(url):
            raw.extend(products)
            count(len(products))
        return raw, store_base_of(url), max(pages, 1)
    body, _ = fetch(source, accept="*/*")
    fmt = detect(body, source) if fmt == "auto" else fmt
    if fmt == "shopify":
        return read_source(source, currency, "shopify", on_page)
    return _PARSERS[fmt](body, source, currency), None, 1
