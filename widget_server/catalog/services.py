"""What the brand offers: excluding products from requests, and what the overlay may show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import aliased, selectinload, with_loader_criteria
from sqlalchemy.orm.interfaces import LoaderOption

from widget_server.brands.models import Brand
from widget_server.catalog.models import Product, Variant
from widget_server.db import session


class CatalogError(ValueError):
    """A catalog operation that cannot be done, with a sentence saying why."""


@dataclass
class ExclusionChange:
    """Which handles a ``catalog exclude``/``include`` changed, and which already were so."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def set_excluded(brand: Brand, handles: Iterable[str], excluded: bool) -> ExclusionChange:
    """Exclude (or include again) ``brand``'s products with these handles.

    Every handle must name a product of the brand, or nothing changes: the
    error lists each unknown handle. Products that left the feed still count
    (their handle is known), so excluding one before it comes back works.
    """
    wanted = list(dict.fromkeys(handle.strip() for handle in handles))
    products = session.scalars(
        select(Product).where(Product.brand_id == brand.id, Product.handle.in_(wanted))
    ).all()
    by_handle: dict[str, list[Product]] = {}
    for product in products:
        by_handle.setdefault(product.handle, []).append(product)
    unknown = [handle for handle in wanted if handle not in by_handle]
    if unknown:
        names = ", ".join(repr(handle) for handle in unknown)
        raise CatalogError(f"{brand.slug} has no product with handle {names}; nothing changed")
    change = ExclusionChange()
    for handle in wanted:
        group = by_handle[handle]
        if all(product.excluded == excluded for product in group):
            change.unchanged.append(handle)
            continue
        for product in group:
            product.excluded = excluded
        change.changed.append(handle)
    if change.changed:
        brand.catalog_changed()
    session.flush()
    return change


@cache
def requestable() -> ColumnElement[bool]:
    """Where-clause of the products an influencer may request (and that get a dot).

    Active (still in the feed), not excluded by the brand, and something in
    stock. The one definition: the catalog, the lookup and its diagnostics use it.
    Built once (a clause is immutable): the alias cost more than the query
    on every page view.
    """
    # An alias, so the clause also works in queries that select variants themselves.
    stock = aliased(Variant)
    in_stock = exists().where(
        stock.product_id == Product.id, stock.active.is_(True), stock.available.is_(True)
    )
    return and_(Product.active.is_(True), Product.excluded.is_(False), in_stock)


def with_active_variants() -> tuple[LoaderOption, ...]:
    """Load options: each product's active variants, sold-out ones too.

    A bag that holds a variant that has since sold out can then show it as such.
    """
    return (
        selectinload(Product.variants),
        with_loader_criteria(Variant, Variant.active.is_(True)),
    )


def requestable_products(brand: Brand) -> list[Product]:
    """The products an influencer may request: active, not excluded, something in stock.

    Each comes with its active variants: sold-out ones too, so a bag that
    holds one can show it as sold out.
    """
    return list(
        session.scalars(
            select(Product)
            .where(Product.brand_id == brand.id, requestable())
            .options(*with_active_variants())
            .order_by(Product.id)
        )
    )
