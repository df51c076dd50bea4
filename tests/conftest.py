"""Shared fixtures: an app per test on every configured database, and what a run covered.

Tests run on SQLite always and on PostgreSQL too when
``DOTS_TEST_DATABASE_URL`` is set; the Redis test needs ``DOTS_TEST_REDIS_URL``
and the TLS tests an ``openssl`` command. CI sets both variables and
``DOTS_TEST_REQUIRE_POSTGRES``, ``_REDIS`` and ``_TLS=1``, so a server that does
not answer or a missing ``openssl`` stops the run instead of quietly shrinking
it; every run ends with a summary of what ran on which backend
(``tests/backends.py``). Each database is migrated once per session with the
real Alembic migrations; each test then starts from empty tables.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete

from tests.backends import (
    OPENSSL,
    POSTGRES_URL,
    REDIS_URL,
    REPORT_BACKENDS,
    Tally,
    backends_of,
    prepare_worker_database,
    requirement_problems,
)
from tests.databases import reset_postgres, shown_url
from tests.smtp_server import MAIL_FROM, SmtpServer
from widget_server import clock, create_app
from widget_server.db import engine, session
from widget_server.migrate import upgrade
from widget_server.models import Base
from widget_server.ratelimit import DEFAULT_LIMITS

DATABASES = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
TALLY = pytest.StashKey[Tally]()


def pytest_report_header(config: pytest.Config) -> list[str]:
    databases = (
        f"SQLite and PostgreSQL ({shown_url(POSTGRES_URL)})"
        if POSTGRES_URL
        else "SQLite only (set DOTS_TEST_DATABASE_URL to add PostgreSQL)"
    )
    redis = shown_url(REDIS_URL) if REDIS_URL else "not configured (set DOTS_TEST_REDIS_URL)"
    return [f"databases: {databases}", f"redis: {redis}", f"openssl: {OPENSSL or 'missing'}"]


def pytest_configure(config: pytest.Config) -> None:
    config.stash[TALLY] = Tally()
    config.pluginmanager.register(_Counter(config.stash[TALLY]), "dots-tally")


def pytest_sessionstart(session: pytest.Session) -> None:
    """CI requires its services: stop before any test when one is not there.

    An xdist worker first makes its own PostgreSQL database, then checks it.
    """
    prepare_worker_database()
    problems = requirement_problems()
    if problems:
        raise pytest.UsageError("\n".join(problems))


@pytest.hookimpl(trylast=True)  # after tests/e2e/conftest.py has marked its tests
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    config.stash[TALLY].collect(items)
    for item in items:
        if shares_its_module(item):
            # With ``--dist loadgroup`` (make test) the module's tests that share it
            # run on one worker, so a stack is started once, not once per worker
            # or, worse, again each time the worker returns to the module.
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


def shares_its_module(item: pytest.Item) -> bool:
    """Whether ``item`` uses a module-scoped fixture (the PostgreSQL browser stack is one)."""
    callspec = getattr(item, "callspec", None)
    if callspec and callspec.params.get("stack") == "postgres":
        return True  # tests/e2e/conftest.py: the stack fixture asks for it by name
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.values() if info else ()
    return any(defs and defs[-1].scope == "module" for defs in definitions)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Label each report with its test's backends; under xdist the label travels with it."""
    report = yield
    setattr(report, REPORT_BACKENDS, sorted(backends_of(item)))
    return report


class _Counter:
    """Counts reports where they are logged: the one process, or the xdist controller."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.tally.record(report)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """The xdist controller collects nothing: take what a worker collected.

    A worker that went down with an error (a service CI requires was missing
    for it, say) is remembered: xdist alone would end such a run green.
    """
    if error:
        node.config.stash[TALLY].worker_errors.append(f"{node.gateway.id}: {error}")
    collected = getattr(node, "workeroutput", {}).get("dots_collected")
    if collected:
        node.config.stash[TALLY].collected_by_worker(collected)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker hands its collected counts to the controller; the controller
    fails the run when a worker went down with an error."""
    if session.config.stash[TALLY].worker_errors:
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["dots_collected"] = dict(session.config.stash[TALLY].collected)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Close every run with what it covered, backend by backend."""
    tally = config.stash.get(TALLY, None)
    if tally is None or not tally.collected or config.option.collectonly:
        return
    from tests.e2e.stack import CHROMIUM

    for error in tally.worker_errors:
        terminalreporter.write_line(f"xdist worker down: {error}", red=True)
    terminalreporter.write_sep("=", "what ran, backend by backend")
    for colour, line in tally.lines(CHROMIUM):
        terminalreporter.write_line(line, **({colour: True} if colour else {}))


#: A setting given to :func:`make_test_app` as this is read from its ``DOTS_`` variable.
FROM_ENVIRONMENT = object()


def make_test_app(database_url: str, instance: Path, **overrides: object) -> Flask:
    """An app for tests: fixed secret and public URL, its own instance folder.

    The rate limits are the production ones (``widget_server.ratelimit``), so
    tests see the 429s people would; tests that send many requests on purpose
    raise them (``pg_app``, the browser stack). A setting given as
    ``FROM_ENVIRONMENT`` is left to its ``DOTS_`` variable.
    """
    settings = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "PUBLIC_URL": "http://widget.test",
        # Hashing cost is a production concern; tests only need real hashes.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Approvals go out at once unless a test opens an undo window itself.
        "APPROVAL_UNDO_SECONDS": 0,
        **overrides,
    }
    return create_app({key: v for key, v in settings.items() if v is not FROM_ENVIRONMENT})


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database, once per session per backend."""
    if request.param == "postgres":
        assert POSTGRES_URL
        reset_postgres(POSTGRES_URL)
        url = POSTGRES_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    app = make_test_app(url, tmp_path_factory.mktemp("migrate"))
    with app.app_context():
        upgrade()
        engine().dispose()
    return url


def empty_tables(app: Flask) -> None:
    """Delete every row, children first, and close the app's connections."""
    with app.app_context():
        with engine().begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(delete(table))
        engine().dispose()


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app, on empty tables."""
    app = make_test_app(database_url, tmp_path / "instance")
    yield app
    empty_tables(app)


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The PostgreSQL test database, migrated (for tests that need PostgreSQL itself).

    Skipped, and listed as skipped, without ``DOTS_TEST_DATABASE_URL``; CI
    sets it and ``DOTS_TEST_REQUIRE_POSTGRES=1``, so there it always runs.
    """
    if not POSTGRES_URL:
        pytest.skip("needs PostgreSQL: set DOTS_TEST_DATABASE_URL (CI does)")
    app = make_test_app(POSTGRES_URL, tmp_path_factory.mktemp("pg"))
    with app.app_context():
        upgrade()
        engine().dispose()
    return POSTGRES_URL


@pytest.fixture
def redis_url() -> str:
    """An empty Redis database (for rate limits shared by several instances)."""
    if not REDIS_URL:
        pytest.skip("needs Redis: set DOTS_TEST_REDIS_URL (CI does)")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    return REDIS_URL


@pytest.fixture
def pg_app(postgres_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on PostgreSQL, on empty tables, without rate limits (load tests)."""
    unlimited = {key: "100000/minute" for key in DEFAULT_LIMITS}
    app = make_test_app(postgres_url, tmp_path / "instance", **unlimited)
    yield app
    empty_tables(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """Run the test body inside an app context (for services and factories)."""
    with app.app_context():
        yield app


@pytest.fixture
def frozen_clock() -> Iterator[datetime]:
    """Freeze :func:`widget_server.clock.now` at a fixed instant."""
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with clock.frozen_at(moment):
        yield moment


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback (aiosmtpd), stopped afterwards."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_app(app: Flask, smtp: SmtpServer) -> Flask:
    """The app, sending its email to :func:`smtp`."""
    app.config.update(SMTP_URL=smtp.url, MAIL_FROM=MAIL_FROM)
    return app


@pytest.fixture
def db(app):
    """``with db() as s:`` opens a short app context to read or change the database.

    Never hold one open around an API call: the call would share its session.
    """

    @contextmanager
    def open_session():
        with app.app_context():
            yield session

    return open_session
