"""Catalog sync from Shopify-format feeds: files, paged URLs, idempotency, bad feeds."""

from __future__ import annotations

import copy
import json
import re
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import func, select

from tests.factories import make_brand
from widget_server import clock
from widget_server.brands.services import find_brand
from widget_server.catalog.feed import FeedError, check_products
from widget_server.catalog.models import Product, Variant
from widget_server.catalog.sync import sync_catalog
from widget_server.db import session

FEED_FILE = Path(__file__).parent / "feeds" / "shopify_products.json"
CDN = "https://cdn.shopify.com/s/files/1/0612/3456/7890/products"
JACKET, MUG, STICKERS, GIFT_CARD, TENT = (f"798123456789{n}" for n in range(5))


# --- helpers ----------------------------------------------------------------------


@pytest.fixture
def feed():
    """The realistic feed, as a dict each test may change."""
    return json.loads(FEED_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def acme(app):
    with app.app_context():
        make_brand("acme")
    return "acme"


def write_feed(tmp_path, document, name="feed.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def sync(app, source, slug="acme"):
    """Sync like the CLI does: one unit of work, committed."""
    with app.app_context():
        report = sync_catalog(find_brand(slug), str(source))
        session.commit()
        return report


def snapshot(app, with_times=False):
    """Every product and variant row, in id order (``synced_at`` on request)."""
    with app.app_context():
        rows = []
        for p in session.scalars(select(Product).order_by(Product.id)):
            variants = session.scalars(
                select(Variant).where(Variant.product_id == p.id).order_by(Variant.id)
            )
            rows.append(
                (
                    p.id,
                    p.brand_id,
                    p.store_id,
                    p.handle,
                    p.title,
                    p.description_html,
                    p.vendor,
                    p.product_type,
                    p.image_url,
                    p.url,
                    p.option_names,
                    p.active,
                    p.synced_at if with_times else None,
                    [
                        (
                            v.id,
                            v.store_id,
                            v.title,
                            v.sku,
                            v.option_values,
                            v.price_minor,
                            v.image_url,
                            v.position,
                            v.available,
                            v.active,
                        )
                        for v in variants
                    ],
                )
            )
        return rows


def products_by_store_id(app):
    return {row[2]: row for row in snapshot(app)}


def make_products(count, start=1):
    """``count`` small but valid Shopify products with big integer ids."""
    return [
        {
            "id": 9_000_000_000_000 + n,
            "handle": f"product-{n}",
            "title": f"Product {n}",
            "variants": [
                {"id": 40_000_000_000_000 + n, "title": "Default Title", "price": f"{n}.99"}
            ],
        }
        for n in range(start, start + count)
    ]


def cli(runner, *args):
    return runner.invoke(args=list(args))


# --- a realistic feed from a file ----------------------------------------------------


def test_sync_imports_every_product_and_variant_exactly(app, acme):
    report = sync(app, FEED_FILE)
    assert (report.products, report.variants, report.created, report.updated) == (5, 11, 5, 0)
    assert (report.deactivated, report.pages) == (0, 1)
    products = products_by_store_id(app)
    assert set(products) == {JACKET, MUG, STICKERS, GIFT_CARD, TENT}

    jacket = products[JACKET]
    assert jacket[3:12] == (
        "trail-runner-jacket",
        "Trail Runner Jacket — Men’s",
        "<p>Our <strong>lightest</strong> shell yet.</p>\n<ul>\n<li>Waterproof &amp; breathable"
        "</li>\n<li>Packs into its own pocket</li>\n</ul>",
        "Acme Outdoor",
        "Jackets",
        f"{CDN}/jacket-red.jpg?v=1693253524",  # position 1, protocol-relative made https
        "https://acme.example/products/trail-runner-jacket",
        ["Colour", "Size", "Fit"],
        True,
    )
    red, green = f"{CDN}/jacket-red.jpg?v=1693253524", f"{CDN}/jacket-green.jpg?v=1693253525"
    assert [v[1:] for v in jacket[13]] == [
        ("43912345678901", "Red / M / Regular", "TRJ-RED-M-R", ["Red", "M", "Regular"], 129900)
        + (red, 1, True, True),
        ("43912345678902", "Red / L / Regular", "TRJ-RED-L-R", ["Red", "L", "Regular"], 129900)
        + (red, 2, False, True),
        ("43912345678903", "Forest Green / L / Tall", "TRJ-GRN-L-T", ["Forest Green", "L", "Tall"])
        + (134950, green, 3, True, True),
    ]


def test_sync_handles_unicode_missing_images_and_empty_fields(app, acme):
    sync(app, FEED_FILE)
    products = products_by_store_id(app)
    mug, stickers = products[MUG], products[STICKERS]
    assert mug[4] == "Café crème mug ☕"
    assert "<script>" in mug[5]  # stored as given; pages escape it when they show it
    assert mug[8] is None  # "images": []
    assert [v[1:6] for v in mug[13]] == [
        ("43912345678910", "Default Title", None, ["Default Title"], 1200)
    ]
    assert stickers[4] == "ステッカーパック (5枚)"
    assert (stickers[5], stickers[8]) == ("", None)  # body_html null, no "images" key
    assert [(v[3], v[4], v[5]) for v in stickers[13]] == [
        ("STK-S", ["Small"], 50),
        (None, ["Large"], 200),
    ]


@pytest.mark.parametrize(
    "store_id, prices",
    [
        (JACKET, [129900, 129900, 134950]),
        (MUG, [1200]),
        (STICKERS, [50, 200]),
        (GIFT_CARD, [2500, 5000, 10000]),
        (TENT, [44999, 48999]),
    ],
)
def test_sync_prices_in_minor_units(app, acme, store_id, prices):
    sync(app, FEED_FILE)
    assert [v[5] for v in products_by_store_id(app)[store_id][13]] == prices


def test_big_integer_ids_are_kept_exactly(app, acme, tmp_path):
    product = make_products(1)[0]
    product["id"] = 2**63 - 1
    product["variants"][0]["id"] = 2**53 + 1  # not representable as a float
    sync(app, write_feed(tmp_path, {"products": [product]}))
    (row,) = snapshot(app)
    assert row[2] == "9223372036854775807"
    assert row[13][0][1] == "9007199254740993"


def test_string_ids_from_non_shopify_exports(app, acme, tmp_path):
    product = {
        "id": "SKU-BOX-1",
        "handle": "box",
        "title": "Box",
        "variants": [{"id": "box-small", "title": "Small", "price": 3.5}],
    }
    sync(app, write_feed(tmp_path, {"products": [product]}))
    (row,) = snapshot(app)
    assert (row[2], row[13][0][1], row[13][0][5]) == ("SKU-BOX-1", "box-small", 350)


def test_second_sync_changes_nothing(app, acme, frozen_clock):
    sync(app, FEED_FILE)
    before = snapshot(app)
    with clock.frozen_at(frozen_clock + timedelta(hours=1)):
        report = sync(app, FEED_FILE)
    assert (report.created, report.updated, report.deactivated) == (0, 5, 0)
    assert snapshot(app) == before
    with app.app_context():
        assert session.scalar(select(func.count()).select_from(Product)) == 5
        assert session.scalar(select(func.count()).select_from(Variant)) == 11
        synced = set(session.scalars(select(Product.synced_at)))
    assert synced == {frozen_clock + timedelta(hours=1)}


def test_changes_in_the_feed_update_the_same_rows(app, acme, feed, tmp_path):
    sync(app, FEED_FILE)
    ids = {row[2]: (row[0], [v[0] for v in row[13]]) for row in snapshot(app)}
    tent = feed["products"][4]
    tent["title"] = "Ultralight Tent 2P (2026)"
    tent["variants"][0]["price"] = "399.00"
    tent["variants"][1]["available"] = True
    sync(app, write_feed(tmp_path, feed))
    row = products_by_store_id(app)[TENT]
    assert (row[0], [v[0] for v in row[13]]) == ids[TENT]
    assert row[4] == "Ultralight Tent 2P (2026)"
    assert [(v[5], v[8]) for v in row[13]] == [(39900, True), (48999, True)]


def test_products_of_two_brands_do_not_mix(app, acme):
    with app.app_context():
        make_brand("globex")
    sync(app, FEED_FILE)
    sync(app, FEED_FILE, slug="globex")
    rows = snapshot(app)
    assert len(rows) == 10
    assert len({row[1] for row in rows}) == 2
    urls = {row[9] for row in rows if row[2] == JACKET}
    assert urls == {
        "https://acme.example/products/trail-runner-jacket",
        "https://globex.example/products/trail-runner-jacket",
    }


# --- handles: one per product ----------------------------------------------------------


ID = 9_000_000_000_000  # make_products' ids: ID + n


def shared_handle_feed(order):
    """Products whose handles clash (a Google feed derives them from each link's last
    segment: /men/basic-tee and /women/basic-tee), in the given order of ``n``s."""
    handles = {1: "basic-tee", 2: "Basic-Tee", 3: "basic-tee", 4: f"basic-tee-{ID + 3}"}
    products = {p["id"] - ID: p for p in make_products(4)}
    for n, handle in handles.items():
        products[n]["handle"] = handle
    return {"products": [products[n] for n in order]}


def test_products_sharing_a_handle_each_get_their_own_and_keep_it(
    app, runner, acme, tmp_path, frozen_clock
):
    """Two products with one handle would be one product to the overlay (its dot, the
    bag, the statuses): a click on one could request the other."""
    result = cli(
        runner, "catalog", "sync", "--brand", "acme", "--from",
        write_feed(tmp_path, shared_handle_feed([1, 2, 3, 4])),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    handles = {row[2]: row[3] for row in snapshot(app)}
    assert handles == {
        f"{ID + 1}": "basic-tee",  # the first in the feed keeps it
        f"{ID + 2}": f"Basic-Tee-{ID + 2}",  # case does not tell handles apart
        f"{ID + 3}": f"basic-tee-{ID + 3}-2",  # its own was another product's handle
        f"{ID + 4}": f"basic-tee-{ID + 3}",
    }
    assert len({handle.lower() for handle in handles.values()}) == 4
    assert (
        "2 product(s) had a handle another product of the feed had (each product needs its "
        f"own, for its dot): {ID + 2} as 'Basic-Tee-{ID + 2}', {ID + 3} as 'basic-tee-{ID + 3}-2'."
    ) in result.stdout

    # In another order, every product keeps the handle it has: the one that had the
    # shared handle still has it, whatever comes first now.
    with clock.frozen_at(frozen_clock + timedelta(hours=1)):
        report = sync(app, write_feed(tmp_path, shared_handle_feed([3, 2, 4, 1])))
    assert {row[2]: row[3] for row in snapshot(app)} == handles
    assert report.changed == 0


# --- products and variants that leave the feed -----------------------------------------


def test_removed_product_becomes_inactive_and_comes_back(app, acme, feed, tmp_path):
    sync(app, FEED_FILE)
    mug_id = products_by_store_id(app)[MUG][0]
    without_mug = {"products": [p for p in feed["products"] if str(p["id"]) != MUG]}

    report = sync(app, write_feed(tmp_path, without_mug))
    assert (report.products, report.deactivated) == (4, 1)
    products = products_by_store_id(app)
    assert len(products) == 5  # never deleted
    assert products[MUG][0] == mug_id and products[MUG][11] is False
    assert all(row[11] for key, row in products.items() if key != MUG)

    assert sync(app, write_feed(tmp_path, without_mug)).deactivated == 0  # counted once

    report = sync(app, FEED_FILE)
    assert (report.created, report.deactivated) == (0, 0)
    products = products_by_store_id(app)
    assert products[MUG][0] == mug_id and products[MUG][11] is True


def test_removed_variant_becomes_inactive_and_comes_back(app, acme, feed, tmp_path):
    sync(app, FEED_FILE)
    jacket = next(p for p in feed["products"] if str(p["id"]) == JACKET)
    del jacket["variants"][1]
    sync(app, write_feed(tmp_path, feed))
    variants = products_by_store_id(app)[JACKET][13]
    assert [(v[1], v[9]) for v in variants] == [
        ("43912345678901", True),
        ("43912345678902", False),
        ("43912345678903", True),
    ]
    sync(app, FEED_FILE)
    assert all(v[9] for v in products_by_store_id(app)[JACKET][13])


def test_catalog_show_hides_inactive_products_unless_asked(app, runner, acme, feed, tmp_path):
    sync(app, FEED_FILE)
    sync(app, write_feed(tmp_path, {"products": feed["products"][:2]}))
    shown = json.loads(runner.invoke(args=["catalog", "show", "--brand", "acme", "--json"]).stdout)
    assert {p["store_id"] for p in shown["products"]} == {JACKET, MUG}
    everything = runner.invoke(args=["catalog", "show", "--brand", "acme", "--json", "--all"])
    assert len(json.loads(everything.stdout)["products"]) == 5


# --- the CLI ----------------------------------------------------------------------------


def test_cli_sync_and_show(runner, acme):
    result = cli(runner, "catalog", "sync", "--brand", "acme", "--from", str(FEED_FILE))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "Synced 5 products (11 variants) from 1 page(s): 5 new, 0 updated, 0 no longer in the feed."
    )
    again = cli(runner, "catalog", "sync", "--brand", "acme", "--from", str(FEED_FILE))
    assert "0 new, 5 updated, 0 no longer in the feed" in again.stdout

    shown = cli(runner, "catalog", "show", "--brand", "acme", "--json")
    assert shown.exit_code == 0, shown.output
    catalog = json.loads(shown.stdout)
    assert (catalog["brand"], catalog["currency"]) == ("acme", "USD")
    titles = [p["title"] for p in catalog["products"]]
    assert titles == sorted(titles)
    jacket = next(p for p in catalog["products"] if p["store_id"] == JACKET)
    assert jacket["handle"] == "trail-runner-jacket"
    assert jacket["url"] == "https://acme.example/products/trail-runner-jacket"
    assert jacket["option_names"] == ["Colour", "Size", "Fit"]
    assert [(v["store_id"], v["price_minor"], v["available"]) for v in jacket["variants"]] == [
        ("43912345678901", 129900, True),
        ("43912345678902", 129900, False),
        ("43912345678903", 134950, True),
    ]
    assert sum(len(p["variants"]) for p in catalog["products"]) == 11


def test_cli_show_as_text(runner, acme):
    cli(runner, "catalog", "sync", "--brand", "acme", "--from", str(FEED_FILE))
    text = cli(runner, "catalog", "show", "--brand", "acme").stdout
    assert "Trail Runner Jacket — Men’s  /products/trail-runner-jacket" in text
    assert "1,299.00 USD" in text and "1,349.50 USD" in text and "0.50 USD" in text
    assert "sold out" in text


# --- currencies and exact prices ------------------------------------------------------------


def _product(price):
    return {
        "id": 1,
        "handle": "p",
        "title": "P",
        "variants": [{"id": 2, "title": "V", "price": price}],
    }


@pytest.mark.parametrize(
    "currency, price, minor",
    [
        ("USD", "1299.00", 129900),
        ("USD", "0.50", 50),
        ("USD", "12", 1200),
        ("USD", "12.5", 1250),
        ("USD", "0", 0),
        ("USD", " 19.99 ", 1999),
        ("USD", 19.99, 1999),
        ("USD", 7, 700),
        ("EUR", "1234567.89", 123456789),
        ("JPY", "1500", 1500),
        ("JPY", "1500.00", 1500),
        ("KWD", "1.250", 1250),
    ],
)
def test_feed_prices_are_exact(currency, price, minor):
    (product,) = check_products([_product(price)], currency)
    assert product["variants"][0]["price_minor"] == minor


@pytest.mark.parametrize(
    "currency, price, reason",
    [
        ("USD", "12.345", "more decimals"),
        ("USD", "0.001", "more decimals"),
        ("JPY", "1500.5", "more decimals"),
        ("USD", "abc", "not a decimal"),
        ("USD", "", "not a decimal"),
        ("USD", "-1", "non-negative"),
        ("USD", "NaN", "non-negative"),
        ("USD", "Infinity", "non-negative"),
        ("USD", True, "not a decimal"),
        ("USD", None, "null"),
        ("USD", "99999999999.00", "too large"),
    ],
)
def test_feed_prices_that_are_errors(currency, price, reason):
    with pytest.raises(FeedError) as error:
        check_products([_product(price)], currency)
    assert "product 1 ('p')" in str(error.value)
    assert "variants.0.price" in str(error.value)
    assert reason in str(error.value)


def test_jpy_brand_sync(app, tmp_path):
    with app.app_context():
        make_brand("nihon", currency="JPY")
    product = {
        "id": 1,
        "handle": "furoshiki",
        "title": "風呂敷",
        "variants": [{"id": 2, "title": "Indigo", "price": "1500"}],
    }
    sync(app, write_feed(tmp_path, {"products": [product]}), slug="nihon")
    assert snapshot(app)[0][13][0][5] == 1500
    product["variants"][0]["price"] = "1500.50"
    with pytest.raises(FeedError, match=r"variants\.0\.price: .*more decimals than JPY"):
        sync(app, write_feed(tmp_path, {"products": [product]}), slug="nihon")


# --- malformed feeds: an error naming product and field, and nothing written ------------------


def _set(path, value):
    def change(feed):
        target = feed
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return feed

    return change


_DELETE = object()


def _duplicate_product(feed):
    copy_ = copy.deepcopy(feed["products"][0])
    copy_["handle"] = "trail-runner-jacket-copy"
    feed["products"].append(copy_)
    return feed


def _duplicate_variant(feed):
    variants = feed["products"][0]["variants"]
    variants[1]["id"] = variants[0]["id"]
    return feed


BAD_FEEDS = {
    "no products key": (lambda f: {"items": f["products"]}, ['no "products" list']),
    "products is an object": (lambda f: {"products": {"a": 1}}, ['"products" list']),
    "product not an object": (
        _set(("products", 2), "sticker-pack"),
        ["product #3", "not an object"],
    ),
    "product without variants": (
        _set(("products", 1, "variants"), []),
        [f"product {MUG} ('cafe-creme-mug')", "variants", "at least one variant"],
    ),
    "product variants missing": (
        _set(("products", 1, "variants"), _DELETE),
        [f"product {MUG}", "variants", "Missing data"],
    ),
    "variant without price": (
        _set(("products", 0, "variants", 2, "price"), _DELETE),
        [f"product {JACKET} ('trail-runner-jacket')", "variants.2.price", "Missing data"],
    ),
    "price abc": (
        _set(("products", 3, "variants", 1, "price"), "abc"),
        [f"product {GIFT_CARD} ('gift-card')", "variants.1.price", "'abc'"],
    ),
    "price -1": (
        _set(("products", 4, "variants", 0, "price"), "-1"),
        [f"product {TENT}", "variants.0.price", "'-1'"],
    ),
    "price with too many decimals": (
        _set(("products", 2, "variants", 0, "price"), "12.345"),
        [f"product {STICKERS}", "variants.0.price", "more decimals"],
    ),
    "variant not an object": (
        _set(("products", 0, "variants", 0), 5),
        [f"product {JACKET}", "variants.0"],
    ),
    "variant without id": (
        _set(("products", 0, "variants", 1, "id"), _DELETE),
        [f"product {JACKET}", "variants.1.id"],
    ),
    "duplicate variant id": (_duplicate_variant, [f"product {JACKET}", "variants.1.id", "twice"]),
    "duplicate product id": (_duplicate_product, [f"product {JACKET}", "twice"]),
    "product without id": (
        _set(("products", 4, "id"), _DELETE),
        ["product ? ('ultralight-tent-2p')", "id: Missing data"],
    ),
    "boolean product id": (_set(("products", 1, "id"), True), ["cafe-creme-mug", "id:"]),
    "product id too long": (_set(("products", 1, "id"), "x" * 65), ["cafe-creme-mug", "id:", "64"]),
    "product without handle": (
        _set(("products", 4, "handle"), _DELETE),
        [f"product {TENT}", "handle: Missing data"],
    ),
    "empty title": (_set(("products", 4, "title"), ""), [f"product {TENT}", "title"]),
    "image without src": (
        _set(("products", 0, "images", 0, "src"), _DELETE),
        [f"product {JACKET}", "images.0.src"],
    ),
    "sku too long": (
        _set(("products", 0, "variants", 0, "sku"), "S" * 300),
        [f"product {JACKET}", "variants.0.sku"],
    ),
}


@pytest.mark.parametrize("change, fragments", BAD_FEEDS.values(), ids=BAD_FEEDS.keys())
def test_malformed_feed_names_product_and_field_and_writes_nothing(
    app, runner, acme, feed, tmp_path, frozen_clock, change, fragments
):
    sync(app, FEED_FILE)
    before = snapshot(app, with_times=True)
    # Good changes before the bad part: a half-written sync would show them.
    feed["products"][0]["title"] = "Renamed jacket"
    feed["products"].append(make_products(1)[0])
    path = write_feed(tmp_path, change(feed), "bad.json")

    with clock.frozen_at(frozen_clock + timedelta(hours=1)):
        with pytest.raises(FeedError) as error, app.app_context():
            sync_catalog(find_brand("acme"), path)
        result = cli(runner, "catalog", "sync", "--brand", "acme", "--from", path)

    for fragment in fragments:
        assert fragment in str(error.value)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    (line,) = result.stderr.strip().splitlines()
    assert all(fragment in line for fragment in fragments), line
    assert snapshot(app, with_times=True) == before


BAD_FILES = {
    "invalid JSON": (b'{"products": [', "cannot read the feed"),
    "not UTF-8": (b'{"products": ["\xff\xfe"]}', "cannot read the feed"),
    "empty file": (b"", "cannot read the feed"),
    "a list at the top": (b"[]", 'no "products" list'),
    "HTML": (b"<!doctype html><title>Store</title>", "cannot read the feed"),
}


@pytest.mark.parametrize("content, reason", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_unreadable_feed_file(app, runner, acme, tmp_path, content, reason):
    sync(app, FEED_FILE)
    before = snapshot(app, with_times=True)
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(FeedError, match=reason), app.app_context():
        sync_catalog(find_brand("acme"), str(path))
    result = cli(runner, "catalog", "sync", "--brand", "acme", "--from", str(path))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert str(path) in result.stderr and reason in result.stderr
    assert snapshot(app, with_times=True) == before


@pytest.mark.parametrize("name", ["missing.json", "a-directory"])
def test_missing_feed_file(app, runner, acme, tmp_path, name):
    (tmp_path / "a-directory").mkdir()
    path = str(tmp_path / name)
    with pytest.raises(FeedError, match=re.escape(path)), app.app_context():
        sync_catalog(find_brand("acme"), path)
    result = cli(runner, "catalog", "sync", "--brand", "acme", "--from", path)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert path in result.stderr and "Traceback" not in result.output
    assert snapshot(app) == []


# --- feeds served over HTTP, page by page -------------------------------------------------


@pytest.fixture
def store(monkeypatch):
    """A local Shopify-like store serving ``/products.json?limit=N&page=N``."""
    for name in (
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    state = SimpleNamespace(
        products=[], requests=[], status=200, raw=None, bad_page=None, ignore_page=False
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state.requests.append(self.path)
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query))
            if parts.path != "/products.json":
                self.send_error(404)
                return
            if state.status != 200:
                self.send_error(state.status)
                return
            limit, page = int(query.get("limit", 30)), int(query.get("page", 1))
            if state.ignore_page:
                page = 1
            products = state.products[(page - 1) * limit : page * limit]
            if page == state.bad_page:
                products = [*products[:-1], {"id": 1, "handle": "broken", "title": "Broken"}]
            body = state.raw or json.dumps({"products": products}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


def _pages(*numbers):
    return [f"/products.json?limit=250&page={n}" for n in numbers]


@pytest.mark.parametrize(
    "count, requested, pages",
    [(600, (1, 2, 3), 3), (500, (1, 2, 3), 2), (250, (1, 2), 1), (3, (1,), 1)],
)
def test_sync_from_a_url_follows_every_page(app, acme, store, count, requested, pages):
    store.products = make_products(count)
    report = sync(app, store.url)
    assert store.requests == _pages(*requested)
    assert (report.products, report.variants, report.created, report.pages) == (
        count,
        count,
        count,
        pages,
    )
    rows = snapshot(app)
    assert len(rows) == count
    assert {row[2] for row in rows} == {str(p["id"]) for p in store.products}
    last = max(rows, key=lambda row: int(row[2]))
    assert last[9] == f"{store.url}/products/product-{count}"
    assert last[13][0][5] == count * 100 + 99


def test_a_store_that_ignores_the_page_parameter_does_not_loop(app, acme, store):
    store.products = make_products(300)
    store.ignore_page = True
    report = sync(app, store.url)
    assert store.requests == _pages(1, 2)
    assert report.products == 250


@pytest.mark.parametrize(
    "suffix", ["", "/", "/products.json", "/products.json?limit=10&page=7", "/products.json?x=1"]
)
def test_store_and_feed_urls_are_both_accepted(app, acme, store, suffix):
    store.products = make_products(260)
    report = sync(app, store.url + suffix)
    assert report.products == 260
    assert [urlsplit(path).path for path in store.requests] == ["/products.json"] * 2
    assert [dict(parse_qsl(urlsplit(path).query)) for path in store.requests] == [
        {**({"x": "1"} if "x=1" in suffix else {}), "limit": "250", "page": str(n)} for n in (1, 2)
    ]


def test_sync_of_the_realistic_feed_over_http_matches_the_file(app, acme, feed, store):
    store.products = feed["products"]
    sync(app, store.url)
    from_url = [row[:9] + row[10:] for row in snapshot(app)]
    assert len(from_url) == 5
    assert all(row[9].startswith(store.url + "/products/") for row in snapshot(app))
    sync(app, FEED_FILE)  # same products, now from the file: only the URLs differ
    assert [row[:9] + row[10:] for row in snapshot(app)] == from_url


def test_url_sync_is_idempotent(app, acme, store):
    store.products = make_products(300)
    sync(app, store.url)
    before = snapshot(app)
    report = sync(app, store.url)
    assert (report.created, report.updated, report.deactivated) == (0, 300, 0)
    assert snapshot(app) == before


def test_product_missing_from_a_later_page_becomes_inactive(app, acme, store):
    store.products = make_products(300)
    sync(app, store.url)
    removed = store.products.pop(270)
    report = sync(app, store.url)
    assert report.deactivated == 1
    inactive = [row[2] for row in snapshot(app) if not row[11]]
    assert inactive == [str(removed["id"])]


@pytest.mark.parametrize(
    "status, raw, bad_page, reason",
    [
        (500, None, None, "HTTP 500"),
        (404, None, None, "HTTP 404"),
        (200, b"<html>not a feed</html>", None, "not JSON"),
        (200, b'{"shop": "acme"}', None, 'no "products" list'),
        (200, None, 2, "product 1 ('broken'): variants: Missing data"),
    ],
    ids=["http 500", "http 404", "html", "no products", "bad product on page 2"],
)
def test_url_errors_write_nothing(app, runner, acme, store, status, raw, bad_page, reason):
    store.products = make_products(300)
    sync(app, store.url)
    before = snapshot(app, with_times=True)
    store.products = make_products(300, start=1000)  # all new: a half-write would show
    store.status, store.raw, store.bad_page = status, raw, bad_page
    with pytest.raises(FeedError, match=re.escape(reason)), app.app_context():
        sync_catalog(find_brand("acme"), store.url)
    result = cli(runner, "catalog", "sync", "--brand", "acme", "--from", store.url)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    (line,) = result.stderr.strip().splitlines()
    assert reason in line
    assert snapshot(app, with_times=True) == before


def test_unreachable_store(app, runner, acme, store):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again at once: nobody listens there
    url = f"http://127.0.0.1:{port}/products.json"
    result = cli(runner, "catalog", "sync", "--brand", "acme", "--from", url)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "cannot reach the store" in result.stderr
    assert snapshot(app) == []
