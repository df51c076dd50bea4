"""The product lookup at 10,000 products: 50 keys a page, as the overlay sends them.

Goal (#9): 50 keys at 10,000 products in at most 10 ms (median) on SQLite and
PostgreSQL, flat in catalog size. Measured three ways: the lookup itself
(what the database and the shaping cost), the same with 10 products in the
full shape (a panel opening), and ``GET /v1/products`` through the WSGI app
(routing, validation, JSON and headers on top).
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import insert, select

from bench.server import median_ms
from tests.databases import reset_postgres
from widget_server import create_app
from widget_server.brands.services import create_brand, find_brand
from widget_server.catalog.keys import normalise_name, stored_url_path
from widget_server.catalog.lookup import lookup
from widget_server.catalog.models import Product, Variant
from widget_server.db import engine, session
from widget_server.migrate import upgrade
from widget_server.ratelimit import DEFAULT_LIMITS

PRODUCTS = 10_000
VARIANTS_PER_PRODUCT = 3
BATCH = 2_000


def _brand(slug: str) -> int:
    brand = create_brand(
        {
            "slug": slug,
            "name": slug.title(),
            "allowed_origins": [f"https://{slug}.example"],
            "notify_email": f"team@{slug}.example",
        }
    )
    session.commit()
    return brand.id


def seed(slug: str, total: int) -> None:
    """Bulk-insert ``total`` products (each with its variants) for a new brand ``slug``.

    Core inserts, not ORM objects: the lookup columns (``url_path``,
    ``title_key``) are computed here as the model would.
    """
    brand_id = _brand(slug)
    for start in range(0, total, BATCH):
        numbers = range(start, min(start + BATCH, total))
        rows = []
        for n in numbers:
            url = f"https://{slug}.example/shop/category-{n % 40}/item-{n}.html"
            title = f"Product number {n}"
            rows.append(
                {"brand_id": brand_id, "store_id": str(100_000 + n), "handle": f"item-{n}",
                 "title": title, "title_key": normalise_name(title), "description_html": "",
                 "url": url, "url_path": stored_url_path(url), "option_names": ["Size"],
                 "active": True, "excluded": n % 50 == 0}
            )  # fmt: skip
        session.execute(insert(Product), rows)
        ids = dict(
            session.execute(
                select(Product.handle, Product.id).where(
                    Product.brand_id == brand_id,
                    Product.handle.in_([f"item-{n}" for n in numbers]),
                )
            ).all()
        )
        session.execute(
            insert(Variant),
            [
                {"product_id": ids[f"item-{n}"], "store_id": f"{n}-{v}", "title": f"Size {v}",
                 "sku": f"SKU-{n}-{v}", "gtin": str(4_000_000_000_000 + n * 10 + v),
                 "option_values": [f"Size {v}"], "price_minor": 1_000 + n % 500 + v,
                 "position": v + 1, "available": (n + v) % 7 != 0, "active": True}
                for n in numbers
                for v in range(VARIANTS_PER_PRODUCT)
            ],
        )  # fmt: skip
        session.commit()


def page_keys(slug: str, rng: random.Random) -> list[str]:
    """50 keys like a listing page's: mostly links (some with locale prefixes), some data."""
    n = rng.sample(range(PRODUCTS), 50)
    keys = [f"u:/en-gb/shop/category-{i % 40}/item-{i}" for i in n[:20]]
    keys += [f"u:/collections/all/products/item-{i}" for i in n[20:30]]  # the handle fallback
    keys += [f"h:item-{i}" for i in n[30:38]]
    keys += [f"s:{100_000 + i}" for i in n[38:42]]
    keys += [f"s:{i}-1" for i in n[42:44]]
    keys += [f"k:SKU-{i}-0" for i in n[44:47]]
    keys += [f"g:{4_000_000_000_000 + i * 10 + 2}" for i in n[47:49]]
    keys += [f"n:product number {n[49]}"]
    return sorted(keys)


def run(database_url: str | None = None) -> dict:
    """Seed 10,000 products (and a second brand's), then time lookups of 50 keys."""
    if database_url:
        reset_postgres(database_url)
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'lookup.sqlite3'}"
        unlimited = {key: "1000000/minute" for key in DEFAULT_LIMITS}
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": tmp,
                          "TESTING": True, **unlimited})  # fmt: skip
        rng = random.Random(9)
        with app.app_context():
            upgrade()
            start = time.perf_counter()
            seed("lookup", PRODUCTS)
            seed("neighbour", PRODUCTS)  # another brand's rows in the same indexes
            seed_s = time.perf_counter() - start
            if database_url:
                with engine().begin() as connection:
                    connection.exec_driver_sql("ANALYZE")
            brand = find_brand("lookup")
            pages = [page_keys("lookup", rng) for _ in range(30)]
            matched = len(lookup(brand, pages[0]).matches)
            turn = iter(range(10**9))

            def one_page() -> None:
                lookup(brand, pages[next(turn) % len(pages)])

            def with_full() -> None:
                keys = pages[next(turn) % len(pages)]
                lookup(brand, keys, [f"item-{i}" for i in range(1, 11)])

            lookup_ms = median_ms(one_page, 60)
            full_ms = median_ms(with_full, 60)
            version = brand.lookup_version
        client = app.test_client()
        urls = [
            f"/v1/products?brand=lookup&v={version}&keys="
            + ",".join(quote(key, safe="") for key in keys)
            for keys in pages
        ]
        http_ms = median_ms(lambda: client.get(urls[next(turn) % len(urls)]), 60)
        with app.app_context():
            engine().dispose()
    return {
        "database": "postgresql" if database_url else "sqlite",
        # Medians on a shared machine: the load says how much to trust them.
        "load_average_1min": round(os.getloadavg()[0], 1),
        "products_per_brand": PRODUCTS,
        "brands": 2,
        "seed_seconds": round(seed_s, 1),
        "keys_per_lookup": 50,
        "keys_matched_of_50": matched,
        "lookup_50_keys_median_ms": lookup_ms,
        "lookup_50_keys_and_10_full_median_ms": full_ms,
        "get_products_http_median_ms": http_ms,
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(None), indent=2))
    if os.environ.get("DOTS_BENCH_DATABASE_URL"):
        print(json.dumps(run(os.environ["DOTS_BENCH_DATABASE_URL"]), indent=2))
    sys.exit(0)
