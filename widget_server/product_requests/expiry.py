"""``widget-server expire``: the sweeper that expires requests left alone."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime

import click
from flask.cli import with_appcontext

from widget_server import clock
from widget_server.db import session
from widget_server.product_requests.states import expire_due

BATCH_SIZE = 500


def sweep(batch_size: int = BATCH_SIZE) -> int:
    """Expire every overdue pending request, one committed batch at a time.

    Returns how many this call expired. Idempotent: a second sweep finds none.
    """
    total = 0
    while True:
        try:
            moved = expire_due(batch_size)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        total += moved
        if moved < batch_size:
            return total


def _parse_now(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give a timezone, e.g. 2026-03-10T12:00:00+00:00 or …Z")
    return moment


@click.command("expire")
@with_appcontext
@click.option("--now", callback=_parse_now, help="Pretend it is this ISO 8601 time (testing).")
@click.option("--batch-size", default=BATCH_SIZE, show_default=True)
def expire_command(now: datetime | None, batch_size: int) -> None:
    """Expire pending requests older than the brand's expiry (and email the influencers)."""
    with clock.frozen_at(now) if now else nullcontext():
        count = sweep(batch_size)
    click.echo(f"Expired {count} request(s).")
