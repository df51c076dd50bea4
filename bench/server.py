"""Server-side benchmarks: the review pages, summary and creator history at 100,000 and
1,000,000 requests, the sweeper.

Seeding a million requests takes minutes, so each size is seeded once and kept:
SQLite in ``bench/.data/review-<size>.sqlite3``, PostgreSQL in a schema
``review_<size>`` of the ``DOTS_BENCH_DATABASE_URL`` database. A rerun finds
it and only measures; the sweeper's work is put back afterwards so the next
run starts from the same data. ``--fresh`` seeds again.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from tqdm import tqdm

from widget_server import clock, create_app
from widget_server.brands.models import Brand
from widget_server.brands.services import add_brand_user, create_brand
from widget_server.catalog.models import Product, Variant
from widget_server.db import engine, make_engine, session
from widget_server.influencers.models import Influencer, SocialHandle
from widget_server.migrate import upgrade
from widget_server.notifications.models import OutboxMessage
from widget_server.product_requests.counters import rebuild
from widget_server.product_requests.expiry import sweep
from widget_server.product_requests.models import ProductRequest, RequestEvent, RequestItem
from widget_server.ratings.models import Rating
from widget_server.review import queries

PASSWORD = "benchmark-password"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
#: Where seeded SQLite databases are kept between runs (git-ignored).
DATA = Path(__file__).parent / ".data"


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
    """Bulk-insert ``total`` requests for one brand; ``pending_due`` of them overdue.

    One influencer per 200 requests (500 at least): history grows with more
    creators, not with one creator asking 2,000 times. The counters are then
    recounted as the migration does for a database with history.
    """
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
        for i in range(max(500, total // 200))
    ]  # fmt: skip
    session.add_all(products + influencers)
    session.commit()
    rng = random.Random(7)
    statuses = ["approved", "denied", "expired", "pending"]
    batch = 10_000
    people = len(influencers)
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
                    "id": n + 1, "brand_id": brand.id, "influencer_id": influencers[n % people].id,
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
                    "request_id": n + 1, "influencer_id": influencers[n % people].id,
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
    rebuild(brand.id)
    session.commit()
    _settle()
    return brand.id


def _settle() -> None:
    """Leave the tables as a database that has lived a while has them (autovacuum's work):
    the planners know them, and PostgreSQL's index-only scans skip the heap."""
    if session.get_bind().dialect.name == "postgresql":
        with engine().connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE")
            )
    else:
        session.execute(text("ANALYZE"))
        session.commit()


def _unsweep(brand_id: int, due: int) -> None:
    """Put back what the sweeper changed (the first ``due`` requests, seeded overdue), so the
    seeded database can be measured again."""
    swept = ProductRequest.id <= due
    session.execute(update(ProductRequest).where(swept).values(status="pending", decided_at=None))
    session.execute(
        delete(RequestEvent).where(RequestEvent.request_id <= due, RequestEvent.kind == "expired")
    )
    session.execute(delete(OutboxMessage).where(OutboxMessage.request_id <= due))
    rebuild(brand_id)
    session.commit()
    _settle()


def _database(database_url: str | None, total: int) -> str:
    """The URL of the kept database (or schema) for ``total`` requests."""
    if database_url is None:
        DATA.mkdir(exist_ok=True)
        return f"sqlite:///{DATA / f'review-{total}.sqlite3'}"
    schema = f"review_{total}"
    separator = "&" if "?" in database_url else "?"
    return f"{database_url}{separator}options={quote(f'-csearch_path={schema}')}"


def _reset(url: str, total: int) -> None:
    """Empty the kept database for ``total`` (a new file, a new schema)."""
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    pg = make_engine(url)
    with pg.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS review_{total} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA review_{total}"))
    pg.dispose()


def _seeded_brand(total: int) -> int | None:
    """The bench brand's id when the database holds exactly the seeded requests."""
    try:
        brand_id = session.scalar(select(Brand.id).where(Brand.slug == "bench"))
        count = session.scalar(select(func.count(ProductRequest.id)))
    except DBAPIError:
        session.rollback()
        return None
    return brand_id if count == total else None


def run(
    database_url: str | None = None, total: int = 100_000, due: int = 10_000, fresh: bool = False
) -> dict:
    """Seed (or reuse a seeded database), then time the pages, the summary and the sweeper."""
    with tempfile.TemporaryDirectory() as tmp:
        url = _database(database_url, total)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": tmp,
                          "TESTING": True})  # fmt: skip
        with clock.frozen_at(NOW):
            with app.app_context():
                brand_id = None if fresh else _seeded_brand(total)
                reused = brand_id is not None
                if not reused:
                    engine().dispose()
                    _reset(url, total)
                upgrade()
                if not reused:
                    brand_id = seed(total, due)
                middle = session.get(ProductRequest, total // 2)
                deep = queries.encode_cursor(middle) if middle else ""
            # Each page load gets its own app context and session, as in production.
            client = app.test_client()
            login = client.get("/review/login").get_data(as_text=True)
            token = login.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
            credentials = {"email": "team@bench.example", "password": PASSWORD}
            client.post("/review/login", data={**credentials, "csrf_token": token})

            def page(path: str, **args: str) -> Any:
                def get() -> None:
                    assert client.get(path, query_string=args).status_code == 200

                return median_ms(get, 15)

            pages = {
                "review_page_median_ms": page("/review/"),
                "review_page_by_expiry_median_ms": page("/review/", sort="expiry"),
                "archive_page_median_ms": page("/review/archive", status="approved"),
                "archive_any_status_median_ms": page("/review/archive"),
                "archive_expired_median_ms": page("/review/archive", status="expired"),
                "archive_halfway_back_median_ms": page("/review/archive", after=deep),
                "tab_awaiting_shipment_median_ms": page("/review/tab/awaiting-shipment"),
            }
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
                _unsweep(brand_id, due)
                engine().dispose()
    return {
        "database": "postgresql" if database_url else "sqlite",
        "requests_in_db": count,
        "reused_seeded_database": reused,
        **pages,
        "summary_query_median_ms": summary_ms,
        "track_records_50_creators_median_ms": history_ms,
        "sweeper_expired": expired,
        "sweeper_seconds": round(sweep_s, 2),
        "sweeper_requests_per_second": round(expired / sweep_s) if sweep_s else None,
        "second_sweep_expired": again,
    }
