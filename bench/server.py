"""Server-side benchmarks: the review page, summary and creator history at 100,000 requests,
the sweeper."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from tqdm import tqdm

from tests.databases import reset_postgres
from widget_server import clock, create_app
from widget_server.brands.services import add_brand_user, create_brand
from widget_server.catalog.models import Product, Variant
from widget_server.db import engine, session
from widget_server.influencers.models import Influencer, SocialHandle
from widget_server.migrate import upgrade
from widget_server.product_requests.expiry import sweep
from widget_server.product_requests.models import ProductRequest, RequestEvent, RequestItem
from widget_server.ratings.models import Rating
from widget_server.review import queries

PASSWORD = "benchmark-password"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def median_ms(run: Any, repeat: int) -> float:
    """Median wall time of ``run()`` in milliseconds (one warm-up run first)."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def seed(total: int, pending_due: int) -> int:
    """Bulk-insert ``total`` requests for one brand; ``pending_due`` of them overdue."""
    brand = create_brand(
        {
            "slug": "bench",
            "name": "Bench Co",
            "allowed_origins": ["https://bench.example"],
            "notify_email": "team@bench.example",
        }
    )
    add_brand_user(brand, "team@bench.example", PASSWORD)
    products = [
        Product(
            brand_id=brand.id, store_id=str(i), handle=f"p{i}", title=f"Product {i}",
            url=f"https://bench.example/products/p{i}", option_names=["Size"],
            variants=[Variant(store_id=f"v{i}", title="M", option_values=["M"],
                              price_minor=1000 + i)],
        )
        for i in range(50)
    ]  # fmt: skip
    influencers = [
        Influencer(
            name=f"Creator {i}", email=f"c{i}@bench.example", country="US",
            handles=[SocialHandle(platform="instagram", handle=f"c{i}", followers=1000 * i)],
        )
        for i in range(500)
    ]  # fmt: skip
    session.add_all(products + influencers)
    session.commit()
    rng = random.Random(7)
    statuses = ["approved", "denied", "expired", "pending"]
    batch = 5_000
    for start in tqdm(range(0, total, batch), desc="Seeding requests", unit=" batch"):
        rows, items, events, ratings = [], [], [], []
        for n in range(start, min(start + batch, total)):
            due = n < pending_due
            status = "pending" if due else rng.choice(statuses)
            submitted = NOW - timedelta(
                days=30 if due else rng.randint(0, 8 if status == "pending" else 400)
            )
            rows.append(
                {
                    "id": n + 1, "brand_id": brand.id, "influencer_id": influencers[n % 500].id,
                    "status": status, "submitted_at": submitted,
                    "expires_at": submitted + timedelta(days=9),
                    "decided_at": None if status == "pending" else submitted + timedelta(days=1),
                    "currency": "USD", "total_minor": 1000 + n % 50,
                    "proposal": {"content_types": ["reel"], "platforms": ["instagram"],
                                 "publish_on": "2026-07-01", "message": "Hello", "links": []},
                    "shipping_address": {"name": "A", "line1": "1 St", "city": "X",
                                         "postal_code": "1", "country": "US"},
                }
            )  # fmt: skip
            product = products[n % 50]
            items.append(
                {
                    "request_id": n + 1, "influencer_id": influencers[n % 500].id,
                    "product_id": product.id, "variant_id": product.variants[0].id,
                    "product_handle": product.handle, "product_title": product.title,
                    "variant_title": "M", "quantity": 1, "unit_price_minor": 1000 + n % 50,
                    "pending_claim": None,
                }
            )  # fmt: skip
            events.append(
                {
                    "request_id": n + 1,
                    "kind": "submitted",
                    "actor": "bench",
                    "created_at": submitted,
                }
            )
            if status == "approved" and n % 3 == 0:  # the brand rated a third of them
                ratings.append(
                    {"request_id": n + 1, "side": "brand", "stars": 1 + n % 5,
                     "actor": "bench", "created_at": submitted}
                )  # fmt: skip
        session.execute(insert(ProductRequest), rows)
        # render_nulls: a NULL claim must stay NULL (the ORM would apply the default).
        session.execute(insert(RequestItem).execution_options(render_nulls=True), items)
        session.execute(insert(RequestEvent), events)
        if ratings:
            session.execute(insert(Rating), ratings)
        session.commit()
    return brand.id


def run(database_url: str | None = None, total: int = 100_000, due: int = 10_000) -> dict:
    """Seed, then time the page, the summary and the sweeper."""
    if database_url:
        reset_postgres(database_url)
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": tmp,
                          "TESTING": True})  # fmt: skip
        with clock.frozen_at(NOW):
            with app.app_context():
                upgrade()
                brand_id = seed(total, due)
            # Each page load gets its own app context and session, as in production.
            client = app.test_client()
            login = client.get("/review/login").get_data(as_text=True)
            token = login.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
            credentials = {"email": "team@bench.example", "password": PASSWORD}
            client.post("/review/login", data={**credentials, "csrf_token": token})
            page_ms = median_ms(lambda: client.get("/review/"), 15)
            archive_ms = median_ms(lambda: client.get("/review/archive?status=approved"), 15)
            with app.app_context():
                summary_ms = median_ms(lambda: queries.summary(brand_id), 15)
                # A pending page's worth of creators (50), each with ~200 requests here.
                creators = set(range(1, 51))
                history_ms = median_ms(lambda: queries.track_records(brand_id, creators), 15)
                start = time.perf_counter()
                expired = sweep()
                sweep_s = time.perf_counter() - start
                again = sweep()
                count = session.scalar(select(func.count(ProductRequest.id)))
                engine().dispose()
    return {
        "database": "postgresql" if database_url else "sqlite",
        "requests_in_db": count,
        "review_page_median_ms": page_ms,
        "archive_page_median_ms": archive_ms,
        "summary_query_median_ms": summary_ms,
        "track_records_50_creators_median_ms": history_ms,
        "sweeper_expired": expired,
        "sweeper_seconds": round(sweep_s, 2),
        "sweeper_requests_per_second": round(expired / sweep_s) if sweep_s else None,
        "second_sweep_expired": again,
    }
