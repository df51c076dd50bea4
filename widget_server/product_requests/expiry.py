"""``widget-server expire``: the sweeper that expires requests left alone."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from widget_server.cli_helpers import now_option
from widget_server.db import session
from widget_server.product_requests.states import expire_due

BATCH_SIZE = 500


def sweep(batch_size: int = BATCH_SIZE, as_of: datetime | None = None) -> int:
    """Expire every request overdue at ``as_of`` (default now), one committed batch at a time.

    Returns how many this call expired. Idempotent: a second sweep finds none.
    """
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    total = 0
    while True:
        try:
            moved = expire_due(batch_size, as_of)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        total += moved
        if moved < batch_size:
            return total


@click.command("expire")
@with_appcontext
@now_option(help="Expire what is overdue at this ISO 8601 time (testing); emails go out now.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=BATCH_SIZE, show_default=True)
def expire_command(now: datetime | None, batch_size: int) -> None:
    """Expire pending requests older than the brand's expiry (and email the influencers).

    ``--now`` decides what is overdue, not when mail goes out: the emails
    are queued for sending at once.
    """
    count = sweep(batch_size, as_of=now)
    click.echo(f"Expired {count} request(s).")
