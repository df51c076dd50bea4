"""Products the brand won't give: ``catalog exclude/include``, the catalog API, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.factories import make_brand, make_influencer, make_link, make_product, request_body
from tests.test_migrations import empty_app  # noqa: F401 (a fixture)
from widget_server.brands.services import find_brand
from widget_server.catalog.models import Product
from widget_server.catalog.sync import sync_catalog
from widget_server.db import session

FEED_FILE = Path(__file__).parent / "feeds" / "shopify_products.json"
PANEL_ORIGIN = "http://localhost"


def invoke(runner, *args):
    return runner.invoke(args=list(args))


def excluded_handles(app, slug="acme"):
    with app.app_context():
        brand = find_brand(slug)
        return sorted(
            session.scalars(
                select(Product.handle).where(
                    Product.brand_id == brand.id, Product.excluded.is_(True)
                )
            )
        )


@pytest.fixture
def synced(app):
    """Brand ``acme`` (limit 300.00 USD) with the realistic five-product feed synced."""
    with app.app_context():
        brand = make_brand("acme", name="Acme Outdoor")
        sync_catalog(brand, str(FEED_FILE))
        session.commit()
    return app


# --- the command line ----------------------------------------------------------------


def test_exclude_and_include_say_what_changed(synced, runner):
    result = invoke(runner, "catalog", "exclude", "--brand", "acme", "gift-card", "sticker-pack")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Excluded: gift-card, sticker-pack.\n"
    assert excluded_handles(synced) == ["gift-card", "sticker-pack"]

    again = invoke(runner, "catalog", "exclude", "--brand", "acme", "gift-card", "cafe-creme-mug")
    assert again.stdout == "Excluded: cafe-creme-mug.\nAlready excluded: gift-card.\n"

    back = invoke(
        runner, "catalog", "include", "--brand", "acme", "gift-card", "trail-runner-jacket"
    )
    assert back.exit_code == 0, back.output
    assert back.stdout == "Included again: gift-card.\nAlready included: trail-runner-jacket.\n"
    assert excluded_handles(synced) == ["cafe-creme-mug", "sticker-pack"]


def test_catalog_show_marks_excluded_products(synced, runner):
    invoke(runner, "catalog", "exclude", "--brand", "acme", "gift-card")
    lines = invoke(runner, "catalog", "show", "--brand", "acme").stdout.splitlines()
    assert "Gift Card  /products/gift-card  (excluded)" in lines
    assert "ステッカーパック (5枚)  /products/sticker-pack" in lines
    shown = json.loads(invoke(runner, "catalog", "show", "--brand", "acme", "--json").stdout)
    flags = {p["handle"]: p["excluded"] for p in shown["products"]}
    assert flags["gift-card"] is True and flags["sticker-pack"] is False


@pytest.mark.parametrize("command", ["exclude", "include"])
def test_unknown_handles_are_one_line_and_nothing_changes(synced, runner, command):
    if command == "include":
        invoke(runner, "catalog", "exclude", "--brand", "acme", "gift-card")
    before = excluded_handles(synced)
    result = invoke(
        runner, "catalog", command, "--brand", "acme", "gift-card", "no-such", "sticker-pak"
    )
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        "Error: acme has no product with handle 'no-such', 'sticker-pak'; nothing changed"
    ]
    assert excluded_handles(synced) == before


def test_exclude_needs_a_handle_and_a_known_brand(synced, runner):
    assert invoke(runner, "catalog", "exclude", "--brand", "acme").exit_code == 2
    unknown = invoke(runner, "catalog", "exclude", "--brand", "nope", "gift-card")
    assert unknown.exit_code == 1 and "unknown brand 'nope'" in unknown.stderr


def test_handles_are_scoped_to_the_brand(synced, runner):
    with synced.app_context():
        other = make_brand("other-co")
        make_product(other, "only-elsewhere")
    result = invoke(runner, "catalog", "exclude", "--brand", "acme", "only-elsewhere")
    assert result.exit_code == 1 and "'only-elsewhere'" in result.stderr
    assert excluded_handles(synced, "other-co") == []


def test_a_sync_keeps_the_flag(synced, runner):
    invoke(runner, "catalog", "exclude", "--brand", "acme", "gift-card")
    with synced.app_context():
        report = sync_catalog(find_brand("acme"), str(FEED_FILE))
        session.commit()
    assert report.updated == 5
    assert excluded_handles(synced) == ["gift-card"]


# --- the catalog API ---------------------------------------------------------------------


@pytest.fixture
def shop(app):
    """A brand with a 150.00 limit, products in several states, and a link."""
    with app.app_context():
        brand = make_brand("acme", max_value="150.00", max_items=3)
        link, token = make_link(brand, make_influencer())
        products = {
            "tee": make_product(brand, "tee", prices=(2500,)),
            # Cheapest *available* variant is 200.00: over the limit.
            "coat": make_product(
                brand, "coat", prices=(9900, 20000), sizes=("S", "M"), available=(False, True)
            ),
            # One available variant within the limit: requestable.
            "boots": make_product(
                brand, "boots", prices=(20000, 15000), sizes=("40", "41"), available=(True, True)
            ),
            "gone": make_product(brand, "gone", prices=(1000, 1200), available=(False, False)),
            "secret": make_product(brand, "secret", prices=(1000,)),
        }
        products["secret"].excluded = True
        session.commit()
        return {"brand": brand, "token": token, "origin": brand.allowed_origins[0], **products}


def catalog(client, shop):
    response = client.get(
        "/v1/catalog?brand=acme",
        headers={"Authorization": f"Bearer {shop['token']}", "Origin": shop["origin"]},
    )
    assert response.status_code == 200, response.json
    return {p["handle"]: p for p in response.json["products"]}


def test_catalog_omits_excluded_and_sold_out_products(client, shop):
    products = catalog(client, shop)
    assert sorted(products) == ["boots", "coat", "tee"]
    # A sold-out variant of a listed product stays listed, marked, for bags that hold it.
    assert [(v["title"], v["available"]) for v in products["coat"]["variants"]] == [
        ("S", False),
        ("M", True),
    ]


def test_over_limit_follows_the_cheapest_available_variant(client, shop, app):
    products = catalog(client, shop)
    assert {h: p["over_limit"] for h, p in products.items()} == {
        "tee": False,
        "coat": True,  # 99.00 is sold out; 200.00 > 150.00
        "boots": False,  # 150.00 is not over 150.00
    }
    with app.app_context():
        find_brand("acme").max_value_minor = 30000
        session.commit()
    assert catalog(client, shop)["coat"]["over_limit"] is False


def test_including_a_product_again_brings_its_dot_back(client, shop, runner):
    assert "secret" not in catalog(client, shop)
    assert invoke(runner, "catalog", "include", "--brand", "acme", "secret").exit_code == 0
    assert "secret" in catalog(client, shop)


def test_requests_for_excluded_products_are_refused_per_item(client, shop, app):
    with app.app_context():
        tee, secret = (session.get(Product, shop[h].id) for h in ("tee", "secret"))
        data = request_body(shop["brand"], [tee.variants[0], secret.variants[0]])
        data["proposal"]["publish_on"] = data["proposal"]["publish_on"].isoformat()
    response = client.post(
        "/v1/requests",
        json=data,
        headers={"Authorization": f"Bearer {shop['token']}", "Origin": PANEL_ORIGIN},
    )
    assert response.status_code == 422
    assert response.json["error"] == "validation_failed"
    assert response.json["errors"] == {
        "items.1.variant_id": ["Secret is not offered for requests."]
    }


# --- the migration ---------------------------------------------------------------------------


def test_products_from_before_the_migration_stay_offered(empty_app):  # noqa: F811
    """0005 adds ``excluded`` as false to existing rows (and nullable new columns)."""
    from sqlalchemy import text

    from tests.test_migrations import run
    from widget_server.db import engine

    run(empty_app, "db", "upgrade", "0004")
    now = "2026-11-01 10:00:00"
    with empty_app.app_context(), engine().begin() as connection:
        connection.execute(
            text(
                "INSERT INTO brand (id, slug, name, allowed_origins, notify_email, currency,"
                " expiry_days, max_items, max_value_minor, created_at) VALUES (1, 'acme', 'Acme',"
                " '[\"https://acme.example\"]', 't@acme.example', 'USD', 9, 3, 30000, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO product (id, brand_id, store_id, handle, title, description_html,"
                " url, option_names, active, synced_at) VALUES (1, 1, '1', 'tee', 'Tee', '',"
                " 'https://acme.example/products/tee', '[]', :yes, :now)"
            ),
            {"now": now, "yes": True},
        )
    run(empty_app, "db", "upgrade")
    with empty_app.app_context():
        product = session.get(Product, 1)
        assert product.excluded is False and product.handle == "tee"
    run(empty_app, "db", "downgrade", "0004")
    run(empty_app, "db", "upgrade")
