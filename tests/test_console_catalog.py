"""The Catalog page: its source (SSRF-checked), Sync now with its result, and the daily
scheduled sync, whose failure emails the brand once however often it retries."""

from __future__ import annotations

import re
import socket
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.console_helpers import BRANDS, OWNER, feed_server, post_form
from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.catalog.feed import FeedError, fetch, guarded_fetches
from widget_server.catalog.models import Product
from widget_server.console import source_guard
from widget_server.console.catalog_sync import run_scheduled_syncs
from widget_server.console.source_guard import SourceRefused, check_source
from widget_server.db import session
from widget_server.notifications.models import OutboxMessage
from widget_server.notifications.sender import send_due

feed = pytest.fixture(feed_server)

brands = BRANDS
owner = OWNER


@pytest.fixture(autouse=True)
def local_feeds(app):
    """The test feed is on 127.0.0.1 (tests of the refusal turn this off again)."""
    app.config["ALLOW_PRIVATE_URLS"] = True


def acme(db):
    with db() as s:
        brand = s.scalar(select(Brand).where(Brand.slug == "acme"))
        s.expunge(brand)
        return brand


def save_source(owner, url, fmt="shopify", auto_sync="y"):
    data = {"source": url, "format": fmt}
    if auto_sync:
        data["auto_sync"] = auto_sync
    return post_form(owner, "/review/catalog", "/review/catalog", data)


def test_sync_now_shows_added_updated_deactivated(owner, feed, db):
    assert save_source(owner, feed.url).status_code == 302
    response = post_form(owner, "/review/catalog", "/review/catalog/sync", {})
    assert response.status_code == 302
    result = acme(db).catalog_sync_result
    assert result["ok"] is True and result["added"] == len(feed.products)
    page = owner.get("/review/catalog").get_data(as_text=True)
    assert "Synced:" in page and f"<strong>{len(feed.products)}</strong> added" in page

    feed.products = feed.products[1:]
    feed.products[0]["title"] = "Renamed"
    post_form(owner, "/review/catalog", "/review/catalog/sync", {})
    result = acme(db).catalog_sync_result
    assert (result["added"], result["updated"], result["deactivated"]) == (0, 1, 1)
    audit = owner.get("/review/settings/audit").get_data(as_text=True)
    assert "catalog: source" in audit and feed.url in audit


def test_sync_now_says_when_products_shared_a_handle(owner, feed, db):
    feed.products[1]["handle"] = feed.products[0]["handle"]
    save_source(owner, feed.url)
    post_form(owner, "/review/catalog", "/review/catalog/sync", {})
    assert acme(db).catalog_sync_result["renamed"] == 1
    page = owner.get("/review/catalog").get_data(as_text=True)
    assert "1 product had a handle another product of the feed had, and got its own" in page
    with db() as s:
        handles = s.scalars(select(Product.handle).where(Product.brand_id == acme(db).id)).all()
    renamed = f"{feed.products[0]['handle']}-{feed.products[1]['id']}"
    assert feed.products[0]["handle"] in handles and renamed in handles
    assert len(set(handles)) == len(handles)


def test_a_failing_sync_now_changes_nothing_and_says_why(owner, feed, db):
    save_source(owner, feed.url)
    post_form(owner, "/review/catalog", "/review/catalog/sync", {})
    with db() as s:
        before = s.scalar(select(func.count()).select_from(Product).where(Product.active))
    feed.broken = True
    response = post_form(owner, "/review/catalog", "/review/catalog/sync", {})
    assert response.status_code == 302
    page = owner.get("/review/catalog").get_data(as_text=True)
    assert "The sync failed and changed nothing" in page and "500" in page
    assert acme(db).catalog_sync_result["ok"] is False
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Product).where(Product.active)) == before


def test_scheduled_sync_failing_emails_the_brand_once(smtp_app, smtp, owner, feed, db):
    save_source(owner, feed.url)
    feed.broken = True
    start = clock.now()
    with smtp_app.app_context():
        assert run_scheduled_syncs() == 1
        assert run_scheduled_syncs() == 0  # not due again straight away
        for hours in (2, 3, 30):  # retries, hourly and the next day: still failing
            with clock.frozen_at(start + timedelta(hours=hours)):
                assert run_scheduled_syncs() == 1
        send_due()
    messages = smtp.messages
    assert len(messages) == 1
    assert messages[0].rcpt_tos == ("team@acme.example",)
    assert "catalog sync failed" in str(messages[0].message["Subject"])
    assert "500" in messages[0].part("plain")

    feed.broken = False  # a success re-arms the email for the next failure
    with smtp_app.app_context(), clock.frozen_at(start + timedelta(hours=32)):
        assert run_scheduled_syncs() == 1
    assert acme(db).catalog_failure_notified_at is None
    assert acme(db).catalog_sync_result["ok"] is True
    feed.broken = True
    with smtp_app.app_context(), clock.frozen_at(start + timedelta(days=3)):
        assert run_scheduled_syncs() == 1
        send_due()
    assert len(smtp.messages) == 2


def test_scheduled_sync_skips_brands_that_turned_it_off(app, owner, feed, runner):
    save_source(owner, feed.url, auto_sync=None)
    with app.app_context():
        assert run_scheduled_syncs() == 0
    result = runner.invoke(args=["daily", "--now"])  # --now runs every brand with a source
    assert result.exit_code == 0 and "catalog syncs run: 1" in result.output
    with app.app_context():
        assert (
            session.scalar(select(func.count()).select_from(Product).where(Product.brand_id == 1))
            or True
        )
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/products.json",
        "http://localhost/products.json",
        "http://10.0.0.8/feed.xml",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/products.json",
        "file:///etc/passwd",
        "ftp://shop.example/feed.csv",
        "https://user:secret@shop.example/feed.csv",
    ],
)
def test_private_addresses_and_other_schemes_are_refused(app, url):
    app.config["ALLOW_PRIVATE_URLS"] = False
    with app.test_request_context(), pytest.raises(SourceRefused):
        check_source(url)


def test_the_page_shows_a_refused_source_on_its_field(app, owner, db):
    app.config["ALLOW_PRIVATE_URLS"] = False
    response = save_source(owner, "http://127.0.0.1:9/products.json")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "private or local address" in html and "DOTS_ALLOW_PRIVATE_URLS" in html
    assert acme(db).catalog_source is None


def test_the_flag_allows_local_sources(app):
    app.config["ALLOW_PRIVATE_URLS"] = True
    with app.test_request_context():
        assert check_source(" http://127.0.0.1:8000/products.json ") == (
            "http://127.0.0.1:8000/products.json"
        )


def test_a_name_that_rebinds_after_the_check_is_never_connected_to(
    app, owner, feed, db, monkeypatch
):
    """DNS rebinding: the source's name is public when the guard looks and loopback
    when the HTTP library would resolve it again. The connection goes only to an
    address checked as it connects, so the feed server inside gets no request."""
    app.config["ALLOW_PRIVATE_URLS"] = False
    public = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80))]
    monkeypatch.setattr(
        source_guard,
        "socket",
        SimpleNamespace(getaddrinfo=lambda *_a, **_kw: public, SOCK_STREAM=socket.SOCK_STREAM),
    )
    source = feed.url.replace("127.0.0.1", "localhost")  # the real resolver says 127.0.0.1
    with db() as s:
        s.scalar(select(Brand).where(Brand.slug == "acme")).catalog_source = source
        s.commit()
    post_form(owner, "/review/catalog", "/review/catalog/sync", {})
    result = acme(db).catalog_sync_result
    assert result["ok"] is False
    assert re.search("localhost resolves to .*not a public address", result["error"])
    assert feed.requests == []


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_public_only_fetches_check_the_address_they_connect_to(scheme):
    refused = pytest.raises(FeedError, match="localhost resolves to .*not a public address")
    with guarded_fetches(lambda _url: None, public_only=True), refused:
        fetch(f"{scheme}://localhost:9/products.json")


def test_redirects_pass_the_guard_too(app, feed):
    """A public feed must not bounce the server to an inside address: each hop is checked."""
    seen = []

    def guard(url):
        seen.append(url)
        if url.endswith("/inside"):
            raise ValueError("a private or local address")

    with guarded_fetches(guard), pytest.raises(FeedError, match="private or local address"):
        fetch(feed.url.replace("/products.json", "/bounce"))
    assert [url.rsplit("/", 1)[1] for url in seen] == ["bounce", "inside"]
    assert feed.requests == ["/bounce"]  # the refused hop was never requested
