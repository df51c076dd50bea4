"""Tests of the Northwind Supply demo store (the fake brand site the overlay is tested on)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from demo_store import create_app, views
from demo_store.catalog import format_money, make_catalog, plain_text, slugify
from demo_store.images import product_svg

WIDGET_URL = "http://widget.test:9999"
BRAND = "acme-outdoors"
SCRIPT_TAG = f'<script async src="{WIDGET_URL}/v1/dots.js" data-brand="{BRAND}"'
HTML_PAGES = [
    "/",
    "/collections/all",
    "/products/cafe-creme-hoodie",
    "/spa",
    "/spa/tops",
    "/spa/accessories",
    "/infinite",
    "/tagged",
    "/hostile",
    "/csp",
    "/double",
]
CARD_RE = re.compile(
    r'<div class="card"><a href="/products/(?P<handle>[a-z0-9-]+)">'
    r'(?:<img src="(?P<src>[^"]+)" alt="(?P<alt>[^"]+)"(?P<lazy> loading="lazy")?>'
    r'|<div class="card-placeholder"[^>]*><span>[^<]*</span></div>)</a>'
    r'<h3><a href="/products/(?P=handle)">(?P<title>[^<]+)</a></h3>'
    r'<p class="price">(?P<price>\$[0-9,]+\.[0-9]{2})</p></div>'
)


# Named store_* so they do not shadow the widget server's app/client fixtures in conftest.
@pytest.fixture
def store_app() -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DEMO_STORE_WIDGET_URL": WIDGET_URL + "/",  # trailing slash must be dropped
            "DEMO_STORE_BRAND": BRAND,
            "DEMO_STORE_PRODUCT_COUNT": 24,
        }
    )


@pytest.fixture
def store(store_app: Flask) -> FlaskClient:
    return store_app.test_client()


def feed(store: FlaskClient, query: str = "") -> list[dict[str, Any]]:
    response = store.get(f"/products.json{query}")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == ["products"]
    return body["products"]


def html(store: FlaskClient, path: str) -> str:
    response = store.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


# --- catalog ---------------------------------------------------------------------------------


def test_catalog_is_deterministic_and_prefix_stable() -> None:
    assert make_catalog(24) == make_catalog(24)
    assert make_catalog(300)[:24] == make_catalog(24)
    assert [p["id"] for p in make_catalog(3)] == [7000000000, 7000000001, 7000000002]


def test_large_catalog_has_unique_handles_and_titles() -> None:
    products = make_catalog(300)
    assert len(products) == 300
    assert len({p["handle"] for p in products}) == 300
    assert len({p["title"] for p in products}) == 300
    assert len({p["id"] for p in products}) == 300
    variant_ids = [v["id"] for p in products for v in p["variants"]]
    assert len(variant_ids) == len(set(variant_ids))
    for p in products:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", p["handle"]), p["handle"]


def test_catalog_covers_the_awkward_cases() -> None:
    products = make_catalog(24)
    titles = {p["title"] for p in products}
    assert {"Café Crème Hoodie", "Ærø Wool Scarf"} <= titles
    assert any(not p["images"] for p in products)
    assert any(not v["available"] for p in products for v in p["variants"])
    assert any(v["compare_at_price"] for p in products for v in p["variants"])
    prices = {v["price"] for p in products for v in p["variants"]}
    assert {"12.50", "1299.00"} <= prices
    single = [p for p in products if len(p["variants"]) == 1]
    assert single and single[0]["options"] == [
        {"name": "Title", "position": 1, "values": ["Default Title"]}
    ]
    assert single[0]["variants"][0]["title"] == "Default Title"


def test_make_catalog_prefixes_base_url_without_touching_the_cache() -> None:
    absolute = make_catalog(1, "http://shop.example/")
    assert absolute[0]["images"][0]["src"] == "http://shop.example/images/everyday-organic-tee.svg"
    absolute[0]["title"] = "mutated"
    assert make_catalog(1)[0]["title"] == "Everyday Organic Tee"
    assert make_catalog(1)[0]["images"][0]["src"] == "/images/everyday-organic-tee.svg"


def test_helpers() -> None:
    assert slugify("Ærø Wool Scarf") == "aero-wool-scarf"
    assert slugify("Café Crème Hoodie") == "cafe-creme-hoodie"
    assert plain_text("<p>Soft &amp; <strong>warm</strong></p><ul><li>x</li></ul>") == (
        "Soft & warm x"
    )
    assert format_money("1299.00") == "$1,299.00"
    assert format_money("12.5") == "$12.50"


# --- products.json ---------------------------------------------------------------------------


def test_products_json_shape(store: FlaskClient) -> None:
    products = feed(store, "?limit=250")
    assert len(products) == 24
    iso = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
    for p in products:
        assert isinstance(p["id"], int) and p["id"] >= 7_000_000_000
        assert isinstance(p["title"], str) and p["title"]
        assert isinstance(p["body_html"], str) and "<p>" in p["body_html"]
        assert p["vendor"] == "Northwind Supply"
        assert p["product_type"]
        assert iso.fullmatch(p["created_at"]) and iso.fullmatch(p["updated_at"])
        assert p["updated_at"] > p["created_at"]
        for image in p["images"]:
            assert set(image) >= {"id", "src", "position", "width", "height"}
            assert image["src"] == f"http://localhost/images/{p['handle']}.svg"
            assert (image["position"], image["width"], image["height"]) == (1, 800, 1000)
        assert [o["position"] for o in p["options"]] == list(range(1, len(p["options"]) + 1))
        for option in p["options"]:
            assert option["name"] in {"Size", "Colour", "Title"}
            assert option["values"] and all(isinstance(v, str) for v in option["values"])
        assert p["variants"]
        for position, v in enumerate(p["variants"], start=1):
            assert v["product_id"] == p["id"]
            assert v["position"] == position
            assert isinstance(v["available"], bool)
            assert re.fullmatch(r"\d+\.\d\d", v["price"]), v["price"]
            assert v["compare_at_price"] is None or Decimal(v["compare_at_price"]) > Decimal(
                v["price"]
            )
            assert v["sku"].startswith("NW-")
            values = [v["option1"], v["option2"], v["option3"]][: len(p["options"])]
            assert v["title"] == " / ".join(values)
            for value, option in zip(values, p["options"], strict=True):
                assert value in option["values"]
    hoodie = next(p for p in products if p["handle"] == "cafe-creme-hoodie")
    assert hoodie["title"] == "Café Crème Hoodie"
    assert [o["name"] for o in hoodie["options"]] == ["Size", "Colour"]
    assert hoodie["variants"][0]["title"] == "XS / Oat"


def test_products_json_is_raw_utf8(store: FlaskClient) -> None:
    assert "Café Crème Hoodie" in store.get("/products.json").get_data(as_text=True)


def test_products_json_pagination(store: FlaskClient) -> None:
    assert len(feed(store)) == 24  # default limit 30 > 24 products
    everything = [p["handle"] for p in feed(store, "?limit=250")]
    pages = [[p["handle"] for p in feed(store, f"?limit=10&page={n}")] for n in (1, 2, 3)]
    assert [len(page) for page in pages] == [10, 10, 4]
    assert sum(pages, []) == everything
    assert feed(store, "?limit=10&page=4") == []
    assert feed(store, "?limit=8&page=99") == []
    assert [p["handle"] for p in feed(store, "?limit=5&page=0")] == everything[:5]  # page >= 1
    assert [p["handle"] for p in feed(store, "?limit=junk")] == everything  # default limit


def test_products_json_limit_capped_at_250() -> None:
    big = create_app({"TESTING": True, "DEMO_STORE_PRODUCT_COUNT": 300}).test_client()
    assert len(feed(big)) == 30
    assert len(feed(big, "?limit=1000")) == 250
    assert len(feed(big, "?limit=250&page=2")) == 50
    assert len(feed(big, "?limit=0")) == 1


# --- HTML pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", HTML_PAGES)
def test_pages_embed_widget_script_once(store: FlaskClient, path: str) -> None:
    page = html(store, path)
    expected = 2 if path == "/double" else 1
    assert page.count(SCRIPT_TAG) == expected
    assert page.count("/v1/dots.js") == expected
    head = page.split("</head>", 1)[0]
    assert SCRIPT_TAG in head
    assert "127.0.0.1:5000" not in page  # the default host never leaks past config


def test_exact_script_tag_as_pasted(store: FlaskClient) -> None:
    assert f"{SCRIPT_TAG}></script>" in html(store, "/")


def test_config_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_STORE_WIDGET_URL", "https://dots.example")
    monkeypatch.setenv("DEMO_STORE_BRAND", "env-brand")
    monkeypatch.setenv("DEMO_STORE_PRODUCT_COUNT", "5")
    client = create_app().test_client()
    page = client.get("/").get_data(as_text=True)
    assert '<script async src="https://dots.example/v1/dots.js" data-brand="env-brand">' in page
    assert len(CARD_RE.findall(page)) == 5
    # Explicit config beats the environment.
    client = create_app({"DEMO_STORE_BRAND": "cfg"}).test_client()
    assert 'data-brand="cfg"' in client.get("/").get_data(as_text=True)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DEMO_STORE_WIDGET_URL", "DEMO_STORE_BRAND", "DEMO_STORE_PRODUCT_COUNT"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    assert app.config["DEMO_STORE_WIDGET_URL"] == "http://127.0.0.1:5000"
    assert app.config["DEMO_STORE_BRAND"] == "demo"
    assert app.config["DEMO_STORE_PRODUCT_COUNT"] == 24


@pytest.mark.parametrize("path", ["/", "/collections/all", "/csp", "/double", "/hostile"])
def test_collection_cards_follow_shopify_markup(store: FlaskClient, path: str) -> None:
    page = html(store, path)
    cards = list(CARD_RE.finditer(page))
    assert page.count('<div class="card">') == len(cards) == 24
    products = {p["handle"]: p for p in feed(store, "?limit=250")}
    assert [c["handle"] for c in cards] == list(products)
    for card in cards:
        product = products[card["handle"]]
        assert card["title"] == str(escape(product["title"]))
        lowest = min((v["price"] for v in product["variants"]), key=Decimal)
        assert card["price"] == format_money(lowest)
        if product["images"]:
            assert card["src"] == product["images"][0]["src"]
            assert card["alt"] == card["title"]
        else:
            assert card["src"] is None
    # As Dawn's cards: the first row's images load at once, the rest lazily.
    assert [bool(c["lazy"]) for c in cards if c["src"]] == [
        i >= 4 for i, c in enumerate(cards) if c["src"]
    ]
    assert "Café Crème Hoodie" in page
    assert '<p class="price">$1,299.00</p>' in page


def test_count_query_overrides_products_shown(store: FlaskClient) -> None:
    cards = CARD_RE.findall(html(store, "/collections/all?count=200"))
    assert len(cards) == 200
    assert len({c[0] for c in cards}) == 200
    assert len(CARD_RE.findall(html(store, "/?count=3"))) == 3
    assert len(CARD_RE.findall(html(store, "/?count=nonsense"))) == 24
    # Products beyond the configured count still resolve (they are linked from ?count=200).
    last = cards[-1][0]
    assert store.get(f"/products/{last}").status_code == 200
    assert store.get(f"/images/{last}.svg").status_code == 200


def test_product_page(store: FlaskClient) -> None:
    page = html(store, "/products/cafe-creme-hoodie")
    assert '<h1 class="product-title">Café Crème Hoodie</h1>' in page
    assert '<img class="product-image" src="http://localhost/images/cafe-creme-hoodie.svg"' in page
    assert "<strong>Made in" in page  # body_html rendered as HTML, not escaped
    assert '<select id="option-1" name="options[Size]"' in page
    assert '<select id="option-2" name="options[Colour]"' in page
    assert '<option value="Oat" selected>Oat</option>' in page
    assert ">Add to cart</button>" in page


def ld_json(page: str) -> dict[str, Any]:
    blocks = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_product_json_ld_matches_variants(store: FlaskClient) -> None:
    product = next(p for p in feed(store, "?limit=250") if p["handle"] == "harbour-rain-jacket")
    ld = ld_json(html(store, "/products/harbour-rain-jacket"))
    assert ld["@context"] == "https://schema.org"
    assert ld["@type"] == "Product"
    assert ld["name"] == "Harbour Rain Jacket"
    assert ld["sku"] == product["variants"][0]["sku"]
    assert ld["image"] == [f"http://localhost/images/{product['handle']}.svg"]
    assert ld["url"] == "http://localhost/products/harbour-rain-jacket"
    assert "<" not in ld["description"] and "&amp;" not in ld["description"]
    assert "Made in" in ld["description"]
    offers = ld["offers"]
    assert len(offers) == len(product["variants"])
    for offer, variant in zip(offers, product["variants"], strict=True):
        assert offer["@type"] == "Offer"
        assert offer["price"] == variant["price"]
        assert offer["sku"] == variant["sku"]
        assert offer["priceCurrency"] == "USD"
        expected = "InStock" if variant["available"] else "OutOfStock"
        assert offer["availability"] == f"https://schema.org/{expected}"
    # XL costs more on jackets, so not every offer has the same price.
    assert len({offer["price"] for offer in offers}) > 1


def test_sold_out_and_imageless_products(store: FlaskClient) -> None:
    page = html(store, "/products/zurich-fleece-hoodie")
    ld = ld_json(page)
    assert {o["availability"] for o in ld["offers"]} == {"https://schema.org/OutOfStock"}
    assert "disabled>Sold out</button>" in page
    page = html(store, "/products/gift-card-sleeve")
    assert "image" not in ld_json(page)
    assert 'class="product-image"' not in page
    assert "<select" not in page  # a one-variant product has no option selects
    assert store.get("/images/gift-card-sleeve.svg").status_code == 404


def test_json_ld_cannot_break_out_of_its_script(
    store: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Title and description are store data: the product page's JSON-LD block keeps a
    "</script>" in them inside the block, as JSON, and the page never runs it."""
    original = views.find_product
    payload = '</script><script>window.pwned=1</script><img src=x onerror="pwned=1">'

    def hostile(handle: str, base_url: str = "") -> dict[str, Any] | None:
        product = original(handle, base_url)
        if product is not None and handle == "harbour-rain-jacket":
            product = {
                **product,
                "title": "Jacket " + payload,
                # Escaped in the HTML; plain_text() unescapes it into the description.
                "body_html": "<p>Waxed " + str(escape(payload)) + " cotton</p>",
            }
        return product

    monkeypatch.setattr(views, "find_product", hostile)
    page = html(store, "/products/harbour-rain-jacket")
    ld = ld_json(page)  # exactly one block, and it parses
    assert ld["name"] == "Jacket " + payload
    assert ld["description"] == "Waxed " + payload + " cotton"
    assert "<script>window.pwned" not in page and "<img src=x" not in page


def test_variant_query_selects_variant(store: FlaskClient) -> None:
    product = next(p for p in feed(store) if p["handle"] == "everyday-organic-tee")
    variant = product["variants"][6]
    page = html(store, f"/products/everyday-organic-tee?variant={variant['id']}")
    assert f'<option value="{variant["option1"]}" selected>' in page
    assert f'name="id" id="variant-id" value="{variant["id"]}"' in page


def test_unknown_product_is_404(store: FlaskClient) -> None:
    response = store.get("/products/no-such-thing")
    assert response.status_code == 404
    assert "find that page" in response.get_data(as_text=True)
    assert store.get("/images/no-such-thing.svg").status_code == 404
    assert store.get("/spa/nonsense").status_code == 404


def test_product_image_svg(store: FlaskClient) -> None:
    response = store.get("/images/cafe-creme-hoodie.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    svg = response.get_data(as_text=True)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="1000"')
    assert svg.endswith("</svg>")
    assert "#d8c7a8" in svg  # drawn in the product's colour (Oat)
    assert store.get("/images/cafe-creme-hoodie.svg").get_data(as_text=True) == svg
    assert svg != store.get("/images/aero-wool-scarf.svg").get_data(as_text=True)


def test_every_image_is_well_formed_xml(store: FlaskClient) -> None:
    shapes = set()
    for product in make_catalog(40):
        if product["images"]:
            svg = store.get(f"/images/{product['handle']}.svg").get_data(as_text=True)
            root = ElementTree.fromstring(svg)
            assert root.tag == "{http://www.w3.org/2000/svg}svg"
            shapes.add(svg.split("<g ", 1)[1][:200])
    assert len(shapes) > 10
    assert product_svg("x", "unknown-shape", "#123456") == product_svg("x", "tee", "#123456")


# --- page variants -----------------------------------------------------------------------------


def csp_nonce(response: Any) -> tuple[str, str]:
    policy = response.headers["Content-Security-Policy"]
    match = re.search(r"script-src 'nonce-([A-Za-z0-9_-]+)' ", policy)
    assert match, policy
    return policy, match.group(1)


def test_csp_header_and_nonces(store: FlaskClient) -> None:
    first, second = store.get("/csp"), store.get("/csp")
    policy, nonce = csp_nonce(first)
    _, other_nonce = csp_nonce(second)
    assert nonce != other_nonce and len(nonce) >= 16
    assert policy == (
        f"script-src 'nonce-{nonce}' {WIDGET_URL}; "
        f"style-src 'self' 'nonce-{nonce}'; "
        f"img-src 'self' data: {WIDGET_URL}; "
        f"connect-src {WIDGET_URL}; "
        f"frame-src {WIDGET_URL}"
    )
    page = first.get_data(as_text=True)
    assert f'{SCRIPT_TAG} nonce="{nonce}"></script>' in page
    # Every inline script and style carries the nonce; no inline style attributes.
    tags = re.findall(r"<(script|style)\b([^>]*)>", page)
    assert tags
    for _name, attrs in tags:
        assert f'nonce="{nonce}"' in attrs
    assert " style=" not in page
    assert other_nonce not in page
    assert "Content-Security-Policy" not in store.get("/").headers


def test_double_has_two_script_tags(store: FlaskClient) -> None:
    page = html(store, "/double")
    assert page.count(f"{SCRIPT_TAG}></script>") == 2


def test_tagged_page_has_no_product_links(store: FlaskClient) -> None:
    page = html(store, "/tagged")
    assert "/products/" not in page
    tiles = re.findall(r'<div class="look" data-dots-product="([a-z0-9-]+)">\s*<img src=', page)
    with_images = [p["handle"] for p in feed(store) if p["images"]]
    assert tiles == with_images
    assert len(tiles) == 23


def test_hostile_page_css(store: FlaskClient) -> None:
    page = html(store, "/hostile")
    assert "* { all: unset; }" in page
    assert "!important" in page
    assert page.count("z-index: 2147483647") >= 2
    assert "store.css" not in page


def test_spa_and_infinite_pages(store: FlaskClient) -> None:
    spa = html(store, "/spa/tops")
    for label, href in (
        ("Tops", "/spa/tops"),
        ("Accessories", "/spa/accessories"),
        ("All", "/spa"),
    ):
        assert re.search(rf'<a href="{href}" data-spa-link[^>]*>{label}</a>', spa)
    assert 'data-category="tops"' in spa
    assert '<div class="grid" id="spa-grid"' in spa

    page = html(store, "/infinite")
    assert len(CARD_RE.findall(page)) == 8
    assert 'data-page-size="8" data-next-page="2"' in page
    # The feed pages the script walks through: 8, 8, 8, then empty. What the scripts
    # do with these pages is checked in a browser (tests/e2e/test_demo_store_scripts.py).
    assert [len(feed(store, f"?limit=8&page={n}")) for n in (1, 2, 3, 4)] == [8, 8, 8, 0]


def test_static_assets(store: FlaskClient) -> None:
    for name in ("store.css", "cards.js", "spa.js", "infinite.js", "product.js", "favicon.svg"):
        assert store.get(f"/static/{name}").status_code == 200, name
    favicon = store.get("/favicon.ico")
    assert favicon.status_code == 200 and favicon.mimetype == "image/svg+xml"
