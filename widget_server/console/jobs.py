"""The console's daily jobs (digests, scheduled catalog syncs), for the worker and the CLI."""

from __future__ import annotations

import logging

import click
from flask.cli import with_appcontext

from widget_server.console.catalog_sync import run_scheduled_syncs
from widget_server.console.digest import send_digests

log = logging.getLogger(__name__)


def run_daily_jobs(force: bool = False) -> tuple[int, int]:
    """Send due digests and run due catalog syncs: (emails, syncs).

    Cheap when nothing is due (two indexed queries), so the worker calls it
    on every sweep; what is due is decided by the times kept on each brand.
    """
    return send_digests(force), run_scheduled_syncs(force)


@click.command("daily")
@click.option("--now", "force", is_flag=True, help="Run for every brand, due or not.")
@with_appcontext
def daily_command(force: bool) -> None:
    """Send the daily request digests and run the scheduled catalog syncs that are due."""
    emails, syncs = run_daily_jobs(force)
    click.echo(f"Digest emails written: {emails}; catalog syncs run: {syncs}.")
