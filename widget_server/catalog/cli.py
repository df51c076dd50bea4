"""``widget-server catalog …``"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from widget_server.brands.cli import load_brand
from widget_server.catalog.formats import FORMATS
from widget_server.catalog.models import Product
from widget_server.catalog.schemas import CatalogOut
from widget_server.catalog.services import set_excluded
from widget_server.catalog.sync import sync_catalog
from widget_server.cli_helpers import echo_json, unit_of_work
from widget_server.db import session
from widget_server.money import format_minor


@click.group("catalog", cls=AppGroup)
def catalog_group() -> None:
    """The brand's products, synced from its store."""


@catalog_group.command("sync")
@click.option("--brand", "brand_slug", required=True)
@click.option(
    "--from",
    "source",
    required=True,
    help="Store URL, feed URL (products.json, WooCommerce Store API, Google feed) or a file.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="The feed's format; auto tells them apart by URL and content.",
)
def sync_command(brand_slug: str, source: str, fmt: str) -> None:
    """Import the store's catalog (Shopify, WooCommerce, Google feed or CSV); safe to repeat."""
    with unit_of_work():
        brand = load_brand(brand_slug)
        report = sync_catalog(brand, source, progress=sys.stderr.isatty(), fmt=fmt)
    click.echo(
        f"Synced {report.products} products ({report.variants} variants) from {report.pages} "
        f"page(s): {report.created} new, {report.updated} updated, "
        f"{report.deactivated} no longer in the feed."
    )
    if report.renamed:
        given = ", ".join(f"{id_} as {handle!r}" for id_, handle in report.renamed.items())
        click.echo(
            f"{len(report.renamed)} product(s) had a handle another product of the feed had "
            f"(each product needs its own, for its dot): {given}."
        )


@catalog_group.command("show")
@click.option("--brand", "brand_slug", required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (prices in minor units).")
@click.option("--all", "include_inactive", is_flag=True, help="Include inactive products.")
def show_command(brand_slug: str, as_json: bool, include_inactive: bool) -> None:
    """Show the brand's catalog."""
    brand = load_brand(brand_slug)
    query = (
        select(Product)
        .where(Product.brand_id == brand.id)
        .options(selectinload(Product.variants))
        .order_by(Product.title)
    )
    if not include_inactive:
        query = query.where(Product.active.is_(True))
    products = session.scalars(query).all()
    if as_json:
        echo_json(
            CatalogOut().dump(
                {"brand": brand.slug, "currency": brand.currency, "products": products}
            )
        )
        return
    for product in products:
        flag = ("" if product.active else "  (inactive)") + (
            "  (excluded)" if product.excluded else ""
        )
        click.echo(f"{product.title}  /products/{product.handle}{flag}")
        for variant in product.variants:
            stock = "" if variant.available else "  sold out"
            click.echo(
                f"    {variant.title:<30} "
                f"{format_minor(variant.price_minor, brand.currency)}{stock}"
            )


def _exclusion(brand_slug: str, handles: tuple[str, ...], excluded: bool) -> None:
    """Change the flag of every handle, or of none, and say what changed."""
    with unit_of_work():
        brand = load_brand(brand_slug)
        change = set_excluded(brand, handles, excluded)
    verb = "Excluded" if excluded else "Included again"
    state = "excluded" if excluded else "included"
    if change.changed:
        click.echo(f"{verb}: {', '.join(change.changed)}.")
    if change.unchanged:
        click.echo(f"Already {state}: {', '.join(change.unchanged)}.")


@catalog_group.command("exclude")
@click.option("--brand", "brand_slug", required=True)
@click.argument("handles", nargs=-1, required=True)
def exclude_command(brand_slug: str, handles: tuple[str, ...]) -> None:
    """Stop offering the products HANDLES: no dot, and requests for them are refused.

    Syncing the catalog keeps the flag.
    """
    _exclusion(brand_slug, handles, True)


@catalog_group.command("include")
@click.option("--brand", "brand_slug", required=True)
@click.argument("handles", nargs=-1, required=True)
def include_command(brand_slug: str, handles: tuple[str, ...]) -> None:
    """Offer excluded products HANDLES for requests again."""
    _exclusion(brand_slug, handles, False)
