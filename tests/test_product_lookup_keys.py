"""Product keys: the shared vectors, and migration 0007 filling the lookup columns of old rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.test_migrations import empty_app, run  # noqa: F401 (a fixture)
from widget_server.catalog.keys import make_key, normalise_path, path_suffixes
from widget_server.db import engine

VECTORS = json.loads((Path(__file__).parent / "fixtures" / "product_keys.json").read_text())


@pytest.mark.parametrize("case", VECTORS["urls"], ids=lambda case: case["href"])
def test_url_vectors(case):
    path = normalise_path(case["href"])
    assert (f"u:{path}" if path else None) == case["key"]


@pytest.mark.parametrize("case", VECTORS["values"], ids=lambda case: case["kind"])
def test_value_vectors(case):
    assert make_key(case["kind"], case["raw"]) == case["key"]


def test_a_url_key_is_stable_when_normalised_again():
    for case in VECTORS["urls"]:
        if case["key"] and "%" not in case["key"]:
            path = case["key"][2:]
            assert normalise_path(path) == path


def test_suffixes_longest_first_and_at_most_eight_shortest():
    assert path_suffixes("/en-gb/collections/x/products/tee") == [
        "/en-gb/collections/x/products/tee",
        "/collections/x/products/tee",
        "/x/products/tee",
        "/products/tee",
        "/tee",
    ]
    deep = "/" + "/".join(f"s{n}" for n in range(12)) + "/tee"
    suffixes = path_suffixes(deep)
    assert (
        len(suffixes) == 8
        and suffixes[-1] == "/tee"
        and suffixes[0] == "/s5/s6/s7/s8/s9/s10/s11/tee"
    )


def test_no_key_for_files_and_the_home_page():
    for href in ("/", "", None, "https://x.example/a/b.png", "https://x.example/b.min.js"):
        assert normalise_path(href) is None
    assert normalise_path("https://x.example/p/shirt-2.0") == "/p/shirt-2.0"


def test_migration_0007_fills_url_path_and_title_key_of_existing_products(empty_app):  # noqa: F811
    run(empty_app, "db", "upgrade", "0006")
    now = datetime.now(UTC)
    with empty_app.app_context(), engine().begin() as connection:
        brand = sa.table(
            "brand", *(sa.column(n) for n in ("id", "slug", "name", "notify_email", "currency",
                                               "expiry_days", "max_items", "max_value_minor",
                                               "created_at")),
            sa.column("allowed_origins", sa.JSON),
        )  # fmt: skip
        connection.execute(
            brand.insert().values(
                id=1, slug="acme", name="Acme", notify_email="a@acme.example", currency="USD",
                expiry_days=9, max_items=3, max_value_minor=50000, created_at=now,
                allowed_origins=["https://acme.example"],
            )
        )  # fmt: skip
        product = sa.table(
            "product", *(sa.column(n) for n in ("id", "brand_id", "store_id", "handle", "title",
                                                 "description_html", "url", "active", "excluded",
                                                 "synced_at")),
            sa.column("option_names", sa.JSON),
        )  # fmt: skip
        urls = {
            1: "https://acme.example/en-gb/Shop/Oxford-Tee.html",
            2: "https://acme.example/",
            3: "https://acme.example/p/" + "x" * 400,
        }
        connection.execute(
            product.insert(),
            [
                dict(id=pid, brand_id=1, store_id=str(pid), handle=f"h{pid}",
                     title="  The  Oxford\nTee ", description_html="", url=url, active=True,
                     excluded=False, synced_at=now, option_names=[])
                for pid, url in urls.items()
            ],
        )  # fmt: skip
    run(empty_app, "db", "upgrade", "0007")
    with empty_app.app_context(), engine().connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, url_path, title_key FROM product ORDER BY id")
        ).all()
        version = connection.execute(sa.text("SELECT catalog_version FROM brand")).scalar()
    assert [tuple(row) for row in rows] == [
        (1, "/en-gb/shop/oxford-tee", "the oxford tee"),
        (2, None, "the oxford tee"),
        (3, None, "the oxford tee"),
    ]
    assert version == 1
    run(empty_app, "db", "downgrade", "0006")
