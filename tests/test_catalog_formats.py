"""Catalog sync from WooCommerce, Google Merchant Center and CSV feeds, end to end."""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select

from tests.factories import make_brand
from tests.test_catalog_sync import products_by_store_id, snapshot
from widget_server import clock
from widget_server.brands.services import find_brand
from widget_server.catalog.feed import FeedError
from widget_server.catalog.formats import detect, google
from widget_server.catalog.formats.common import split_price
from widget_server.catalog.lookup import lookup
from widget_server.catalog.models import Variant
from widget_server.db import session

FEEDS = Path(__file__).parent / "feeds"
WOO = FEEDS / "woocommerce_products.json"
WOO_VARIATIONS = FEEDS / "woocommerce_variations.json"
GOOGLE_FILES = ["google_feed.xml", "google_feed.atom.xml", "google_feed.tsv"]


@pytest.fixture
def acme(app):
    with app.app_context():
        make_brand("acme")
    return "acme"


def sync_cli(runner, source, *extra):
    result = runner.invoke(
        args=["catalog", "sync", "--brand", "acme", "--from", str(source), *extra]
    )
    return result


def ok(runner, source, *extra):
    result = sync_cli(runner, source, *extra)
    assert result.exit_code == 0, result.output + str(result.stderr)
    return result


def refused(runner, source, *fragments):
    result = sync_cli(runner, source)
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.strip().splitlines()
    for fragment in fragments:
        assert fragment in line, line
    return line


# --- WooCommerce ------------------------------------------------------------------


def test_woocommerce_file_keeps_urls_ids_entities_and_stock(app, runner, acme, tmp_path):
    feed = [*json.loads(WOO.read_text()), *json.loads(WOO_VARIATIONS.read_text())]
    path = tmp_path / "woo.json"
    path.write_text(json.dumps(feed, ensure_ascii=False), encoding="utf-8")
    assert "Synced 3 products (5 variants)" in ok(runner, path).output
    products = products_by_store_id(app)
    tee, mug, bag = products["101"], products["102"], products["103"]
    assert tee[3:5] == ("camiseta-maca", "Camiseta Maçã – Algodão")
    assert tee[9] == "https://loja-aurora.example/produto/camiseta-maca/"
    assert tee[10] == ["Cor", "Tamanho"]
    variants = {v[1]: v for v in tee[13]}
    assert variants["111"][2:6] == ("Verde Maçã / P", "CAM-MACA-VP", ["Verde Maçã", "P"], 2900)
    assert variants["112"][5] == 3200 and variants["112"][8] is False  # its own price and stock
    assert mug[4] == "Caneca “Café & Leite”"
    assert mug[8] == "https://loja-aurora.example/wp-content/uploads/2026/03/caneca.jpg"
    assert [v[1:3] for v in mug[13]] == [("102", "Default Title")]
    assert bag[8] is None and bag[13][0][8] is False  # no image; sold out


def test_woocommerce_page_alone_uses_the_product_price_for_variations(app, runner, acme):
    ok(runner, WOO, "--format", "woocommerce")
    tee = products_by_store_id(app)["101"]
    assert [(v[1], v[5], v[8]) for v in tee[13]] == [
        ("111", 2900, True),
        ("112", 2900, True),
        ("113", 2900, True),
    ]


@pytest.fixture
def woo_store(monkeypatch):
    """A local WooCommerce Store API, paged by ``per_page``/``page`` with ``X-WP-TotalPages``."""
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    products = json.loads(WOO.read_text())
    variations = json.loads(WOO_VARIATIONS.read_text())
    extra = [
        {**products[1], "id": 900 + n, "slug": f"extra-{n}", "name": f"Extra {n}",
         "permalink": f"https://loja-aurora.example/produto/extra-{n}/"}
        for n in range(150)
    ]  # fmt: skip
    state = SimpleNamespace(products=[*products, *extra], variations=variations, requests=[])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state.requests.append(self.path)
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query))
            if parts.path != "/wp-json/wc/store/v1/products":
                self.send_error(404)
                return
            items = state.variations if query.get("type") == "variation" else state.products
            per_page, page = int(query.get("per_page", 10)), int(query.get("page", 1))
            body = json.dumps(items[(page - 1) * per_page : page * per_page]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("X-WP-Total", str(len(items)))
            self.send_header("X-WP-TotalPages", str(-(-len(items) // per_page)))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/wp-json/wc/store/v1/products"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


def test_woocommerce_store_api_over_http_follows_every_page(app, runner, acme, woo_store):
    result = ok(runner, woo_store.url)  # auto-detected by its path
    assert "Synced 153 products (155 variants) from 3 page(s)" in result.output
    assert woo_store.requests == [
        "/wp-json/wc/store/v1/products?per_page=100&page=1",
        "/wp-json/wc/store/v1/products?per_page=100&page=2",
        "/wp-json/wc/store/v1/products?type=variation&per_page=100&page=1",
    ]
    products = products_by_store_id(app)
    assert {v[1]: v[5] for v in products["101"][13]} == {"111": 2900, "112": 3200, "113": 3200}
    before = snapshot(app)
    ok(runner, woo_store.url)
    assert snapshot(app) == before


# --- Google Merchant Center --------------------------------------------------------


@pytest.mark.parametrize("name", GOOGLE_FILES)
def test_google_feeds_group_variants_by_item_group_id(app, runner, acme, name):
    assert "Synced 2 products (4 variants)" in ok(runner, FEEDS / name).output
    products = products_by_store_id(app)
    shirt, candle = products["MLB-1001"], products["MLB-2040"]
    assert shirt[3:5] == ("chemise-elodie-lin", "Chemise Élodie en lin")
    assert shirt[5] == "Lin lavé & boutons en nacre. <b>Fait main</b>."
    assert shirt[6:8] == ("Maison Lumière", "Femme > Chemises")
    assert shirt[9] == "https://maison-lumiere.example/chemise-elodie-lin.html"
    assert shirt[10] == ["Size", "Color", "Material"]
    variants = {v[1]: v for v in shirt[13]}
    # 89.00 USD, on sale at 69.00: what the store charges now
    assert variants["MLB-1001-S"][2:6] == ("S / Bleu / Lin", "ELO-BL-S", ["S", "Bleu", "Lin"], 6900)
    assert variants["MLB-1001-M"][8] is False  # out_of_stock
    assert variants["MLB-1001-L-ROSE"][8] is True  # backorder can still be sent
    assert variants["MLB-1001-L-ROSE"][6].endswith("chemise-rose.jpg")
    assert candle[4] == "Bougie « Figue & Cèdre »"
    assert [(v[1], v[2], v[3], v[5]) for v in candle[13]] == [
        ("MLB-2040", "Default Title", "3760123456789", 3250)
    ]


def test_the_three_google_forms_give_the_same_catalog(app, runner, acme):
    ok(runner, FEEDS / GOOGLE_FILES[0])
    first = snapshot(app)
    for name in GOOGLE_FILES[1:]:
        ok(runner, FEEDS / name)
        assert snapshot(app) == first


#: A PrestaShop feed as its Google modules write it: one item per combination, each
#: linking to its combination's own page (``{id}-{combination}-{rewrite}.html``).
PRESTASHOP_ITEM = """<item><g:id>3-{c}</g:id><g:item_group_id>3</g:item_group_id>
<g:title>Mountain fox sweater - {size}</g:title><g:price>29.00 USD</g:price>
<g:availability>in_stock</g:availability><g:size>{size}</g:size><g:mpn>demo_{c}</g:mpn>
<g:link>https://store.test/en/men/3-{c}-mountain-fox-sweater.html#/{c}-size-{size}</g:link>
</item>"""
PRESTASHOP_FEED = (
    '<?xml version="1.0"?><rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'
    + "".join(PRESTASHOP_ITEM.format(c=c, size=size) for c, size in ((12, "s"), (13, "m")))
    + """<item><g:id>7</g:id><g:title>Mug</g:title><g:price>11.90 USD</g:price>
<g:availability>in_stock</g:availability>
<g:link>https://store.test/en/home/7-mug-the-best-is-yet-to-come.html</g:link></item>"""
    + "</channel></rss>"
)


def test_each_variant_page_of_a_feed_names_its_product(app, runner, acme, tmp_path):
    """A PrestaShop listing links a product's default combination, which need not be
    the first item of its group: every item's own page is kept beside its variant
    (the first one's is the product's URL), so a key of any of them names the
    product. Pages that only differ from the product's by a query are not kept."""
    feed = tmp_path / "prestashop.xml"
    feed.write_text(PRESTASHOP_FEED)
    ok(runner, feed)
    keys = [
        "u:/en/men/3-12-mountain-fox-sweater",  # the product's own URL (its first item)
        "u:/en/men/3-13-mountain-fox-sweater",  # the second combination's page
        "u:/en/men/3-99-mountain-fox-sweater",  # no such combination
        "u:/en/home/7-mug-the-best-is-yet-to-come",
    ]
    with app.app_context():
        brand = find_brand("acme")
        found = lookup(brand, keys)
        pages = session.execute(select(Variant.store_id, Variant.url_path).order_by(Variant.id))
        assert pages.all() == [
            ("3-12", None),
            ("3-13", "/en/men/3-13-mountain-fox-sweater"),
            ("7", None),
        ]
    fox = "3-12-mountain-fox-sweater"
    assert found.matches == {
        keys[0]: fox,
        keys[1]: fox,
        keys[3]: "7-mug-the-best-is-yet-to-come",
    }


def test_a_tab_separated_feed_may_name_attributes_as_spreadsheets_do(app, runner, acme, tmp_path):
    """Feeds kept in a spreadsheet head their columns "item group id", "Image Link"."""
    text = (FEEDS / "google_feed.tsv").read_text(encoding="utf-8-sig")
    header, rest = text.split("\n", 1)
    spaced = "\t".join(name.replace("_", " ").title() for name in header.split("\t"))
    assert "Item Group Id" in spaced
    (tmp_path / "sheet.tsv").write_text(spaced + "\n" + rest, encoding="utf-8")
    ok(runner, tmp_path / "sheet.tsv")
    before = snapshot(app)
    ok(runner, FEEDS / "google_feed.tsv")
    assert snapshot(app) == before


def test_a_csv_saved_with_semicolons_and_decimal_commas_reads_the_same(app, runner, acme, tmp_path):
    """Spreadsheets in most of Europe save CSV with ; between columns and 14,50 prices."""
    rows = list(csv.reader(io.StringIO((FEEDS / "catalog.csv").read_text(encoding="utf-8"))))
    price = rows[0].index("price")
    for row in rows[1:]:
        row[price] = row[price].replace(".", ",")
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    assert ";" in out.getvalue().splitlines()[0] and "14,50" in out.getvalue()
    (tmp_path / "excel.csv").write_text(out.getvalue(), encoding="utf-8-sig")
    ok(runner, tmp_path / "excel.csv")  # told apart from the other formats too
    before = snapshot(app)
    ok(runner, FEEDS / "catalog.csv", "--format", "csv")
    assert snapshot(app) == before


def test_products_whose_pages_are_a_script_keep_their_query_and_their_own_handle():
    """OpenCart without SEO URLs links every product to index.php?…&product_id=N: the
    query is what names the page, and the handle comes from the item, not "index.php"."""
    link = "https://s.test/index.php?route=product/product&amp;product_id={id}#reviews"
    items = "".join(
        f"<item><g:id>{n}</g:id><g:title>P{n}</g:title><g:price>9.00 USD</g:price>"
        f"<g:link>{link.format(id=n)}</g:link></item>"
        for n in (42, 43)
    )
    feed = f'<rss xmlns:g="http://base.google.com/ns/1.0"><channel>{items}</channel></rss>'
    products = google.parse(feed.encode(), "feed", "USD")
    assert [(p["handle"], p["url"]) for p in products] == [
        ("42", "https://s.test/index.php?route=product/product&product_id=42"),
        ("43", "https://s.test/index.php?route=product/product&product_id=43"),
    ]


def _sale_item(sale: str, window: str | None = None) -> bytes:
    effective = f"<g:sale_price_effective_date>{window}</g:sale_price_effective_date>"
    return (
        '<rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>T-1</g:id>'
        f"<g:title>Tee</g:title><g:price>58.00 USD</g:price><g:sale_price>{sale}</g:sale_price>"
        f"{effective if window else ''}</item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    "window, price",
    [
        (None, "39.99"),  # no window: the sale holds
        ("2026-03-01T00:00-0800/2026-03-31T23:59-0800", "39.99"),
        ("2026-03-02/2026-03-10", "39.99"),  # dates alone, UTC
        ("2026-02-01T00:00Z/2026-02-28T00:00Z", "58.00"),  # over
        ("2026-04-01T00:00+0200/2026-04-30T00:00+0200", "58.00"),  # not yet
    ],
)
def test_a_sale_price_is_the_price_while_it_holds(window, price):
    """Shopify's price and WooCommerce's prices.price are what the store charges now;
    a Google feed's g:sale_price is too, within its sale_price_effective_date."""
    with clock.frozen_at(datetime(2026, 3, 5, 12, tzinfo=UTC)):
        [product] = google.parse(_sale_item("39.99 USD", window), "feed", "USD")
    assert [variant["price"] for variant in product["variants"]] == [price]


@pytest.mark.parametrize(
    "sale, window, field",
    [
        ("39.99 USD", "2026-03-01", "g:sale_price_effective_date"),
        ("39.99 USD", "soon/later", "g:sale_price_effective_date"),
        ("39.99 EUR", None, "g:sale_price"),
        ("cheap", None, "g:sale_price"),
    ],
)
def test_a_sale_price_that_cannot_be_read_is_refused(sale, window, field):
    with pytest.raises(FeedError, match=f"item 'T-1': {field}: "):
        google.parse(_sale_item(sale, window), "feed", "USD")


SFCC_ITEM = """<item><g:id>{id}</g:id><g:item_group_id>{group}</g:item_group_id>
<g:title>{title}</g:title><g:price>58.00 USD</g:price><g:availability>in_stock</g:availability>
<g:link>https://store.test/s/RefArch/{slug}/{id}.html?lang=en_US</g:link></item>"""
SFCC_FEED = (
    '<?xml version="1.0"?><rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'
    + SFCC_ITEM.format(id="701619897401M", group="25413129M", title="Cardigan", slug="cardigan")
    + SFCC_ITEM.format(id="701619897402M", group="25413129M", title="Cardigan", slug="cardigan")
    + SFCC_ITEM.format(id="1001-2", group="1001", title="Mug", slug="mug")
    + "</channel></rss>"
)


def test_a_link_ending_in_a_products_store_id_names_it(app, runner, acme, tmp_path):
    """SFRA tiles link the master product's page (``/<name>/<master id>.html``) while
    its feeds link each variant's own page: a link's last segment names the product
    whose store id it is, case aside, when it has letters and digits. An all-digit
    segment never does (``/news/1001`` is no product's page)."""
    feed = tmp_path / "sfcc.xml"
    feed.write_text(SFCC_FEED)
    ok(runner, feed)
    keys = [
        "u:/s/refarch/cardigan/25413129m",  # the master's page: the store id
        "u:/s/refarch/cardigan/701619897402m",  # a variant's own page
        "u:/s/refarch/cardigan/99999999m",  # no such product
        "u:/news/1001",  # the mug's store id, but all digits
    ]
    with app.app_context():
        found = lookup(find_brand("acme"), keys)
    assert found.matches == {keys[0]: "701619897401M", keys[1]: "701619897401M"}


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>1</g:id>
<g:title>&lol3;</g:title><g:price>1.00 USD</g:price></item></channel></rss>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>1</g:id>
<g:title>&x;</g:title><g:price>1.00 USD</g:price></item></channel></rss>"""


@pytest.mark.parametrize("body", [BOMB, EXTERNAL], ids=["entity bomb", "external entity"])
def test_xml_with_entities_is_refused(app, runner, acme, tmp_path, body):
    path = tmp_path / "bomb.xml"
    path.write_bytes(body)
    refused(runner, path, str(path), "refused")
    assert snapshot(app) == []


# --- CSV ------------------------------------------------------------------------


def test_csv_with_the_documented_header(app, runner, acme):
    assert "Synced 2 products (3 variants)" in ok(runner, FEEDS / "catalog.csv").output
    products = products_by_store_id(app)
    poncho, coffee = products["P-500"], products["P-600"]
    assert poncho[3:5] == ("poncho-andino", 'Poncho Andino "Cóndor"')
    assert poncho[9] == "https://tienda-sol.example/productos/poncho-andino"
    assert [(v[1], v[2], v[4], v[5], v[8]) for v in poncho[13]] == [
        ("V-501", "Rojo", ["Rojo"], 12000, True),
        ("V-502", "Azul Añil", ["Azul Añil"], 12000, False),
    ]
    assert coffee[3] == "cafe-de-altura"  # from the URL
    assert [(v[1], v[2], v[5]) for v in coffee[13]] == [("P-600", "Default Title", 1450)]


# --- detection, currencies, malformed items ------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("shopify_products.json", "shopify"),
        ("woocommerce_products.json", "woocommerce"),
        ("google_feed.xml", "google"),
        ("google_feed.atom.xml", "google"),
        ("google_feed.tsv", "google"),
        ("catalog.csv", "csv"),
    ],
)
def test_auto_detection_by_content(name, expected):
    assert detect((FEEDS / name).read_bytes(), name) == expected


def test_a_forced_format_that_does_not_fit_is_an_error(app, runner, acme):
    result = sync_cli(runner, FEEDS / "catalog.csv", "--format", "woocommerce")
    assert result.exit_code == 1 and "cannot read the feed" in result.stderr


def _replace(name, old, new, tmp_path):
    text = (FEEDS / name).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


BAD = {
    "woo other currency": (
        "woocommerce_products.json",
        '"currency_code": "USD"',
        '"currency_code": "EUR"',
        ["product 101 ('camiseta-maca')", "prices.currency_code", "EUR", "USD"],
    ),
    "woo price": (
        "woocommerce_products.json",
        '"price": "1850"',
        '"price": "18.50"',
        ["product 102 ('caneca-cafe-leite')", "prices.price"],
    ),
    "woo no slug": (
        "woocommerce_products.json",
        '"slug": "sacola-linho"',
        '"slug": ""',
        ["product 103", "handle"],
    ),
    "google other currency": (
        "google_feed.xml",
        "<g:price>94.00 USD</g:price>",
        "<g:price>94.00 EUR</g:price>",
        ["item 'MLB-1001-L-ROSE'", "g:price", "EUR"],
    ),
    "google price": (
        "google_feed.xml",
        "<g:price>32.50 USD</g:price>",
        "<g:price>trente USD</g:price>",
        ["item 'MLB-2040'", "g:price"],
    ),
    "google availability": (
        "google_feed.tsv",
        "out_of_stock",
        "maybe",
        ["item 'MLB-1001-M'", "g:availability"],
    ),
    "google no id": (
        "google_feed.xml",
        "<g:id>MLB-2040</g:id>",
        "",
        ["item #4", "g:id"],
    ),
    "csv currency": (
        "catalog.csv",
        "14.50,USD",
        "14.50,MXN",
        ["line 4", "product 'P-600'", "currency", "MXN"],
    ),
    "csv price": (
        "catalog.csv",
        "14.50,USD",
        "14.505,USD",
        ["product P-600", "variants.0.price"],
    ),
    "csv available": (
        "catalog.csv",
        "USD,false",
        "USD,perhaps",
        ["line 3", "product 'P-500'", "available"],
    ),
}


@pytest.mark.parametrize("name, old, new, fragments", BAD.values(), ids=BAD.keys())
def test_malformed_items_name_item_and_field_and_write_nothing(
    app, runner, acme, tmp_path, name, old, new, fragments
):
    ok(runner, FEEDS / "shopify_products.json")
    before = snapshot(app, with_times=True)
    refused(runner, _replace(name, old, new, tmp_path), *fragments)
    assert snapshot(app, with_times=True) == before


@pytest.mark.parametrize(
    "written, amount",
    [
        ("12.99 USD", "12.99"),
        ("USD 12.99", "12.99"),
        (" 12 usd ", "12"),
        ("1,299.00 USD", "1299.00"),
        ("1,299 USD", "1299"),
        ("12,99 USD", "12.99"),
        ("USD 12,9", "12.9"),
    ],
)
def test_prices_as_feed_exports_write_them(written, amount):
    assert split_price(written, "item 'A'", "g:price") == (amount, "USD")


@pytest.mark.parametrize("written", ["12.99", "1.299,00 USD", "1,29,00 USD", "12,99", "$12.99"])
def test_prices_that_cannot_be_read_for_sure_are_refused(written):
    with pytest.raises(FeedError, match=r"item 'A': g:price: .* is not an amount and a currency"):
        split_price(written, "item 'A'", "g:price")


def test_a_feed_with_prices_written_otherwise_gives_the_same_catalog(app, runner, acme, tmp_path):
    text = (FEEDS / "google_feed.xml").read_text(encoding="utf-8")
    other = text.replace("<g:price>32.50 USD</g:price>", "<g:price>USD 32,50</g:price>")
    other = other.replace("<g:price>89.00 USD</g:price>", "<g:price>USD 89</g:price>")
    assert other.count("USD 32,50") == 1 and other.count("USD 89<") == 2
    (tmp_path / "feed.xml").write_text(other, encoding="utf-8")
    ok(runner, tmp_path / "feed.xml")
    before = snapshot(app)
    ok(runner, FEEDS / "google_feed.xml")
    assert snapshot(app) == before


@pytest.mark.parametrize("name", ["woocommerce_products.json", *GOOGLE_FILES, "catalog.csv"])
def test_a_second_sync_changes_nothing(app, runner, acme, name):
    ok(runner, FEEDS / name)
    before = snapshot(app)
    assert "0 new" in ok(runner, FEEDS / name).output
    assert snapshot(app) == before


def test_switching_format_deactivates_what_left(app, runner, acme):
    ok(runner, FEEDS / "catalog.csv")
    result = ok(runner, FEEDS / "google_feed.xml")
    assert "2 no longer in the feed" in result.output
    assert not products_by_store_id(app)["P-500"][11]


def test_detect_refuses_html_and_empty():
    with pytest.raises(FeedError, match="cannot read the feed"):
        detect(b"<!doctype html><title>Store</title>", "page.html")
    with pytest.raises(FeedError, match="empty"):
        detect(b"  \n", "empty.csv")
