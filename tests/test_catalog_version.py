"""The brand's catalog version: moved on by every change the lookup would answer differently.

It keys the lookup's HTTP caches (``GET /v1/products``), so a sync that
changes nothing must leave it alone, and any real change must move it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.factories import make_brand
from widget_server.brands.services import find_brand
from widget_server.catalog.lookup import lookup
from widget_server.catalog.models import Product, Variant
from widget_server.catalog.services import set_excluded
from widget_server.catalog.sync import sync_catalog
from widget_server.db import session

FEEDS = Path(__file__).parent / "feeds"
SHOPIFY = json.loads((FEEDS / "shopify_products.json").read_text(encoding="utf-8"))


@pytest.fixture
def acme(app):
    with app.app_context():
        make_brand("acme")


def sync(app, tmp_path, document=None, source=None, slug="acme"):
    if source is None:
        source = tmp_path / "feed.json"
        source.write_text(json.dumps(document), encoding="utf-8")
    with app.app_context():
        report = sync_catalog(find_brand(slug), str(source))
        session.commit()
        return report


def version(app, slug="acme"):
    with app.app_context():
        return find_brand(slug).catalog_version


def test_a_new_brand_is_at_version_1(app, acme):
    assert version(app) == 1


def test_a_sync_that_adds_moves_the_version_and_a_repeat_does_not(app, acme, tmp_path):
    report = sync(app, tmp_path, SHOPIFY)
    assert report.created and version(app) == 2
    again = sync(app, tmp_path, SHOPIFY)
    assert again.changed == 0 and again.created == 0 and again.deactivated == 0
    assert version(app) == 2


@pytest.mark.parametrize(
    "change",
    [
        lambda feed: feed["products"][0]["variants"][0].update(price="1.00"),
        lambda feed: feed["products"][0]["variants"][0].update(available=False),
        lambda feed: feed["products"][0].update(title="A new title"),
        lambda feed: feed["products"][0]["variants"][0].update(barcode="0012345678905"),
        lambda feed: feed["products"][0]["variants"].pop(),
        lambda feed: feed["products"].pop(),
    ],
    ids=["price", "stock", "title", "barcode", "variant-gone", "product-gone"],
)
def test_a_sync_that_changes_anything_moves_the_version(app, acme, tmp_path, change):
    sync(app, tmp_path, SHOPIFY)
    changed = copy.deepcopy(SHOPIFY)
    change(changed)
    sync(app, tmp_path, changed)
    assert version(app) == 3


def test_exclude_and_include_move_the_version_only_when_something_changed(app, acme, tmp_path):
    sync(app, tmp_path, SHOPIFY)
    handle = SHOPIFY["products"][0]["handle"]
    with app.app_context():
        brand = find_brand("acme")
        assert set_excluded(brand, [handle], True).changed == [handle]
        session.commit()
    assert version(app) == 3
    with app.app_context():
        assert set_excluded(find_brand("acme"), [handle], True).changed == []
        session.commit()
    assert version(app) == 3
    with app.app_context():
        set_excluded(find_brand("acme"), [handle], False)
        session.commit()
    assert version(app) == 4


def test_another_brands_sync_leaves_this_version_alone(app, acme, tmp_path):
    with app.app_context():
        make_brand("globex")
    sync(app, tmp_path, SHOPIFY, slug="globex")
    assert version(app, "globex") == 2 and version(app) == 1


def test_the_lookup_answers_the_version_with_the_value_limit(client, app, acme, tmp_path):
    sync(app, tmp_path, SHOPIFY)
    response = client.get("/v1/products?brand=acme&keys=h:x")
    with app.app_context():
        limit = find_brand("acme").max_value_minor
    assert response.get_json()["catalog_version"] == f"2-{limit}"


def test_shopify_url_path_and_barcode_are_stored(app, acme, tmp_path):
    feed = copy.deepcopy(SHOPIFY)
    first = feed["products"][0]
    first["variants"][0]["barcode"] = "0 0012-3456 7890 5"
    sync(app, tmp_path, feed)
    with app.app_context():
        product = session.scalar(select(Product).where(Product.handle == first["handle"]))
        assert product.url_path == f"/products/{first['handle']}"
        variant = session.scalar(
            select(Variant).where(Variant.store_id == str(first["variants"][0]["id"]))
        )
        assert variant.gtin == "12345678905"
        found = lookup(find_brand("acme"), ["g:12345678905", f"u:/en/products/{first['handle']}"])
        assert found.matches == {
            "g:12345678905": first["handle"],
            f"u:/en/products/{first['handle']}": first["handle"],
        }


def test_google_gtin_and_csv_gtin_are_stored(app, acme, tmp_path):
    with app.app_context():
        make_brand("maison")
    sync(app, tmp_path, source=FEEDS / "google_feed.xml", slug="maison")
    csv = tmp_path / "catalog.csv"
    csv.write_text(
        "product_id,title,url,price,sku,gtin\n"
        "P1,Mug,https://acme.example/shop/mug.html,12.00,MUG-1,0-0401234-567893\n",
        encoding="utf-8",
    )
    sync(app, tmp_path, source=csv)
    with app.app_context():
        assert session.scalar(select(Variant.gtin).where(Variant.store_id == "MLB-2040")) == (
            "3760123456789"
        )
        mug = session.scalar(select(Product).where(Product.store_id == "P1"))
        assert mug.url_path == "/shop/mug" and mug.variants[0].gtin == "401234567893"
