"""Alembic migrations, run from the package (no alembic.ini to find)."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask.cli import AppGroup

from widget_server.db import engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations and this app's engine."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine()
    return config


def upgrade(revision: str = "head") -> None:
    """Bring the app's database up to ``revision``."""
    command.upgrade(alembic_config(), revision)


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    upgrade(revision)
    url = engine().url.render_as_string(hide_password=True)
    click.echo(f"Database {url} is at {revision}.")


@db_group.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Migrate the database back to REVISION (``base`` empties it)."""
    command.downgrade(alembic_config(), revision)
    click.echo(f"Database is at {revision}.")
