"""The ``widget-server`` command: a Flask CLI group with one sub-group per feature."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click
from flask import Flask
from flask.cli import FlaskGroup
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


#: The ``--json`` flag of every listing command.
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def echo_rows(rows: list[dict[str, Any]], as_json: bool, line: Callable[[dict], str]) -> None:
    """Print a listing: as JSON, or one ``line(row)`` per row."""
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(line(row))


def init_app(app: Flask) -> None:
    """Attach every feature's command group to ``app.cli``."""
    from widget_server.brands.cli import brand_group
    from widget_server.catalog.cli import catalog_group
    from widget_server.influencers.cli import influencer_group, link_group
    from widget_server.migrate import db_group
    from widget_server.notifications.cli import outbox_group
    from widget_server.product_requests.expiry import expire_command
    from widget_server.serve import serve_command, worker_command

    for group in (db_group, brand_group, influencer_group, link_group, catalog_group):
        app.cli.add_command(group)
    app.cli.add_command(expire_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(outbox_group)


def _create_app() -> Flask:
    from widget_server import create_app

    return create_app()


def main() -> None:
    """Entry point of the ``widget-server`` console script."""
    cli = FlaskGroup(create_app=_create_app, add_version_option=False, help=__doc__)
    cli.main(prog_name="widget-server")
