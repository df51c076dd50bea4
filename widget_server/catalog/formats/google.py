"""Google Merchant Center product feeds -> normalised products.

The export nearly every platform offers (BigCommerce, Magento, Wix,
Squarespace, PrestaShop, feed apps): RSS 2.0 or Atom with the ``g:``
namespace, or the tab-separated form with the same attribute names. One item
is one variant; ``item_group_id`` gathers variants into a product.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from widget_server import clock
from widget_server.catalog.feed import FeedError
from widget_server.catalog.formats.common import (
    RawProduct,
    check_currency,
    handle_from_url,
    product_url,
    split_price,
)

NAMESPACE = "http://base.google.com/ns/1.0"
_G = "{" + NAMESPACE + "}"
_ATOM = "{http://www.w3.org/2005/Atom}"
#: The attributes that distinguish variants, in the order they become options.
OPTIONS = ("size", "color", "material", "pattern")
_AVAILABLE = {"in_stock": True, "in stock": True, "preorder": True, "backorder": True,
              "out_of_stock": False, "out of stock": False}  # fmt: skip
Record = dict[str, str]


def _record(element: Element) -> Record:
    """An item's attributes by name (``g:price`` -> ``price``); the first of a repeated one."""
    record: Record = {}
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag.startswith(_G):
            name = tag[len(_G) :]
        elif tag.startswith(_ATOM):
            name = {"title": "title", "summary": "description", "content": "description"}.get(
                tag[len(_ATOM) :], ""
            )
            if tag == _ATOM + "link":
                name, child.text = "link", child.get("href")
        elif tag in ("title", "link", "description"):  # RSS 2.0's own elements
            name = tag
        else:
            continue
        if name and name not in record and len(child) == 0:
            record[name] = (child.text or "").strip()
    return record


def parse_xml(body: bytes, where: str) -> list[Record]:
    """RSS 2.0 ``<item>`` or Atom ``<entry>`` records.

    A DTD is refused outright: product feeds never need one, and entity
    expansion is how an "XML bomb" exhausts memory.
    """
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedError(f"{where}: refused: the XML declares a DTD or entities ({exc})") from None
    except ParseError as exc:
        raise FeedError(f"{where}: cannot read the feed ({exc})") from None
    items = [*root.iter("item"), *root.iter(_ATOM + "entry")]
    return [_record(item) for item in items]


def parse_tsv(body: bytes, where: str) -> list[Record]:
    """The tab-separated form: a header row of attribute names, one item a row."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FeedError(f"{where}: cannot read the feed ({exc})") from None
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    if not rows:
        raise FeedError(f"{where}: cannot read the feed (empty)")
    # Spreadsheets write "item group id" where the spec writes item_group_id.
    header = ["_".join(name.strip().lower().removeprefix("g:").split()) for name in rows[0]]
    return [
        {name: value.strip() for name, value in zip(header, row, strict=False) if value.strip()}
        for row in rows[1:]
        if any(cell.strip() for cell in row)
    ]


def _common_title(titles: list[str]) -> str:
    """The product's name from its variants' titles ("Tee – Red / M", "Tee – Blue / L" -> "Tee")."""
    if len(set(titles)) == 1:
        return titles[0]
    words = [title.split() for title in titles]
    common = []
    for column in zip(*words, strict=False):
        if len(set(column)) != 1:
            break
        common.append(column[0])
    name = " ".join(common).rstrip(" -–—|,/:")
    return name or titles[0]


def _variant(record: Record, index: int, currency: str) -> tuple[str, dict[str, Any]]:
    item_id = record.get("id", "")
    where = f"item {item_id!r}" if item_id else f"item #{index + 1}"
    if not item_id:
        raise FeedError(f"{where}: g:id: missing")
    if not record.get("title"):
        raise FeedError(f"{where}: g:title: missing")
    amount, found = split_price(record.get("price", ""), where, "g:price")
    check_currency(found, currency, where, "g:price")
    if record.get("sale_price") and _on_sale(record.get("sale_price_effective_date"), where):
        amount, found = split_price(record["sale_price"], where, "g:sale_price")
        check_currency(found, currency, where, "g:sale_price")
    availability = record.get("availability", "in_stock").lower()
    if availability not in _AVAILABLE:
        raise FeedError(
            f"{where}: g:availability: {availability!r} is not in_stock, out_of_stock, "
            "preorder or backorder"
        )
    return where, {
        "id": item_id,
        "sku": record.get("mpn") or record.get("gtin") or None,
        "barcode": record.get("gtin") or None,
        "price": amount,
        "available": _AVAILABLE[availability],
    }


def _on_sale(window: str | None, where: str) -> bool:
    """Whether a ``g:sale_price`` holds now: always, or within ``sale_price_effective_date``.

    The window is two ISO 8601 moments, ``start/end``, as Google documents it
    (``2026-02-24T13:00-0800/2026-02-29T15:30-0800``); a moment without a
    zone is UTC. The sale price is what the store charges while it holds, as
    Shopify's ``price`` and WooCommerce's ``prices.price`` already are.
    """
    if not window:
        return True
    try:
        start, end = (_moment(text) for text in window.split("/"))
    except ValueError:
        raise FeedError(
            f"{where}: g:sale_price_effective_date: {window!r} is not two ISO 8601 moments "
            '"start/end" (2026-02-24T13:00-0800/2026-02-29T15:30-0800)'
        ) from None
    return start <= clock.now() < end


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_products(records: list[Record], currency: str) -> list[RawProduct]:
    """Items -> products: variants grouped by ``item_group_id`` (an item alone is a product)."""
    groups: dict[str, list[tuple[Record, dict[str, Any]]]] = {}
    for index, record in enumerate(records):
        _, variant = _variant(record, index, currency)
        groups.setdefault(record.get("item_group_id") or variant["id"], []).append(
            (record, variant)
        )
    products = []
    for group_id, members in groups.items():
        first = members[0][0]
        names = [name for name in OPTIONS if any(record.get(name) for record, _ in members)]
        images: dict[str, str] = {}
        variants = []
        for position, (record, variant) in enumerate(members, start=1):
            values = [record.get(name) or "-" for name in names]
            image = record.get("image_link")
            if image:
                images.setdefault(image, f"img{len(images) + 1}")
            variants.append(
                {
                    **variant,
                    "title": " / ".join(values) if names else "Default Title",
                    "position": position,
                    "image_id": images.get(image) if image else None,
                    "url": product_url(record.get("link")),
                    **{f"option{n}": value for n, value in enumerate(values, start=1)},
                }
            )
        url = product_url(first.get("link"))
        products.append(
            {
                "id": group_id,
                "handle": handle_from_url(url, group_id),
                "title": _common_title([record["title"] for record, _ in members]),
                "body_html": first.get("description", ""),
                "vendor": first.get("brand"),
                "product_type": first.get("product_type") or first.get("google_product_category"),
                "url": url,
                "images": [
                    {"id": ident, "src": src, "position": n}
                    for n, (src, ident) in enumerate(images.items(), start=1)
                ],
                "options": [{"name": name.capitalize()} for name in names],
                "variants": variants,
            }
        )
    return products


def parse(body: bytes, where: str, currency: str) -> list[RawProduct]:
    """A Google feed, XML or tab-separated, told apart by its first character."""
    text = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    records = parse_xml(body, where) if text.startswith(b"<") else parse_tsv(body, where)
    return to_products(records, currency)
