"""A live stack for browser tests and the benchmark: widget server + demo store.

Both run as real HTTP servers on loopback (free ports), in threads of the test
process, on a fresh SQLite database seeded through the real services.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask
from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, make_server

import demo_store
from tests.factories import request_body
from widget_server import create_app
from widget_server.brands.services import add_brand_user, create_brand, find_brand
from widget_server.catalog.models import Product, Variant
from widget_server.catalog.sync import sync_catalog
from widget_server.db import engine, session
from widget_server.influencers.models import InfluencerLink
from widget_server.influencers.services import (
    create_influencer,
    issue_link,
    link_url,
    revoke_link,
)
from widget_server.migrate import upgrade
from widget_server.product_requests.schemas import RequestIn
from widget_server.product_requests.services import create_request
from widget_server.ratelimit import DEFAULT_LIMITS

if TYPE_CHECKING:
    from playwright.sync_api import Page, Request

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BRAND = "demo"
BRAND_USER = ("team@northwind.example", "northwind-review-1")


def _serve(app: Flask) -> tuple[BaseWSGIServer, str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@dataclass
class Stack:
    """The running servers and helpers to make influencers and links."""

    widget_app: Flask
    widget_url: str
    store_url: str
    servers: list[BaseWSGIServer] = field(default_factory=list)
    _seq: count = field(default_factory=lambda: count(1))

    def influencer_link(
        self, path: str = "/", ttl: str = "30d", **fields: object
    ) -> tuple[str, int]:
        """A new influencer and a link to ``path`` of the store: ``(url, link_id)``."""
        n = next(self._seq)
        data = {
            "name": f"Creator {n}",
            "email": f"creator{n}@e2e.example",
            "country": "PT",
            "handles": [
                {"platform": "instagram", "handle": f"creator{n}", "followers": 48200},
                {"platform": "tiktok", "handle": f"creator{n}", "followers": 125000},
            ],
            **fields,
        }
        with self.widget_app.app_context():
            influencer = create_influencer(data)
            brand = find_brand(BRAND)
            link = issue_link(brand, influencer, f"{self.store_url}{path}", ttl)
            session.commit()
            return link_url(link), link.id

    def submit_request(self, link_id: int, handles: list[str], **changes: object) -> int:
        """A pending request through link ``link_id`` for products ``handles``; its id.

        One of each product's first available variant. The body (see
        ``tests.factories.request_body``; ``changes`` replace its keys) is
        checked by the API's own schema, then stored by the real service.
        """
        with self.widget_app.app_context():
            link = session.get(InfluencerLink, link_id)
            variants = [
                session.scalars(
                    select(Variant)
                    .join(Variant.product)
                    .where(
                        Product.brand_id == link.brand_id,
                        Product.handle == handle,
                        Variant.available.is_(True),
                    )
                    .order_by(Variant.position)
                ).first()
                for handle in handles
            ]
            body = request_body(link.brand, variants, **changes)
            data = RequestIn().load(json.loads(json.dumps(body, default=str)))
            request, _ = create_request(link, data)
            session.commit()
            return request.id

    def revoke(self, link_id: int) -> None:
        with self.widget_app.app_context():
            revoke_link(session.get(InfluencerLink, link_id))
            session.commit()

    def catalog(self) -> dict[str, str]:
        """The brand's synced catalog: ``{handle: title}`` of its active products."""
        with self.widget_app.app_context():
            rows = session.execute(
                select(Product.handle, Product.title).where(
                    Product.brand_id == find_brand(BRAND).id, Product.active
                )
            )
            return {handle: title for handle, title in rows}

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        with self.widget_app.app_context():
            engine().dispose()


def start_stack(workdir: Path, product_count: int = 24) -> Stack:
    """Start both servers, seed the brand and sync the store's catalog."""
    widget_app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{workdir / 'e2e.sqlite3'}",
            "SECRET_KEY": "e2e-secret",
            "INSTANCE_PATH": str(workdir / "instance"),
            "TESTING": True,
            # Browser tests load pages far faster than people; limits have API tests.
            **{key: "100000/minute" for key in DEFAULT_LIMITS},
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    widget_server, widget_url = _serve(widget_app)
    widget_app.config["PUBLIC_URL"] = widget_url
    store_app = demo_store.create_app(
        {
            "DEMO_STORE_WIDGET_URL": widget_url,
            "DEMO_STORE_BRAND": BRAND,
            "DEMO_STORE_PRODUCT_COUNT": product_count,
        }
    )
    store_server, store_url = _serve(store_app)
    with widget_app.app_context():
        upgrade()
        brand = create_brand(
            {
                "slug": BRAND,
                "name": "Northwind Supply",
                "allowed_origins": [store_url],
                "notify_email": "requests@northwind.example",
                "max_items": 3,
                "max_value": "400.00",
            }
        )
        add_brand_user(brand, *BRAND_USER)
        sync_catalog(brand, f"{store_url}/products.json")
        session.commit()
    return Stack(widget_app, widget_url, store_url, [widget_server, store_server])


# Reading the overlay from a page (tests and the benchmark). The overlay's host
# is <dots-overlay> with an open shadow root; a dot is hidden when its image is
# not rendered, and has class "off" while its image is off screen. Playwright's
# CSS selectors pierce open shadow roots.
DOTS = "dots-overlay button.dot"
ON_SCREEN_DOTS = f"{DOTS}:not([hidden]):not(.off)"
PANEL_FRAME = "dots-overlay iframe"
DOT_HANDLES_JS = """() => {
  const host = document.querySelector("dots-overlay");
  if (!host) return null;
  return [...host.shadowRoot.querySelectorAll("button.dot:not([hidden])")]
    .map((dot) => dot.dataset.handle).sort();
}"""


def dot_handles(page: Page) -> list[str] | None:
    """Handles of the page's rendered dots, sorted; None without an overlay."""
    return page.evaluate(DOT_HANDLES_JS)


def wait_for_dots(page: Page, count: int) -> None:
    """Wait until exactly ``count`` dots are rendered."""
    page.wait_for_function(
        f"n => {{ const h = ({DOT_HANDLES_JS})(); return h !== null && h.length === n; }}",
        arg=count,
    )


def widget_requests(page: Page, widget_url: str) -> list[Request]:
    """Every request ``page`` makes to the widget host from now on (filled as they go)."""
    seen: list[Request] = []
    page.on("request", lambda r: seen.append(r) if r.url.startswith(widget_url + "/") else None)
    return seen
