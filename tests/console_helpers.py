"""Shared by the console tests: two brands with owners and members, forms posted with CSRF,
and a local store serving a Shopify feed that a test can break."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import make_brand, make_product
from tests.review_helpers import csrf_token, login
from widget_server.brands.services import add_brand_user
from widget_server.db import session

PASSWORD = "correct horse battery"
FEED_FILE = Path(__file__).parent / "feeds" / "shopify_products.json"


def make_console_brand(slug: str) -> SimpleNamespace:
    """A brand with an owner, a member and two products (call in an app context)."""
    brand = make_brand(slug, max_items=5, max_value="500.00")
    owner = add_brand_user(brand, f"owner@{slug}.example", PASSWORD)
    member = add_brand_user(brand, f"member@{slug}.example", PASSWORD)
    member.role = "member"
    products = [make_product(brand, f"{slug}-tee"), make_product(brand, f"{slug}-mug")]
    session.commit()
    return SimpleNamespace(
        slug=slug,
        id=brand.id,
        owner=owner.email,
        member=member.email,
        member_id=member.id,
        product_ids=[p.id for p in products],
    )


def two_brands(app: Flask) -> tuple[SimpleNamespace, SimpleNamespace]:
    """Fixture body: two console brands, acme and rival (see ``FIXTURES``)."""
    with app.app_context():
        return make_console_brand("acme"), make_console_brand("rival")


def owner_client(
    client: FlaskClient, brands: tuple[SimpleNamespace, SimpleNamespace]
) -> FlaskClient:
    """Fixture body: a client signed in as acme's owner."""
    login(client, brands[0].owner, PASSWORD)
    return client


#: ``brands = BRANDS`` and ``owner = OWNER`` in a test module make them its fixtures.
BRANDS = pytest.fixture(name="brands")(two_brands)
OWNER = pytest.fixture(name="owner")(owner_client)


def post_form(client: FlaskClient, page: str, action: str, data: dict[str, object]):
    """POST ``data`` to ``action`` with the CSRF token of ``page``'s form."""
    return client.post(action, data={**data, "csrf_token": csrf_token(client, page)})


class FeedServer:
    """A local store: ``/products.json`` from the test feed, or a 500 when ``broken``;
    ``/bounce`` redirects to ``/inside`` (a 404)."""

    def __init__(self) -> None:
        self.broken = False
        self.requests: list[str] = []
        self.products = json.loads(FEED_FILE.read_text(encoding="utf-8"))["products"]
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                state.requests.append(self.path)
                parts = urlsplit(self.path)
                page = int(dict(parse_qsl(parts.query)).get("page", "1"))
                if parts.path == "/bounce":  # a redirect, for the guard on redirects
                    self.send_response(302)
                    self.send_header("Location", "/inside")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if state.broken or parts.path != "/products.json":
                    self.send_error(500 if state.broken else 404)
                    return
                body = json.dumps({"products": state.products if page == 1 else []}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/products.json"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def feed_server() -> Iterator[FeedServer]:
    """Fixture body: a feed server, stopped afterwards."""
    server = FeedServer()
    yield server
    server.stop()
