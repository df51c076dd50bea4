"""Test-database chores shared by the fixtures and the benchmark."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import text
from sqlalchemy.engine import make_url

from widget_server.db import make_engine


def reset_postgres(url: str) -> None:
    """Drop everything in the database's public schema (test and benchmark databases only)."""
    pg = make_engine(url)
    with pg.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    pg.dispose()


def worker_postgres_url(url: str, worker: str) -> str:
    """``url`` with its database name suffixed for xdist worker ``worker`` (``test_gw0``).

    Every worker resets and empties its database between tests; sharing one
    would have each wipe the other's rows mid-test.
    """
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


def create_postgres_database(admin_url: str, url: str) -> None:
    """Create ``url``'s database, when missing, through a connection to ``admin_url``'s.

    CREATE DATABASE cannot run in a transaction, hence the autocommit
    connection; the name is quoted by PostgreSQL's own rules.
    """
    name = make_url(url).database
    admin = make_engine(admin_url)
    try:
        with admin.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            there = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if not there:
                quoted = connection.dialect.identifier_preparer.quote(name)
                connection.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        admin.dispose()


def worker_redis_url(url: str, index: int) -> str:
    """``url`` with its database number raised by ``index`` (``/6`` → ``/7`` for worker 1).

    ``redis_url`` flushes its database before each test, so each worker needs
    its own; Redis has 16 by default (0–15), so the base plus the number of
    workers must stay below that (CI uses 14 with two workers).
    """
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + index}"))


def postgres_problem(url: str) -> str | None:
    """Why PostgreSQL at ``url`` cannot be used for tests (one line), or None if it answers.

    A set variable is not a server: CI must stop at once, saying why, rather
    than fail hundreds of tests one by one or, worse, skip them.
    """
    try:
        # A host that drops packets would otherwise hold the run for minutes.
        waiting = make_url(url).update_query_dict({"connect_timeout": "5"})
        pg = make_engine(waiting.render_as_string(hide_password=False))
        try:
            with pg.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            pg.dispose()
    except Exception as exc:  # any failure to answer is the finding
        return _first_line(exc)
    return None


def redis_problem(url: str) -> str | None:
    """Why Redis at ``url`` cannot be used for tests (one line), or None if it answers PING."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return _first_line(exc)
    return None


def shown_url(url: str) -> str:
    """``url`` fit to print: its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparsable URL)"


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")
