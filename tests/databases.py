"""Test-database chores shared by the fixtures and the benchmark."""

from __future__ import annotations

from sqlalchemy import text

from widget_server.db import make_engine


def reset_postgres(url: str) -> None:
    """Drop everything in the database's public schema (test and benchmark databases only)."""
    pg = make_engine(url)
    with pg.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    pg.dispose()
