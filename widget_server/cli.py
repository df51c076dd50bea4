"""The ``widget-server`` command: a Flask CLI group with one sub-group per feature.

Every command is registered on the group itself, so ``--help`` lists them
all without building the app (which needs configuration). The app is built
when a command runs; a missing or malformed setting, an unreachable or
unmigrated database, or any other failure is then one line on stderr
(``--debug`` shows the traceback). Before anything else, the settings the
demo wrote to ``<instance folder>/.env`` are read (variables already set win).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import Flask
from flask.cli import FlaskGroup, get_debug_flag

#: Only these variables may come from the instance's .env file.
ENV_PREFIX = "DOTS_"


def commands() -> list[click.Command]:
    """Every feature's command or group, in the order ``--help`` shows them."""
    from widget_server.brands.cli import brand_group
    from widget_server.catalog.cli import catalog_group
    from widget_server.console.jobs import daily_command
    from widget_server.influencers.cli import influencer_group, link_group
    from widget_server.migrate import db_group
    from widget_server.notifications.cli import outbox_group
    from widget_server.product_requests.counters_cli import counters_group
    from widget_server.product_requests.expiry import expire_command
    from widget_server.product_requests.reminders import remind_command
    from widget_server.serve import serve_command, worker_command
    from widget_server.widget.build import assets_group

    return [
        db_group,
        brand_group,
        influencer_group,
        link_group,
        catalog_group,
        expire_command,
        counters_group,
        daily_command,
        remind_command,
        outbox_group,
        serve_command,
        worker_command,
        assets_group,
    ]


def init_app(app: Flask) -> None:
    """Attach every feature's command group to ``app.cli`` (``flask``-style runners, tests)."""
    for command in commands():
        app.cli.add_command(command)


def instance_env_file() -> Path:
    """``<instance folder>/.env``: ``DOTS_INSTANCE_PATH``, else the app's default folder."""
    folder = os.environ.get("DOTS_INSTANCE_PATH") or Flask("widget_server").instance_path
    return Path(folder) / ".env"


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines (``#`` comments, optional quotes, ``export``) of ``DOTS_*`` keys."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return values
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = (part.strip() for part in line.removeprefix("export ").split("=", 1))
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if key.startswith(ENV_PREFIX) and key.replace("_", "").isalnum():
            values[key] = value
    return values


def load_instance_env() -> None:
    """Set the demo's settings from the instance's ``.env`` where the environment has none."""
    for key, value in read_env_file(instance_env_file()).items():
        os.environ.setdefault(key, value)


def _create_app() -> Flask:
    from widget_server import create_app
    from widget_server.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _one_line(exc: BaseException) -> str:
    """A failure as one line for stderr, with a hint where there is an obvious one."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError):
        detail = " ".join(str(getattr(exc, "orig", None) or exc).split())
        if "no such table" in detail or "does not exist" in detail:
            return f"the database is not set up ({detail}); run 'widget-server db upgrade'"
        return f"database error: {detail[:500]}"
    if isinstance(exc, CommandError):
        return " ".join(str(exc).split())
    detail = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {detail[:500]} (run 'widget-server --debug …' for the traceback)"


def _surrogate_argument(args: Sequence[str]) -> str | None:
    # Bytes that are not UTF-8 reach Python as lone surrogates, which no
    # database or file name can take: refuse them before any command runs.
    for arg in args:
        if any("\ud800" <= char <= "\udfff" for char in arg):
            return arg
    return None


class DotsGroup(FlaskGroup):
    """``widget-server``: commands known without the app, failures in one line."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        # Our commands and Flask's are registered here; never build the app
        # just to look a name up (a typo would then need a configuration).
        self._load_plugin_commands()
        return click.Group.get_command(self, ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return click.Group.list_commands(self, ctx)

    def main(self, args: Sequence[str] | None = None, **extra: Any) -> Any:  # type: ignore[override]
        """Run, and end every failure with one line on stderr and a non-zero exit."""
        args = list(sys.argv[1:] if args is None else args)
        bad = _surrogate_argument(args)
        if bad is not None:
            _fail(f"{ascii(bad)} is not valid UTF-8 text.", 2)
        try:
            result = super().main(args=args, standalone_mode=False, **extra)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _fail(exc.format_message() + hint, exc.exit_code)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except click.Abort:
            _fail("aborted.", 1)
        except Exception as exc:
            if get_debug_flag():
                raise
            _fail(_one_line(exc), 1)
        sys.exit(result if isinstance(result, int) else 0)


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"Error: {' '.join(message.split())}", err=True)
    sys.exit(code)


def make_group() -> DotsGroup:
    """The ``widget-server`` group with every command on it."""
    group = DotsGroup(
        create_app=_create_app,
        add_version_option=False,
        help="The Dots widget server: brands, influencers, links, catalog, email and serving.",
    )
    for command in commands():
        group.add_command(command)
    return group


def main() -> None:
    """Entry point of the ``widget-server`` console script."""
    load_instance_env()
    make_group().main(prog_name="widget-server")
