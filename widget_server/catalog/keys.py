"""Product keys: how a page names a product, normalised the same way as the overlay does.

A key is ``<kind>:<value>`` (docs/widget-protocol.md, "Product keys"). The
overlay reads keys off the store's page and the server stores the same
normal forms beside each product (``url_path``, ``title_key``, ``gtin``), so
a lookup is an exact, indexed comparison. The shared vectors in
``tests/fixtures/product_keys.json`` hold both sides to one definition.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

#: Key kinds: URL path, handle, store id, SKU, GTIN, name.
KINDS = ("u", "h", "s", "k", "g", "n")
#: The longest key value either side keeps; the overlay drops longer ones.
MAX_KEY_VALUE = 300

_SLASHES = re.compile(r"/+")
_HTML = re.compile(r"\.html?$")
#: A last segment ending in a file extension other than .html (``.jpg``,
#: ``.webp``, ``.pdf``…) is a file, never a product page: image CDN paths
#: like ``/files/…/products/x.jpg`` must not count as product links.
_FILE_EXTENSION = re.compile(r"\.[a-z][a-z0-9]{1,4}$")
_SPACES = re.compile(r"\s+")
_NOT_DIGITS = re.compile(r"\D")


def normalise_path(url: str | None) -> str | None:
    """The ``u:`` value of a URL (or a bare path): its normalised path, or None for no key.

    Percent-decoded, lower-cased, ``//`` collapsed, trailing ``/`` and a final
    ``.html``/``.htm`` removed. The home page and files give no key.
    """
    if not url:
        return None
    try:
        path = urlsplit(url.strip()).path
    except ValueError:  # e.g. an unbalanced IPv6 bracket in the host
        return None
    path = _SLASHES.sub("/", unquote(path).lower()).rstrip("/")
    path = _HTML.sub("", path)
    if not path.strip("/") or _FILE_EXTENSION.search(path.rsplit("/", 1)[-1]):
        return None
    return path if path.startswith("/") else "/" + path


def stored_url_path(url: str | None) -> str | None:
    """The ``url_path`` kept for a product URL: its ``u:`` key value.

    A path longer than any key the overlay sends could never match, so it is
    not kept (which also keeps every indexed value small: PostgreSQL refuses
    index entries over about 2.7 KB).
    """
    path = normalise_path(url)
    return path if path and len(path) <= MAX_KEY_VALUE else None


def normalise_gtin(raw: str | None) -> str | None:
    """``"0 0012-3456 7890 5"`` -> ``"12345678905"``: digits only, leading zeros removed.

    GTIN-8/12/13/14 of one product differ only by leading zeros, so this
    form makes them compare equal.
    """
    digits = _NOT_DIGITS.sub("", raw or "").lstrip("0")
    return digits or None


def stored_gtin(raw: str | None) -> str | None:
    """The ``gtin`` kept for a barcode: its ``g:`` key value, or None when it is no GTIN.

    A GTIN has at most 14 digits; anything longer is not one.
    """
    gtin = normalise_gtin(raw)
    return gtin if gtin and len(gtin) <= 14 else None


def normalise_name(raw: str | None) -> str:
    """A product name as ``n:`` keys compare it: trimmed, lower-cased, one space between words."""
    return _SPACES.sub(" ", (raw or "").strip()).lower()


def normalise_value(kind: str, raw: str) -> str | None:
    """The normal form of a key value of ``kind`` (None when nothing is left)."""
    if kind == "u":
        value = normalise_path(raw)
    elif kind == "h":
        value = raw.strip().lower()
    elif kind == "g":
        value = normalise_gtin(raw)
    elif kind == "n":
        value = normalise_name(raw)
    elif kind in ("s", "k"):
        value = raw.strip()
    else:
        raise ValueError(f"unknown key kind {kind!r}")
    return value or None


def make_key(kind: str, raw: str) -> str | None:
    """``make_key("h", " Oxford-Tee ")`` -> ``"h:oxford-tee"`` (None: no key)."""
    value = normalise_value(kind, raw)
    return f"{kind}:{value}" if value else None


def path_suffixes(path: str, limit: int = 8) -> list[str]:
    """A ``u:`` path's segment suffixes, longest first (the ``limit`` shortest of them).

    ``/en-gb/collections/x/products/tee`` -> the path itself,
    ``/collections/x/products/tee``, ``/x/products/tee``, ``/products/tee``,
    ``/tee``: locale, collection and category prefixes fall away in turn. A
    product's own path is short, so on very deep paths the longest suffixes
    (all prefix) are the ones left out.
    """
    segments = [segment for segment in path.split("/") if segment]
    start = max(0, len(segments) - limit)
    return ["/" + "/".join(segments[first:]) for first in range(start, len(segments))]
