"""What every catalog adapter shares: naming the item in errors, prices, currencies."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote, urlsplit

from widget_server.catalog.feed import FeedError

#: A normalised product is the Shopify ``products.json`` shape (plus ``url``),
#: so every format goes through the one check and the one upsert.
RawProduct = dict[str, Any]


def check_currency(found: str, brand_currency: str, where: str, field: str) -> None:
    """Refuse prices in another currency: converting them would invent a value."""
    if found.strip().upper() != brand_currency.upper():
        raise FeedError(
            f"{where}: {field}: the price is in {found.strip().upper() or '?'}, "
            f"but the brand sells in {brand_currency.upper()}"
        )


def minor_to_decimal(amount: Any, minor_unit: Any, where: str, field: str) -> str:
    """``"1105", 2`` -> ``"11.05"``: WooCommerce writes prices in minor units as strings."""
    if isinstance(minor_unit, bool) or not isinstance(minor_unit, int) or not 0 <= minor_unit <= 4:
        raise FeedError(f"{where}: prices.currency_minor_unit: {minor_unit!r} is not 0 to 4")
    if (
        not isinstance(amount, str | int)
        or isinstance(amount, bool)
        or not re.fullmatch(r"\d{1,15}", str(amount).strip())
    ):
        raise FeedError(f"{where}: {field}: {amount!r} is not an amount in minor units")
    return format(Decimal(int(str(amount).strip())).scaleb(-minor_unit), "f")


#: A path that ends in a script (``/index.php``, ``/product.aspx``): the query names
#: the product (OpenCart without SEO URLs: ``index.php?route=…&product_id=42``).
_SCRIPT = re.compile(r"\.(php|aspx?|jsp|cfm|cgi)$", re.IGNORECASE)

#: An amount as feeds write it: ``12.99``, ``1,299.00`` (thousands grouped) or ``12,99``
#: (a decimal comma, told apart by at most two digits after it).
_AMOUNT = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\d+,\d{1,2})"
_PRICE = re.compile(rf"\s*(?:{_AMOUNT}\s*([A-Za-z]{{3}})|([A-Za-z]{{3}})\s*{_AMOUNT})\s*")


def split_price(value: str, where: str, field: str) -> tuple[str, str]:
    """``"12.99 USD"`` -> ``("12.99", "USD")``, as Google's ``price`` attribute writes it.

    Also as feed exports write it in the wild: the currency first (``USD
    12.99``), thousands grouped (``1,299.00 USD``) or a decimal comma (``12,99
    EUR``). A comma followed by three digits is always a thousands separator.
    """
    match = _PRICE.fullmatch(value or "")
    if not match:
        raise FeedError(
            f'{where}: {field}: {value!r} is not an amount and a currency ("12.99 USD")'
        )
    amount = match.group(1) or match.group(4)
    currency = match.group(2) or match.group(3)
    decimal_comma = re.fullmatch(r"\d+,\d{1,2}", amount)
    amount = amount.replace(",", "." if decimal_comma else "")
    try:
        Decimal(amount)
    except InvalidOperation:  # pragma: no cover - the pattern only lets decimals through
        raise FeedError(f"{where}: {field}: {value!r} is not an amount") from None
    return amount, currency.upper()


def handle_from_url(url: str | None, fallback: str) -> str:
    """A product URL's last path segment (``/product/cafe-mug/`` -> ``cafe-mug``).

    Feeds other than Shopify have no handle; the last segment is what the
    page's links end with, which is what detection matches against.
    """
    if url:
        segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
        segment = re.sub(r"\.html?$", "", segment)
        if segment and not _SCRIPT.search(segment):
            return segment[:255]
    return fallback[:255]


def product_url(url: str | None) -> str | None:
    """A product's URL without query or fragment (``?variant=…`` names a variant, not the page).

    A script's URL keeps its query, which is what names the product there.
    """
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    query = parts.query if _SCRIPT.search(parts.path) else ""
    return parts._replace(query=query, fragment="").geturl()
