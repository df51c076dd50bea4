"""Catalog sync: an idempotent upsert of the store's feed into Product/Variant."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from tqdm import tqdm

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.catalog.feed import check_products
from widget_server.catalog.formats import read_source
from widget_server.catalog.keys import stored_gtin, stored_url_path
from widget_server.catalog.models import Product, Variant
from widget_server.db import session


@dataclass
class SyncReport:
    """What a sync did, for the CLI to print and tests to check."""

    products: int = 0
    variants: int = 0
    created: int = 0
    updated: int = 0
    #: Products created or updated whose stored data differs from before.
    changed: int = 0
    deactivated: int = 0
    pages: int = 0
    #: Products of the feed whose handle another of its products had: store id ->
    #: the handle given instead (:func:`unique_handles`).
    renamed: dict[str, str] = field(default_factory=dict)


def _absolute(src: str | None) -> str | None:
    # Shopify writes protocol-relative CDN URLs ("//cdn.shopify.com/...").
    return "https:" + src if src and src.startswith("//") else src


def read_feed(
    source: str, currency: str, progress: bool = False, fmt: str = "auto"
) -> tuple[list[Any], str | None, int]:
    """Read and check a feed of any format from a URL (all pages) or a file.

    Returns the checked products, the store's base URL (for Shopify URLs) and
    the number of pages read. Raises FeedError before anything is written.
    """
    with tqdm(desc="Fetching feed", unit=" page", disable=not progress, leave=False) as bar:
        seen = 0

        def on_page(items: int) -> None:
            nonlocal seen
            seen += items
            bar.update(1)
            bar.set_postfix(items=seen)

        raw, store_base, pages = read_source(source, currency, fmt, on_page)
    return check_products(raw, currency), store_base, pages


def _assign(obj: Product | Variant, **values: Any) -> bool:
    """Set attributes that differ; True when any did.

    Comparing here (not asking the session afterwards) is what tells a sync
    that changed something from one that did not, which decides whether the
    brand's ``catalog_version`` (and so every cached lookup) moves on.
    """
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _own_path(url: str | None, product: Product) -> str | None:
    """A variant page's ``url_path``, kept only when it is not its product's own."""
    path = stored_url_path(url)
    return path if path != product.url_path else None


def _upsert_variants(
    product: Product, feed_variants: list[dict[str, Any]], images: dict
) -> tuple[int, bool]:
    """Upsert a product's variants: (how many the feed has, whether anything changed)."""
    existing = {variant.store_id: variant for variant in product.variants}
    seen = set()
    changed = False
    for position, item in enumerate(feed_variants):
        variant = existing.get(item["id"])
        if variant is None:
            variant = Variant(store_id=item["id"])
            product.variants.append(variant)
            changed = True
        changed |= _assign(
            variant,
            title=item["title"],
            sku=item["sku"] or None,
            gtin=stored_gtin(item["barcode"]),
            option_values=[
                item[key]
                for key in ("option1", "option2", "option3", "option4")
                if item[key] is not None
            ],
            price_minor=item["price_minor"],
            available=item["available"],
            position=item["position"] or position + 1,
            image_url=images.get(item["image_id"]),
            url_path=_own_path(item.get("url"), product),
            active=True,
        )
        seen.add(item["id"])
    for store_id, variant in existing.items():
        if store_id not in seen:
            changed |= _assign(variant, active=False)
    return len(seen), changed


def unique_handles(products: list[dict[str, Any]], existing: dict[str, Product]) -> dict[str, str]:
    """Each feed product's handle (store id -> handle), unique in the feed.

    The overlay names a product by its handle (its dot, the bag, the statuses),
    so two products with one handle would be one to an influencer, and a
    click on one could request the other. Feeds that have no handles derive
    them from each link's last segment, so they can clash (``/men/basic-tee``
    and ``/women/basic-tee``). Handles compare lower-cased, as lookups do. Of
    the products sharing one, the product that already had it keeps it (a
    catalog that worked goes on working), else the first in the feed; each
    other one gets ``<handle>-<store id>``, the same on every sync.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in products:
        groups.setdefault(item["handle"].lower(), []).append(item)
    taken = set(groups)
    handles: dict[str, str] = {}
    for shared, items in groups.items():
        had_it = [
            item
            for item in items
            if item["id"] in existing and existing[item["id"]].handle.lower() == shared
        ]
        keeper = (had_it or items)[0]
        handles[keeper["id"]] = keeper["handle"]
        for item in items:
            if item is not keeper:
                handles[item["id"]] = _free_handle(item, taken)
    return handles


def _free_handle(item: dict[str, Any], taken: set[str]) -> str:
    suffix = "-" + item["id"].lower()
    candidate, more = item["handle"][: 255 - len(suffix)] + suffix, 1
    while candidate.lower() in taken:  # a feed that has ``tee`` and ``tee-7`` already
        more += 1
        candidate = f"{item['handle'][: 250 - len(suffix)]}{suffix}-{more}"
    taken.add(candidate.lower())
    return candidate


def apply_feed(
    brand: Brand, products: list[dict[str, Any]], store_base: str | None, progress: bool = False
) -> SyncReport:
    """Upsert checked feed products into ``brand``'s catalog (the caller commits).

    Products missing from the feed become inactive and are never deleted, so
    requests that name them keep their history. A sync that adds, changes or
    deactivates anything bumps the brand's ``catalog_version`` in the same
    transaction; one that changes nothing leaves it (and every cache) alone.
    """
    base = store_base or brand.store_url.rstrip("/")
    existing = {
        product.store_id: product
        for product in session.scalars(
            select(Product)
            .where(Product.brand_id == brand.id)
            .options(selectinload(Product.variants))
        )
    }
    report = SyncReport(products=len(products))
    handles = unique_handles(products, existing)
    report.renamed = {
        item["id"]: handles[item["id"]]
        for item in products
        if handles[item["id"]] != item["handle"]
    }
    now = clock.now()
    for item in tqdm(products, desc="Saving catalog", unit=" product", disable=not progress):
        product = existing.get(item["id"])
        if product is None:
            product = Product(brand_id=brand.id, store_id=item["id"], variants=[])
            session.add(product)
            report.created += 1
        else:
            report.updated += 1
        images = sorted(item["images"], key=lambda image: image["position"])
        changed = _assign(
            product,
            handle=handles[item["id"]],
            title=item["title"],
            description_html=item["body_html"] or "",
            vendor=item["vendor"],
            product_type=item["product_type"],
            image_url=_absolute(images[0]["src"]) if images else None,
            # (Shopify's page is at the feed's own handle.)
            url=item["url"] or f"{base}/products/{item['handle']}",
            option_names=[option["name"] for option in item["options"]],
            active=True,
        )
        product.synced_at = now
        by_id = {image["id"]: _absolute(image["src"]) for image in images if image["id"]}
        variants, variants_changed = _upsert_variants(product, item["variants"], by_id)
        report.variants += variants
        if changed or variants_changed:
            report.changed += 1
    fed = {item["id"] for item in products}
    for store_id, product in existing.items():
        if store_id not in fed and product.active:
            product.active = False
            report.deactivated += 1
    if report.created or report.changed or report.deactivated:
        brand.catalog_changed()
    session.flush()
    return report


def sync_catalog(
    brand: Brand, source: str, progress: bool = False, fmt: str = "auto"
) -> SyncReport:
    """Read ``source`` (URL or file, in format ``fmt``) and upsert it into ``brand``'s catalog."""
    products, store_base, pages = read_feed(source, brand.currency, progress, fmt)
    report = apply_feed(brand, products, store_base, progress)
    report.pages = pages
    return report
