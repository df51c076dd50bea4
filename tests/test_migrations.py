"""Alembic migrations from an empty database, down to base and up again, on each backend.

PostgreSQL runs in a schema of its own, so the session's migrated ``public``
schema (which every other test uses) is never touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from tests.conftest import POSTGRES_URL, make_test_app
from widget_server.db import engine, make_engine
from widget_server.migrate import alembic_config
from widget_server.models import Base

PG_SCHEMA = "dots_migration_test"
TABLES = set(Base.metadata.tables)


@pytest.fixture(params=["sqlite"] + (["postgres"] if POSTGRES_URL else []))
def empty_app(request, tmp_path) -> Iterator:
    """An app on a database with nothing in it."""
    if request.param == "postgres":
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        separator = "&" if "?" in POSTGRES_URL else "?"
        url = f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={PG_SCHEMA}')}"
    else:
        url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = make_test_app(url, tmp_path / "instance")
    yield app
    with app.app_context():
        engine().dispose()
    if request.param == "postgres":
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {PG_SCHEMA} CASCADE"))
        admin.dispose()


def tables(app) -> set[str]:
    with app.app_context():
        return set(inspect(engine()).get_table_names()) - {"alembic_version"}


def schema_differences(app) -> list:
    with app.app_context(), engine().connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def current_revision(app) -> str | None:
    with app.app_context(), engine().connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def revisions(app) -> list[str]:
    """Every revision id, oldest first."""
    with app.app_context():
        script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_database_really_is_empty_at_first(empty_app):
    assert tables(empty_app) == set()
    assert current_revision(empty_app) is None


def test_upgrade_from_empty_down_to_base_and_up_again(empty_app):
    head = revisions(empty_app)[-1]

    assert run(empty_app, "db", "upgrade").strip().endswith("is at head.")
    assert tables(empty_app) == TABLES
    assert current_revision(empty_app) == head
    assert schema_differences(empty_app) == []

    assert run(empty_app, "db", "downgrade", "base").strip() == "Database is at base."
    assert tables(empty_app) == set()
    assert current_revision(empty_app) is None

    run(empty_app, "db", "upgrade", "head")
    assert tables(empty_app) == TABLES
    assert current_revision(empty_app) == head
    assert schema_differences(empty_app) == []


def test_each_revision_upgrades_and_downgrades_on_its_own(empty_app):
    steps = revisions(empty_app)
    assert steps, "there is at least one migration"
    seen: list[set[str]] = []
    for revision in steps:
        run(empty_app, "db", "upgrade", revision)
        assert current_revision(empty_app) == revision
        seen.append(tables(empty_app))
    assert seen[-1] == TABLES
    for revision, expected in zip(reversed(steps[:-1]), reversed(seen[:-1]), strict=True):
        run(empty_app, "db", "downgrade", revision)
        assert current_revision(empty_app) == revision
        assert tables(empty_app) == expected
    run(empty_app, "db", "downgrade", "base")
    assert tables(empty_app) == set()
    assert current_revision(empty_app) is None


def test_upgrade_twice_is_harmless_and_the_schema_works(empty_app):
    run(empty_app, "db", "upgrade")
    run(empty_app, "db", "upgrade")
    assert schema_differences(empty_app) == []
    runner = empty_app.test_cli_runner()
    created = runner.invoke(
        args=[
            "brand",
            "create",
            "acme",
            "--name",
            "Acme",
            "--origin",
            "https://acme.example",
            "--notify-email",
            "team@acme.example",
        ]
    )
    assert created.exit_code == 0, created.output
    assert '"slug": "acme"' in runner.invoke(args=["brand", "list", "--json"]).stdout


#: A brand with one product and one variant, as the first revision stores them.
FIRST_ROWS = [
    "INSERT INTO brand (id, slug, name, allowed_origins, notify_email, currency, expiry_days,"
    " max_items, max_value_minor, created_at) VALUES (1, 'acme', 'Acme',"
    " '[\"https://acme.example\"]', 'team@acme.example', 'USD', 9, 5, 50000,"
    " '2026-01-01 00:00:00')",
    "INSERT INTO product (id, brand_id, store_id, handle, title, description_html, url,"
    " option_names, active, synced_at) VALUES (1, 1, 'p1', 'tee', 'Tee', '',"
    " 'https://acme.example/products/tee', '[\"Size\"]', true, '2026-01-01 00:00:00')",
    "INSERT INTO variant (id, product_id, store_id, title, option_values, price_minor,"
    " position, available, active) VALUES (1, 1, 'v1', 'M', '[\"M\"]', 2000, 1, true, true)",
]


def test_every_upgrade_keeps_the_catalog_rows(empty_app):
    """Data survives each step: SQLite's batch mode copies a table and drops the old
    one, which must not cascade to the rows that point at it (variants of products)."""
    first, *later = revisions(empty_app)
    run(empty_app, "db", "upgrade", first)
    with empty_app.app_context(), engine().begin() as connection:
        for statement in FIRST_ROWS:
            connection.execute(text(statement))
    for revision in later:
        run(empty_app, "db", "upgrade", revision)
        with empty_app.app_context(), engine().connect() as connection:
            counts = [
                connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("brand", "product", "variant")
            ]
        assert counts == [1, 1, 1], f"after {revision}: brand, product, variant {counts}"


def _request_row(ident: int, status: str, decided_at: str | None, total: int) -> str:
    decided = f"'{decided_at}'" if decided_at else "NULL"
    return (
        "INSERT INTO product_request (id, brand_id, influencer_id, status, submitted_at,"
        " expires_at, decided_at, currency, total_minor, proposal, shipping_address)"
        f" VALUES ({ident}, 1, 1, '{status}', '2026-01-01 12:00:00', '2026-01-10 12:00:00',"
        f" {decided}, 'USD', {total}, '{{}}', '{{}}')"
    )


def test_the_counters_migration_counts_the_requests_already_stored(empty_app):
    """Upgrading a database with history fills the counters the summary now reads."""
    all_revisions = revisions(empty_app)
    before = all_revisions[all_revisions.index("0017") - 1]
    run(empty_app, "db", "upgrade", before)
    rows = [
        *FIRST_ROWS,
        "INSERT INTO influencer (id, name, email, created_at)"
        " VALUES (1, 'Ana', 'ana@example.com', '2026-01-01 12:00:00')",
        _request_row(1, "pending", None, 1000),
        _request_row(2, "approved", "2026-01-02 12:00:00", 2000),
        _request_row(3, "shipped", "2026-01-02 13:00:00", 3000),
        _request_row(4, "approved", "2026-01-03 12:00:00", 4000),
        # Never decided (rows from before decided_at was always written): its expiry's day.
        _request_row(5, "expired", None, 500),
    ]
    with empty_app.app_context(), engine().begin() as connection:
        for statement in rows:
            connection.execute(text(statement))
    run(empty_app, "db", "upgrade", "0017")
    with empty_app.app_context(), engine().connect() as connection:
        all_time = set(
            connection.execute(text("SELECT status, requests, total_minor FROM request_count"))
        )
        by_day = {
            (status, str(day), n, value)
            for status, day, n, value in connection.execute(
                text("SELECT status, day, requests, total_minor FROM request_day_count")
            )
        }
    assert all_time == {
        ("pending", 1, 1000),
        ("approved", 2, 6000),
        ("shipped", 1, 3000),
        ("expired", 1, 500),
    }
    assert by_day == {
        ("approved", "2026-01-02", 1, 2000),
        ("approved", "2026-01-03", 1, 4000),
        ("shipped", "2026-01-02", 1, 3000),
        ("expired", "2026-01-10", 1, 500),
    }
