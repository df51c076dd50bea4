"""Database engine, the session of the current app context, and the model base.

One unit of work per HTTP request: views and services only ``add`` and
``flush``; the request is committed once, after a successful response, and
rolled back otherwise. CLI commands and workers commit at their own boundary.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from flask import Flask, Response, current_app, g
from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator
from werkzeug.local import LocalProxy

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite has no timezone type and hands back naive values; PostgreSQL's
    ``timestamptz`` hands back aware ones. Both come out as aware UTC here, and
    a naive datetime going in is a bug, so it is refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while a writer commits; foreign keys are off by
    # default in SQLite; busy_timeout makes concurrent writers wait instead of
    # failing at once with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine with the settings this project relies on."""
    if url.startswith("postgresql://"):
        # psycopg 3 is the supported driver; accept the plain URL people paste.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def init_app(app: Flask) -> None:
    """Bind an engine to ``app`` and commit/close the session around requests."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["dots.engine"] = engine
    app.extensions["dots.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)

    @app.after_request
    def commit_unit_of_work(response: Response) -> Response:
        if "db_session" in g:
            if response.status_code < 400:
                g.db_session.commit()
            else:
                g.db_session.rollback()
        return response

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        db_session = g.pop("db_session", None)
        if db_session is not None:
            db_session.close()


def engine() -> Engine:
    """The current app's engine."""
    return cast(Engine, current_app.extensions["dots.engine"])


def _current_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["dots.sessionmaker"]()
    return cast(Session, g.db_session)


#: The session of the current app context (one per request, CLI command or job).
session: Session = cast(Session, LocalProxy(_current_session))
