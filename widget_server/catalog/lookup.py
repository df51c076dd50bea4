"""The product lookup: the products a page's keys name, in one indexed query per key kind.

The overlay sends the product keys it read off the page (docs/widget-protocol.md,
"Product keys") and gets back only those products, so what a page view costs
does not grow with the catalog. Only requestable products match
(:func:`widget_server.catalog.services.requestable`); a key that names two
products matches neither, because a dot on the wrong product is worse than no
dot. A preview also learns why a key named no requestable product (``misses``).

What a key names can only change with the catalog version (every sync that
changes anything, every exclusion and every change of the value limit moves
it), and the version is read with the link on every call. So each process
remembers, per brand and version, what each key named (:func:`_named`), as
browsers and CDNs already do with ``GET /v1/products?v=…``: an influencer's
second page view of a store looks up only keys no view asked for before.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from threading import Lock
from typing import Any

from cachetools import LRUCache
from flask import Response, current_app, jsonify
from marshmallow import Schema
from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    bindparam,
    exists,
    func,
    literal,
    select,
    true,
    union_all,
)

from widget_server.brands.models import Brand
from widget_server.catalog.keys import KINDS, normalise_value, path_suffixes
from widget_server.catalog.models import Product, Variant
from widget_server.catalog.schemas import DotProductOut, FullProductOut
from widget_server.catalog.services import requestable, with_active_variants
from widget_server.db import session
from widget_server.validation import display_text

_DOT = DotProductOut()
_FULL = FullProductOut()

#: The misses' filter: any product (one object, so the built query is reused).
_ANY_PRODUCT = true()

#: Why a key names a product that gets no dot, for a preview's diagnostics.
INACTIVE, EXCLUDED, SOLD_OUT = "inactive", "excluded", "sold_out"


@dataclass
class Lookup:
    """What a lookup answers: products (dot or full shape), key -> handle, and why not."""

    products: list[dict[str, Any]] = field(default_factory=list)
    matches: dict[str, str] = field(default_factory=dict)
    misses: dict[str, str] = field(default_factory=dict)


def split_key(key: str) -> tuple[str, str] | None:
    """``"u:/products/tee"`` -> ``("u", "/products/tee")``; None for an unknown kind."""
    kind, sep, value = key.partition(":")
    return (kind, value) if sep and kind in KINDS and value else None


def _group(keys: Iterable[str]) -> dict[str, dict[str, str]]:
    """Keys by kind: ``{kind: {key: normalised value}}``.

    ``u:`` values are compared as sent (the overlay normalised them, and
    percent-decoding twice would change them); the others are normalised
    again, which is harmless and forgives a sloppy client.
    """
    groups: dict[str, dict[str, str]] = defaultdict(dict)
    for key in keys:
        parts = split_key(key)
        if parts is None:
            continue
        kind, raw = parts
        value = raw if kind == "u" else normalise_value(kind, raw)
        if value:
            groups[kind][key] = value
    return groups


#: What each kind is compared with, in order of precedence where one kind has two.
_PRODUCT_COLUMNS = {
    "u": Product.url_path,
    "h": func.lower(Product.handle),
    "si": func.lower(Product.store_id),
    "s": Product.store_id,
    "n": Product.title_key,
}

#: A last segment that may be a store id: letters and digits both, as in SFCC's
#: ``25413129M``. All-digit segments never are: ``/page/2`` or ``/news/1001``
#: would name a product whose id happens to be that number.
_ID_LIKE = re.compile(r"(?=[^/]*[a-z])(?=[^/]*[0-9])[a-z0-9_.-]+")
_VARIANT_COLUMNS = {
    "uv": Variant.url_path,
    "sv": Variant.store_id,
    "k": Variant.sku,
    "g": Variant.gtin,
}


@lru_cache(maxsize=1024)
def _candidate_query(tags: tuple[str, ...], where: ColumnElement[bool]) -> Select[Any]:
    """Candidates for the column ``tags``, joined with their dot columns; built once per ``tags``.

    One indexed SELECT per column, joined with UNION ALL: a page's lookup
    costs one query however many kinds of key it holds. Variant columns are
    driven by their own index, and the brand's products checked per
    candidate (EXISTS on the primary key), which a join would let SQLite's
    planner turn into a scan of the brand's products. The candidates come
    joined with their product's dot columns (and cheapest available price),
    so the dots of the chosen ones cost no second query (:func:`_dot_shape`).
    The brand and the values are parameters (``brand_id``, ``v_<tag>``).
    """
    scope = (Product.brand_id == bindparam("brand_id"), where)
    parts = []
    for tag in tags:
        values = bindparam(f"v_{tag}", expanding=True)
        if tag in _PRODUCT_COLUMNS:
            column = _PRODUCT_COLUMNS[tag]
            parts.append(
                select(literal(tag, String).label("tag"), column.label("value"),
                       Product.id.label("product_id"))
                .where(*scope, column.in_(values))
            )  # fmt: skip
        else:
            column = _VARIANT_COLUMNS[tag]
            product_in_scope = exists().where(Product.id == Variant.product_id, *scope)
            parts.append(
                select(literal(tag, String).label("tag"), column.label("value"), Variant.product_id)
                .where(column.in_(values), Variant.active.is_(True), product_in_scope)
            )  # fmt: skip
    candidates = union_all(*parts).subquery()
    return select(candidates.c.tag, candidates.c.value, *_dot_columns()).join(
        Product, Product.id == candidates.c.product_id
    )


def _candidates(
    brand: Brand, wanted: dict[str, set[str]], where: ColumnElement[bool]
) -> tuple[dict[tuple[str, str], set[int]], dict[int, Row[Any]]]:
    """``(column tag, value) -> product ids``, and each candidate's dot columns, in one query."""
    tags = tuple(tag for tag in (*_PRODUCT_COLUMNS, *_VARIANT_COLUMNS) if wanted.get(tag))
    found: dict[tuple[str, str], set[int]] = defaultdict(set)
    rows: dict[int, Row[Any]] = {}
    if not tags:
        return found, rows
    params: dict[str, Any] = {f"v_{tag}": sorted(wanted[tag]) for tag in tags}
    for row in session.execute(_candidate_query(tags, where), {**params, "brand_id": brand.id}):
        found[(row.tag, row.value)].add(row.id)
        rows[row.id] = row
    return found, rows


_NONE: frozenset[int] = frozenset()


def _find(
    brand: Brand,
    groups: dict[str, dict[str, str]],
    where: ColumnElement[bool],
) -> tuple[dict[str, Set[int]], dict[int, Row[Any]]]:
    """Product ids each key names among ``brand``'s products that satisfy ``where``,
    and the candidates' dot columns. Precedence
    within a kind: for ``u:``, the longest path suffix that names a product
    (by its own page or a variant's), else the last segment as a handle, else
    as a store id (when it has letters and digits: an SFCC link); for ``s:``,
    a product id before a variant id.
    """
    suffixes = {key: path_suffixes(path) for key, path in groups.get("u", {}).items()}
    last_segments = {key: group[-1][1:] for key, group in suffixes.items() if group}
    paths = {suffix for group in suffixes.values() for suffix in group}
    wanted: dict[str, set[str]] = {
        "u": paths,
        "uv": paths,
        "h": set(groups.get("h", {}).values()) | set(last_segments.values()),
        "si": {segment for segment in last_segments.values() if _ID_LIKE.fullmatch(segment)},
        "s": set(groups.get("s", {}).values()),
        "sv": set(groups.get("s", {}).values()),
        "k": set(groups.get("k", {}).values()),
        "g": set(groups.get("g", {}).values()),
        "n": set(groups.get("n", {}).values()),
    }
    found, rows = _candidates(brand, wanted, where)
    named: dict[str, Set[int]] = {}
    for key, group in suffixes.items():
        # A product's own page and a variant's page of one path are one match.
        by_page = (found.get(("u", s), _NONE) | found.get(("uv", s), _NONE) for s in group)
        hit = next((ids for ids in by_page if ids), None)
        if hit is None and key in last_segments:
            segment = last_segments[key]
            hit = found.get(("h", segment)) or found.get(("si", segment))
        if hit:
            named[key] = hit
    for kind, tags in (
        ("h", ("h",)),
        ("s", ("s", "sv")),
        ("k", ("k",)),
        ("g", ("g",)),
        ("n", ("n",)),
    ):
        for key, value in groups.get(kind, {}).items():
            hit = next((found[(tag, value)] for tag in tags if (tag, value) in found), None)
            if hit:
                named[key] = hit
    return named, rows


def _misses(brand: Brand, groups: dict[str, dict[str, str]], matched: set[str]) -> dict[str, str]:
    """Why each unmatched key names no requestable product (keys naming nothing are left out)."""
    rest = {
        kind: {key: value for key, value in keys.items() if key not in matched}
        for kind, keys in groups.items()
    }
    named, _ = _find(brand, rest, _ANY_PRODUCT)
    ids = {product_id for group in named.values() for product_id in group}
    if not ids:
        return {}
    products = {
        product.id: product
        for product in session.scalars(select(Product).where(Product.id.in_(ids)))
    }
    misses = {}
    for key, group in named.items():
        product = products[min(group)]
        if not product.active:
            misses[key] = INACTIVE
        elif product.excluded:
            misses[key] = EXCLUDED
        else:
            misses[key] = SOLD_OUT
    return misses


def products_answer(schema: type[Schema], answer: dict[str, Any]) -> Response:
    """``answer`` as JSON: ``schema`` dumps all of it but ``products``.

    The lookup dumped its products already (the shapes ``LookupProductOut``
    documents); dumping 200 of them a second time, through the response
    schema, was half of what a page view cost the server. flask-smorest
    sends a returned Response as it is, and documents ``schema`` all the same.
    """
    rest = _WITHOUT_PRODUCTS.setdefault(schema, schema(exclude=("products",)))
    return jsonify({**rest.dump(answer), "products": answer["products"]})


_WITHOUT_PRODUCTS: dict[type[Schema], Schema] = {}


def _dot_columns() -> tuple[Any, ...]:
    """What a dot shows of a product: a few columns and its cheapest available price.

    The database works the price out, so no variant is loaded (a page of
    200 products would otherwise load every variant of each).
    """
    cheapest = (
        select(func.min(Variant.price_minor))
        .where(
            Variant.product_id == Product.id,
            Variant.active.is_(True),
            Variant.available.is_(True),
        )
        .scalar_subquery()
    )
    return (
        Product.id,
        Product.handle,
        Product.title,
        Product.url,
        Product.image_url,
        cheapest.label("price_minor"),
    )


def _dot_shape(row: Row[Any], limit: int) -> dict[str, Any]:
    """The dot shape of a row of :func:`_dot_columns` (with its ``id``).

    DotProductOut's fields, built directly: the shape is fixed, and the
    schema's machinery cost more than the query (tests/test_product_lookup_api.py
    checks that both give the same).
    """
    return {
        "id": row.id,
        "handle": row.handle,
        "title": display_text(row.title),
        "url": row.url,
        "image_url": row.image_url,
        "over_limit": row.price_minor is not None and row.price_minor > limit,
        "price_minor": row.price_minor,
    }


#: How many keys' answers each app remembers (about 500 bytes each).
REMEMBERED_KEYS = 200_000
_NAMED_LOCK = Lock()  # an LRUCache reorders itself on every read


def _named() -> LRUCache[tuple[int, str, str], dict[str, Any] | None]:
    """What keys named, by ``(brand id, lookup_version, key)``: the product's dot shape
    (with its ``id``), or None when the key names no requestable product (or two).

    One per app (so per database); the least recently used go first.
    """
    extensions = current_app.extensions
    named = extensions.get("dots_named_keys")
    if named is None:
        named = extensions.setdefault("dots_named_keys", LRUCache(maxsize=REMEMBERED_KEYS))
    return named


def _dots_by_key(brand: Brand, keys: Iterable[str]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """Key -> dot shape (with ``id``) of the one requestable product it names, in one
    query; and the keys that name two or more (no dot: it could be the wrong one)."""
    named, rows = _find(brand, _group(keys), requestable())
    limit = brand.max_value_minor
    dots = {
        key: _dot_shape(rows[next(iter(ids))], limit) for key, ids in named.items() if len(ids) == 1
    }
    return dots, set(named) - set(dots)


def _remembered_dots(brand: Brand, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """:func:`_dots_by_key` through :func:`_named`: only keys this process has not
    answered at this catalog version are looked up (and then remembered)."""
    version = (brand.id, brand.lookup_version)
    remembered = _named()
    with _NAMED_LOCK:
        known = {key: remembered.get((*version, key), _UNKNOWN) for key in keys}
    unknown = [key for key, dot in known.items() if dot is _UNKNOWN]
    if unknown:
        found, _ = _dots_by_key(brand, unknown)
        with _NAMED_LOCK:
            for key in unknown:
                known[key] = remembered[(*version, key)] = found.get(key)
    return {key: dot for key, dot in known.items() if dot is not None}


_UNKNOWN: dict[str, Any] = {}  # what _named().get says of a key it has no answer for


def _full_products(brand: Brand, handles: set[str]) -> list[dict[str, Any]]:
    """The full shape (with ``id``) of ``brand``'s requestable products with these handles."""
    products = session.scalars(
        select(Product)
        .where(Product.brand_id == brand.id, Product.handle.in_(handles), requestable())
        .options(*with_active_variants())
    )
    return [{**_FULL.dump(product), "id": product.id} for product in products]


def lookup(
    brand: Brand, keys: Iterable[str], full: Iterable[str] = (), explain: bool = False
) -> Lookup:
    """The requestable products of ``brand`` that ``keys`` and ``full`` name.

    Products named by a key come in the dot shape; products whose handle is in
    ``full`` in the full shape (with variants), whether or not a key names
    them. ``explain`` (previews) adds why each key that matched nothing
    requestable did not.
    """
    result = Lookup()
    if explain:  # previews are rare, and each wants to see the catalog as it is now
        by_key, ambiguous = _dots_by_key(brand, keys)
    else:
        by_key, ambiguous = _remembered_dots(brand, keys), set()
    full_products = _full_products(brand, set(full)) if full else []
    full_ids = {product["id"] for product in full_products}
    # Copies: the remembered shapes are shared, and the ids go below.
    dots = {dot["id"]: dict(dot) for dot in by_key.values() if dot["id"] not in full_ids}
    dots = [*dots.values(), *full_products]
    result.products = sorted(dots, key=itemgetter("id"))
    for product in result.products:
        del product["id"]
    result.matches = {key: by_key[key]["handle"] for key in sorted(by_key)}
    if explain:
        result.misses = _misses(brand, _group(keys), set(by_key) | ambiguous)
    return result
