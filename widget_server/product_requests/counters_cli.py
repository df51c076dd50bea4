"""``widget-server counters rebuild``: recount the review summary's counters from the requests."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select
from tqdm import tqdm

from widget_server.brands.cli import load_brand
from widget_server.brands.models import Brand
from widget_server.cli_helpers import unit_of_work
from widget_server.db import session
from widget_server.product_requests.counters import rebuild


@click.group("counters", cls=AppGroup)
def counters_group() -> None:
    """The per-brand request counters the review summary reads."""


@counters_group.command("rebuild")
@click.option("--brand", "brand_slug", help="Only this brand (default: every brand).")
def rebuild_command(brand_slug: str | None) -> None:
    """Recount every counter from the requests, one transaction per brand.

    Safe while the server runs: transitions that happen meanwhile are added
    on top of the recount (see ``counters.rebuild``).
    """
    if brand_slug:
        brand_ids = [load_brand(brand_slug).id]
    else:
        brand_ids = list(session.scalars(select(Brand.id).order_by(Brand.id)))
        session.commit()
    for brand_id in tqdm(
        brand_ids, desc="Recounting", unit=" brand", disable=not sys.stderr.isatty()
    ):
        with unit_of_work():
            rebuild(brand_id)
    click.echo(f"Rebuilt the counters of {len(brand_ids)} brand(s).")
