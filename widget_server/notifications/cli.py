"""``widget-server outbox send|list|retry``: run a sender, look at the outbox, try again."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select, update

from widget_server import clock
from widget_server.cli_helpers import seconds_option
from widget_server.db import session
from widget_server.notifications.models import OutboxMessage
from widget_server.notifications.sender import SendReport, run_sender_forever, send_due
from widget_server.notifications.smtp import parse_smtp_url
from widget_server.validation import MAX_ID


@click.group("outbox", cls=AppGroup)
def outbox_group() -> None:
    """Outgoing email: deliver it, see what waits, try what failed again."""


def _echo_report(report: SendReport) -> None:
    for item in report.sent:
        click.echo(f"sent    #{item.id} {item.template} to {item.to}: {item.subject}")
    for item in report.failed:
        what = "gave up" if item.gave_up else "failed "
        click.echo(f"{what} #{item.id} {item.template} to {item.to}: {item.error}")
    if report.released:
        click.echo(f"{report.released} claimed email(s) handed back for the next round")


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT, so a loop finishes its batch and exits 0."""
    stop = threading.Event()

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@outbox_group.command("send")
@click.option("--loop", is_flag=True, help="Keep sending until SIGTERM or Ctrl-C.")
@seconds_option("--interval", 2.0, "Seconds between rounds with --loop.")
@click.option(
    "--batch",
    type=click.IntRange(1, 10_000),
    default=50,
    show_default=True,
    help="Emails per round.",
)
def send_command(loop: bool, interval: float, batch: int) -> None:
    """Deliver the emails that are due (once, or with --loop until stopped)."""
    url = current_app.config.get("SMTP_URL")
    try:
        if url:
            parse_smtp_url(url)  # a typo fails now, not once per round
        if not loop:
            report = send_due(batch)
            _echo_report(report)
            click.echo(f"Outbox: {report}.")
            return
    except ValueError as exc:  # a malformed DOTS_SMTP_URL
        raise click.ClickException(str(exc)) from None
    # A long-running sender: its log lines (files written, errors) must show.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    target = "SMTP" if url else "files in the instance folder"
    click.echo(f"Sending email through {target} every {interval:g}s; Ctrl-C stops.")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _stop_on_signals() as stop:
        run_sender_forever(app, interval, stop, batch=batch, on_report=_echo_report)
    click.echo("Outbox sender stopped.")


@outbox_group.command("list")
@click.option("--pending", is_flag=True, help="Only emails still to be sent.")
@click.option("--failed", is_flag=True, help="Only emails given up on, with the server's answer.")
@click.option(
    "--limit",
    type=click.IntRange(1, 10_000),
    default=50,
    show_default=True,
    help="Most rows shown.",
)
def list_command(pending: bool, failed: bool, limit: int) -> None:
    """Show the newest emails: status, attempts and the last error."""
    if pending and failed:
        raise click.UsageError("--pending and --failed exclude each other")
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if pending:
        query = query.where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
    if failed:
        query = query.where(OutboxMessage.failed_at.is_not(None))
    rows = session.scalars(query).all()
    if not rows:
        empty = "No pending emails." if pending else "No failed emails." if failed else None
        click.echo(empty or "The outbox is empty.")
        return
    for row in rows:
        if row.sent_at is not None:
            when = f"sent {row.sent_at:%Y-%m-%d %H:%M:%S} UTC"
        elif row.failed_at is not None:
            when = f"gave up {row.failed_at:%Y-%m-%d %H:%M:%S} UTC"
        else:
            when = f"next try {row.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
        click.echo(
            f"#{row.id} {row.status:<8} {row.template:<18} to {row.to_addr}  "
            f"{when}  attempts {row.attempts}"
        )
        click.echo(f"    {row.subject}")
        if row.last_error:
            click.echo(f"    last error: {row.last_error}")


@outbox_group.command("retry")
@click.argument("ids", nargs=-1, type=click.IntRange(1, MAX_ID))
@click.option("--all-failed", is_flag=True, help="Every email and webhook given up on.")
def retry_command(ids: tuple[int, ...], all_failed: bool) -> None:
    """Send emails (and webhooks) that were given up on again: due now, attempts counted afresh.

    For after an outage that outlasted the retries. Name the ids ``outbox
    list --failed`` shows, or ``--all-failed``. Each gets at least one new try
    (``DOTS_OUTBOX_MAX_AGE`` still counts from when it was written); the last
    error stays until a try replaces it.
    """
    if bool(ids) == all_failed:
        raise click.UsageError("name the ids to retry, or --all-failed")
    chosen = [OutboxMessage.failed_at.is_not(None)]
    if ids:
        chosen.append(OutboxMessage.id.in_(ids))
        missing = sorted(set(ids) - set(session.scalars(select(OutboxMessage.id).where(*chosen))))
        if missing:
            listed = ", ".join(f"#{ident}" for ident in missing)
            raise click.ClickException(f"not given up on (see outbox list --failed): {listed}")
    result = session.execute(
        update(OutboxMessage)
        .where(*chosen)
        .values(failed_at=None, attempts=0, next_attempt_at=clock.now())
    )
    session.commit()
    click.echo(f"{result.rowcount} message(s) due again; the sender delivers them.")
