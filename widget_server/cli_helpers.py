"""Helpers every feature's commands share: one unit of work, listings, ``--now``.

A leaf module: it imports nothing of the features, so their ``cli.py``
modules import it without a circle (``widget_server.cli`` only assembles them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import click
from marshmallow import ValidationError

from widget_server.db import session
from widget_server.errors import flatten_messages

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit a command's changes at the end, or none of them.

    Domain errors (``ValueError`` subclasses, validation errors) become one
    clear line on stderr and a non-zero exit, never a traceback.
    """
    try:
        yield
        session.commit()
    except ValidationError as exc:
        session.rollback()
        parts = [
            f"{field}: {' '.join(msgs)}" for field, msgs in flatten_messages(exc.messages).items()
        ]
        raise click.ClickException("; ".join(parts)) from None
    except ValueError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from None
    except BaseException:
        session.rollback()
        raise


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON (for ``--json`` output)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def seconds_option(name: str, default: float, help: str) -> Callable[[F], F]:
    """An interval in seconds: 0.05 at least (no busy loop), a day at most (no overflow)."""
    return click.option(
        name, type=click.FloatRange(0.05, 86_400), default=default, show_default=True, help=help
    )


#: The ``--json`` flag of every listing command.
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")

#: Times a ``--now`` may name: far enough from datetime's ends to add a year to.
_EARLIEST, _LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC)


def parse_now(
    _ctx: click.Context | None, _param: click.Parameter | None, value: str | None
) -> datetime | None:
    """``--now`` as an aware UTC datetime, or a one-line usage error."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give a timezone, e.g. 2026-03-10T12:00:00+00:00 or …Z")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        moment = None
    if moment is None or not _EARLIEST <= moment <= _LATEST:
        raise click.BadParameter(f"{value!r} is not between 1970 and 9000")
    return moment


def now_option(help: str) -> Callable[[F], F]:
    """The ``--now`` of commands that decide what is overdue (a time to judge by, not a clock).

    Commands must pass the value down as the moment to compare against, never
    freeze :mod:`widget_server.clock` with it: whatever they write (events,
    emails) carries the real time, so emails are due at once.
    """
    return click.option("--now", callback=parse_now, metavar="ISO8601", help=help)


def echo_rows(rows: list[dict[str, Any]], as_json: bool, line: Callable[[dict], str]) -> None:
    """Print a listing: as JSON, or one ``line(row)`` per row."""
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(line(row))
