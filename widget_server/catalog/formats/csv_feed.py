"""A plain CSV catalog with a documented header, for stores with no feed of their own.

One row per variant; rows with the same ``product_id`` are one product. The
header (README, "Command line") is::

    product_id,handle,title,url,image_url,variant_id,variant_title,sku,gtin,
    option1_name,option1_value,option2_name,option2_value,option3_name,option3_value,
    price,currency,available,description,vendor,product_type

Only ``product_id``, ``title`` and ``price`` are required. Commas or, as
spreadsheets in most of Europe save them, semicolons separate the columns (a
price may then have a decimal comma, ``14,50``). A row without
``variant_id`` is a product without variants: its single variant takes the
product's id.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from widget_server.catalog.feed import FeedError
from widget_server.catalog.formats.common import (
    RawProduct,
    check_currency,
    handle_from_url,
    product_url,
)

COLUMNS = (
    "product_id", "handle", "title", "url", "image_url", "variant_id", "variant_title", "sku",
    "gtin",
    "option1_name", "option1_value", "option2_name", "option2_value",
    "option3_name", "option3_value", "price", "currency", "available",
    "description", "vendor", "product_type",
)  # fmt: skip
REQUIRED = ("product_id", "title", "price")
_YES = {"", "true", "yes", "1", "in_stock", "in stock"}
_NO = {"false", "no", "0", "out_of_stock", "out of stock", "sold out"}
_DECIMAL_COMMA = re.compile(r"\d+,\d{1,2}")


def _rows(body: bytes, where: str) -> list[tuple[int, dict[str, str]]]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FeedError(f"{where}: cannot read the feed ({exc})") from None
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FeedError(
            f"{where}: cannot read the feed (not a Shopify, WooCommerce, Google or CSV feed: "
            f"the CSV header lacks {', '.join(missing)})"
        )
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise FeedError(f"{where}: the CSV header has unknown columns: {', '.join(unknown)}")
    reader.fieldnames = header
    try:
        return [
            (reader.line_num, {k: (v or "").strip() for k, v in row.items() if k})
            for row in reader
            if any((v or "").strip() for v in row.values() if isinstance(v, str))
        ]
    except csv.Error as exc:
        raise FeedError(f"{where}: cannot read the feed ({exc})") from None


def _delimiter(text: str) -> str:
    """``;`` when the header is semicolon-separated, as spreadsheets in most of Europe save it."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _price(value: str) -> str:
    """``14,50`` -> ``14.50``: a decimal comma (at most two digits after it) as such files write."""
    return value.replace(",", ".") if _DECIMAL_COMMA.fullmatch(value) else value


def _available(value: str, where: str) -> bool:
    if value.lower() in _YES:
        return True
    if value.lower() in _NO:
        return False
    raise FeedError(f"{where}: available: {value!r} is not true or false")


def parse(body: bytes, where: str, currency: str) -> list[RawProduct]:
    """The CSV's rows -> normalised products, in the order they first appear."""
    products: dict[str, dict[str, Any]] = {}
    for line, row in _rows(body, where):
        item = f"{where} line {line}: product {row.get('product_id')!r}"
        for name in REQUIRED:
            if not row.get(name):
                raise FeedError(f"{item}: {name}: missing")
        if row.get("currency"):
            check_currency(row["currency"], currency, item, "currency")
        product = products.get(row["product_id"])
        if product is None:
            url = product_url(row.get("url"))
            product = products[row["product_id"]] = {
                "id": row["product_id"],
                "handle": row.get("handle") or handle_from_url(url, row["product_id"]),
                "title": row["title"],
                "body_html": row.get("description", ""),
                "vendor": row.get("vendor") or None,
                "product_type": row.get("product_type") or None,
                "url": url,
                "images": [{"id": "1", "src": row["image_url"], "position": 1}]
                if row.get("image_url")
                else [],
                "options": [
                    {"name": row[f"option{n}_name"]}
                    for n in (1, 2, 3)
                    if row.get(f"option{n}_name")
                ],
                "variants": [],
            }
        values = [row.get(f"option{n}_value") or None for n in (1, 2, 3)]
        product["variants"].append(
            {
                "id": row.get("variant_id") or row["product_id"],
                "title": row.get("variant_title")
                or " / ".join(v for v in values if v)
                or "Default Title",
                "sku": row.get("sku") or None,
                "barcode": row.get("gtin") or None,
                "price": _price(row["price"]),
                "available": _available(row.get("available", ""), item),
                "position": len(product["variants"]) + 1,
                "option1": values[0],
                "option2": values[1],
                "option3": values[2],
            }
        )
    return list(products.values())
