"""The product lookup: the products a page's keys name, in one indexed query per key kind.

The overlay sends the product keys it read off the page (docs/widget-protocol.md,
"Product keys") and gets back only those products, so what a page view costs
does not grow with the catalog. Only requestable products match
(:func:`widget_server.catalog.services.requestable`); a key that names two
products matches neither, because a dot on the wrong product is worse than no
dot. A preview also learns why a key named no requestable product (``misses``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select, true

from widget_server.brands.models import Brand
from widget_server.catalog.keys import KINDS, normalise_value, path_suffixes
from widget_server.catalog.models import Product, Variant
from widget_server.catalog.schemas import DotProductOut, FullProductOut
from widget_server.catalog.services import requestable, with_active_variants
from widget_server.db import session

_DOT = DotProductOut()
_FULL = FullProductOut()

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


def _ids_by(rows: Iterable[tuple[Any, int]]) -> dict[Any, set[int]]:
    found: dict[Any, set[int]] = defaultdict(set)
    for value, product_id in rows:
        found[value].add(product_id)
    return found


def _find(
    brand: Brand, groups: dict[str, dict[str, str]], where: ColumnElement[bool]
) -> dict[str, set[int]]:
    """Product ids each key names among ``brand``'s products that satisfy ``where``."""
    scope = (Product.brand_id == brand.id, where)
    named: dict[str, set[int]] = {}

    def by_variant(column: Any, wanted: dict[str, str]) -> dict[Any, set[int]]:
        return _ids_by(
            session.execute(
                select(column, Variant.product_id)
                .join(Product, Product.id == Variant.product_id)
                .where(*scope, Variant.active.is_(True), column.in_(set(wanted.values())))
            ).all()
        )

    paths = groups.get("u", {})
    handles = dict(groups.get("h", {}))
    if paths:
        suffixes = {key: path_suffixes(path) for key, path in paths.items()}
        wanted = {suffix for group in suffixes.values() for suffix in group}
        found = _ids_by(
            session.execute(
                select(Product.url_path, Product.id).where(*scope, Product.url_path.in_(wanted))
            ).all()
        )
        for key, group in suffixes.items():
            hit = next((found[suffix] for suffix in group if suffix in found), None)
            if hit is not None:
                named[key] = hit
            elif group:
                # No product has this path: its last segment may still be a handle.
                handles[key] = group[-1][1:]
    if handles:
        found = _ids_by(
            session.execute(
                select(func.lower(Product.handle), Product.id).where(
                    *scope, func.lower(Product.handle).in_(set(handles.values()))
                )
            ).all()
        )
        named.update({key: found[value] for key, value in handles.items() if value in found})
    if "s" in groups:
        ids = groups["s"]
        found = _ids_by(
            session.execute(
                select(Product.store_id, Product.id).where(
                    *scope, Product.store_id.in_(set(ids.values()))
                )
            ).all()
        )
        rest = {key: value for key, value in ids.items() if value not in found}
        named.update({key: found[value] for key, value in ids.items() if value in found})
        if rest:
            found = by_variant(Variant.store_id, rest)
            named.update({key: found[value] for key, value in rest.items() if value in found})
    for kind, column in (("k", Variant.sku), ("g", Variant.gtin)):
        if kind in groups:
            found = by_variant(column, groups[kind])
            named.update({key: found[v] for key, v in groups[kind].items() if v in found})
    if "n" in groups:
        names = groups["n"]
        found = _ids_by(
            session.execute(
                select(Product.title_key, Product.id).where(
                    *scope, Product.title_key.in_(set(names.values()))
                )
            ).all()
        )
        named.update({key: found[value] for key, value in names.items() if value in found})
    return named


def _misses(brand: Brand, groups: dict[str, dict[str, str]], matched: set[str]) -> dict[str, str]:
    """Why each unmatched key names no requestable product (keys naming nothing are left out)."""
    rest = {
        kind: {key: value for key, value in keys.items() if key not in matched}
        for kind, keys in groups.items()
    }
    named = _find(brand, rest, true())
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


def lookup(
    brand: Brand, keys: Iterable[str], full: Iterable[str] = (), explain: bool = False
) -> Lookup:
    """The requestable products of ``brand`` that ``keys`` and ``full`` name.

    Products named by a key come in the dot shape; products whose handle is in
    ``full`` in the full shape (with variants), whether or not a key names
    them. ``explain`` (previews) adds why each key that matched nothing
    requestable did not.
    """
    groups = _group(keys)
    named = _find(brand, groups, requestable())
    chosen = {key: next(iter(ids)) for key, ids in named.items() if len(ids) == 1}
    full = set(full)
    full_ids = (
        set(
            session.scalars(
                select(Product.id).where(
                    Product.brand_id == brand.id, requestable(), Product.handle.in_(full)
                )
            )
        )
        if full
        else set()
    )
    wanted = set(chosen.values()) | full_ids
    result = Lookup()
    if wanted:
        products = session.scalars(
            select(Product)
            .where(Product.id.in_(wanted))
            .options(*with_active_variants())
            .order_by(Product.id)
        ).all()
        handles = {product.id: product.handle for product in products}
        result.products = [
            (_FULL if product.id in full_ids else _DOT).dump(product) for product in products
        ]
        result.matches = {key: handles[product_id] for key, product_id in sorted(chosen.items())}
    if explain:
        result.misses = _misses(brand, groups, set(chosen) | set(named))
    return result
