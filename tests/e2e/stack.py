"""A live stack for browser tests and the benchmark: widget server + demo store.

The widget server is what production runs: ``widget-server serve`` (gunicorn,
its default workers and threads) in a process of its own on a free loopback
port, configured only by ``DOTS_*`` variables, with ``--no-jobs`` unless a test
asks for the email sender and expiry sweeper (the journeys look at overdue
requests that no sweeper has touched yet). The demo store is not the product:
it runs in a thread of the test process. The database (a fresh SQLite file, or
PostgreSQL) is migrated and seeded through the real services by the test
process's own app on the same database URL (``Stack.widget_app``); tests set up
what a journey needs the same way, and read the outcome back the two ways the
brand can see it: the API and the database.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, make_server

import demo_store
from tests.factories import request_body
from tests.served import Served, environment
from tests.smtp_server import free_port
from widget_server import clock, create_app
from widget_server.brands.services import add_brand_user, create_brand, find_brand
from widget_server.catalog.models import Product, Variant
from widget_server.catalog.services import requestable_products, set_excluded
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
from widget_server.product_requests.models import ProductRequest
from widget_server.product_requests.schemas import RequestIn
from widget_server.product_requests.services import create_request, withdraw_request
from widget_server.product_requests.states import transition
from widget_server.ratelimit import DEFAULT_LIMITS

if TYPE_CHECKING:
    from playwright.sync_api import Frame, FrameLocator, Locator, Page, Request

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
SECRET_KEY = "e2e-secret"
#: The served limits: the browser tests, all from 127.0.0.1, load pages and sign in
#: far faster than people do, so every limit is raised (limiting stays on; the
#: limits themselves have their own tests).
RAISED_LIMITS = {f"DOTS_{key}": "10000/minute" for key in DEFAULT_LIMITS}


def _serve(app: Flask) -> tuple[BaseWSGIServer, str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@dataclass(frozen=True)
class Invite:
    """An influencer's link: the URL they open, the link's id, its token, and who they are."""

    url: str
    link_id: int
    token: str
    email: str
    name: str


def token_of(url: str) -> str:
    """The link token in the fragment of an influencer link."""
    return unquote(url.rsplit("dots=", 1)[1])


def tamper_link(url: str) -> str:
    """The link with one character of its signature changed (not the last: it has spare bits)."""
    head, signature = url.rsplit(".", 1)
    return f"{head}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


@dataclass
class Stack:
    """The running servers and helpers to make influencers and links.

    ``widget_app`` is the test process's app on the served database (seeding and
    reading back); ``server`` the served widget server itself, once :meth:`serve`
    started it; ``settings`` the ``DOTS_*`` variables it is served with.
    """

    widget_app: Flask
    widget_url: str
    store_url: str
    workdir: Path
    settings: dict[str, str]
    servers: list[BaseWSGIServer] = field(default_factory=list)
    #: Products in the store's grids (cards), dots or not; ``catalog()`` has those with a dot.
    product_count: int = 0
    server: Served | None = None
    _seq: count = field(default_factory=lambda: count(1))

    def serve(self, *options: str, **dots: str) -> Served:
        """Start ``widget-server serve`` on the stack's port and database.

        ``options``: ``--no-jobs`` serves without the email sender and expiry
        sweeper. ``dots``: more settings (``DOTS_SMTP_URL=…``).
        """
        assert self.server is None, "already served"
        port = urlsplit(self.widget_url).port
        self.server = Served(
            self.workdir, environment(**self.settings, **dots), *options, port=port
        )
        return self.server

    def influencer_link(
        self, path: str = "/", ttl: str = "30d", **fields: object
    ) -> tuple[str, int]:
        """A new influencer and a link to ``path`` of the store: ``(url, link_id)``."""
        invite = self.invite(path, ttl, **fields)
        return invite.url, invite.link_id

    def invite(
        self,
        path: str = "/",
        ttl: str = "30d",
        *,
        brand: str = BRAND,
        store_url: str | None = None,
        **fields: object,
    ) -> Invite:
        """A new influencer and a link to ``path`` of the store.

        ``fields`` replace the influencer's defaults: ``handles=[]`` makes an
        influencer with no social account on file. ``brand`` and ``store_url``:
        another brand's store (the platform fixtures), instead of the demo store.
        """
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
            link = issue_link(
                find_brand(brand), influencer, f"{store_url or self.store_url}{path}", ttl
            )
            session.commit()
            url = link_url(link)
            return Invite(url, link.id, token_of(url), influencer.email, influencer.name)

    def preview_link(
        self, path: str = "/", *options: str, issued_at: datetime | None = None
    ) -> str:
        """The brand's preview link to ``path`` of the store, as ``widget-server link preview``
        prints it (its last line). ``options``: more of its options (``--minutes 5``);
        ``issued_at``: issued as if the clock said so (a past time makes an expired link).
        """
        args = ["link", "preview", "--brand", BRAND, "--url", f"{self.store_url}{path}", *options]
        with clock.frozen_at(issued_at) if issued_at else nullcontext():
            result = self.widget_app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, result.output
        return result.output.strip().splitlines()[-1]

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

    def decide(self, request_id: int, status: str, note: str | None = None) -> None:
        """The brand moves a request to ``status`` (approved, denied…) through the one
        state machine, with ``note`` (a denial's reason)."""
        with self.widget_app.app_context():
            transition(request_id, status, BRAND_USER[0], note)
            session.commit()

    def withdraw(self, link_id: int, request_id: int) -> None:
        """The influencer of link ``link_id`` withdraws a pending request (the API's service)."""
        with self.widget_app.app_context():
            withdraw_request(session.get(InfluencerLink, link_id), request_id)
            session.commit()

    def revoke(self, link_id: int) -> None:
        with self.widget_app.app_context():
            revoke_link(session.get(InfluencerLink, link_id))
            session.commit()

    def make_overdue(self, request_id: int) -> None:
        """Let pending request ``request_id`` run out of time a minute ago, unswept.

        As ``expire`` for links: requests expire on their own, so no service
        sets this.
        """
        with self.widget_app.app_context():
            session.get(ProductRequest, request_id).expires_at = clock.now() - timedelta(minutes=1)
            session.commit()

    def expire(self, link_id: int) -> None:
        """Make link ``link_id`` expired, as if its time had run out a minute ago.

        There is no service for this (links expire on their own); a link
        issued with a past expiry is refused by ``issue_link``.
        """
        with self.widget_app.app_context():
            session.get(InfluencerLink, link_id).expires_at = clock.now() - timedelta(minutes=1)
            session.commit()

    def catalog(self) -> dict[str, str]:
        """The products that get a dot: ``{handle: title}``, in catalog order.

        The catalog service's own answer (active, not excluded, something in
        stock); products over the value limit get a muted dot, so they count.
        """
        with self.widget_app.app_context():
            return {p.handle: p.title for p in requestable_products(find_brand(BRAND))}

    def exclude(self, *handles: str, excluded: bool = True) -> None:
        """Exclude products from requests, as ``catalog exclude`` does (``excluded=False``:
        include them again)."""
        with self.widget_app.app_context():
            set_excluded(find_brand(BRAND), handles, excluded)
            session.commit()

    def variant_id(self, handle: str, title: str) -> int:
        """The catalog id (what the bag and the API use) of ``handle``'s variant ``title``."""
        with self.widget_app.app_context():
            return session.scalars(
                select(Variant.id)
                .join(Variant.product)
                .where(
                    Product.brand_id == find_brand(BRAND).id,
                    Product.handle == handle,
                    Variant.title == title,
                )
            ).one()

    def store_variant_id(self, handle: str, title: str) -> str:
        """The store's own id of ``handle``'s variant ``title`` (the ``?variant=`` of its URLs)."""
        with self.widget_app.app_context():
            return session.get(Variant, self.variant_id(handle, title)).store_id

    def my_requests(self, token: str) -> dict[str, Any]:
        """``GET /v1/requests/mine`` over HTTP, as the overlay on the store calls it."""
        call = urllib.request.Request(
            f"{self.widget_url}/v1/requests/mine?brand={BRAND}",
            headers={"Authorization": f"Bearer {token}", "Origin": self.store_url},
        )
        with urllib.request.urlopen(call, timeout=10) as response:
            return json.load(response)

    def stored_requests(self, link_id: int) -> list[dict[str, Any]]:
        """The requests made through link ``link_id`` as the database holds them, oldest first.

        Each: ``{id, status, events, items: [(handle, variant title, quantity)],
        proposal, shipping_address}``; items in the order they were sent.
        """
        with self.widget_app.app_context():
            requests = session.scalars(
                select(ProductRequest)
                .where(ProductRequest.link_id == link_id)
                .order_by(ProductRequest.id)
            )
            return [
                {
                    "id": request.id,
                    "status": request.status,
                    "events": [event.kind for event in request.events],
                    "items": [
                        (item.product_handle, item.variant_title, item.quantity)
                        for item in request.items
                    ],
                    "proposal": request.proposal,
                    "shipping_address": request.shipping_address,
                }
                for request in requests
            ]

    def handles_of(self, link_id: int) -> list[dict[str, Any]]:
        """The social accounts on the profile of link ``link_id``'s influencer."""
        with self.widget_app.app_context():
            influencer = session.get(InfluencerLink, link_id).influencer
            return [
                {
                    "platform": handle.platform,
                    "handle": handle.handle,
                    "followers": handle.followers,
                    "stated_at": handle.stated_at,
                }
                for handle in influencer.handles
            ]

    def stop(self) -> None:
        """Stop the store, then ``serve`` (failing if it leaves a process behind)."""
        for server in self.servers:
            server.shutdown()
            server.server_close()
        with self.widget_app.app_context():
            engine().dispose()
        if self.server is not None:
            code = self.server.stop()
            assert code == 0, f"serve ended with {code}:\n{self.server.output()}"


def start_stack(
    workdir: Path,
    product_count: int = 24,
    *,
    database_url: str | None = None,
    serve: bool = True,
) -> Stack:
    """Seed the brand, sync the store's catalog, and serve the widget server.

    ``database_url``: an empty database (default: a new SQLite file in
    ``workdir``). Served with ``--no-jobs``; ``serve=False`` leaves that to the
    caller (:meth:`Stack.serve`), to seed first or to serve with the jobs.
    """
    database_url = database_url or f"sqlite:///{workdir / 'e2e.sqlite3'}"
    port = free_port()
    widget_url = f"http://127.0.0.1:{port}"
    widget_app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "PUBLIC_URL": widget_url,
            "INSTANCE_PATH": str(workdir / "seeding"),
            "TESTING": True,
            # Cheap hashes for the brand user made here: the server checks any
            # method, and hashes a changed password the production way.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "APPROVAL_UNDO_SECONDS": 0,
        }
    )
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
    settings = {
        "DOTS_DATABASE_URL": database_url,
        "DOTS_SECRET_KEY": SECRET_KEY,
        "DOTS_INSTANCE_PATH": str(workdir / "instance"),
        # The console's Catalog page syncs from the demo store on 127.0.0.1.
        "DOTS_ALLOW_PRIVATE_URLS": "1",
        # Approvals go out at once (the store-sync loop waits for them); the
        # undo test gives its brand a window of its own.
        "DOTS_APPROVAL_UNDO_SECONDS": "0",
        **RAISED_LIMITS,
    }
    stack = Stack(
        widget_app, widget_url, store_url, workdir, settings, [store_server], product_count
    )
    if serve:
        try:
            stack.serve("--no-jobs")
        except BaseException:
            stack.stop()
            raise
    return stack


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


BAG_KEY = f"dots:{BRAND}:bag"


def stored_bag(page: Page) -> dict[str, Any] | None:
    """The bag as the overlay keeps it in the store's localStorage (see the protocol)."""
    raw = page.evaluate("key => localStorage.getItem(key)", BAG_KEY)
    return json.loads(raw) if raw else None


def horizontal_overflow(target: Page | Frame) -> int:
    """How many CSS pixels ``target``'s document is wider than its viewport (0: no scroll)."""
    return target.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth"
        " - document.documentElement.clientWidth)"
    )


# Drawn parts of the overlay (in its shadow root) that stick out of what is on
# screen: the visual viewport (on a phone, a page wider than the screen makes the
# layout viewport wider than what the influencer sees).
WIDGET_OUTSIDE_JS = """() => {
  const host = document.querySelector("dots-overlay");
  if (!host) return [];
  const left = visualViewport.offsetLeft, right = left + visualViewport.width;
  return [...host.shadowRoot.querySelectorAll("*")]
    .filter((el) => el.checkVisibility({opacityProperty: true, visibilityProperty: true}))
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([, r]) => r.width > 1 && (r.left < left - 0.5 || r.right > right + 0.5))
    .map(([el, r]) => `${el.localName}.${el.className} from x=${r.left} to ${r.right}`);
}"""


def widget_outside_viewport(page: Page, settle_s: float = 5.0) -> list[str]:
    """The overlay's visible elements that stick out sideways (a page that the
    store itself makes too wide is the store's; this is what the widget adds).

    The overlay follows a resize in its next frames, which on a busy machine
    can come after the test's next line: what still sticks out after
    ``settle_s`` seconds is the answer.
    """
    deadline = time.monotonic() + settle_s
    while (outside := page.evaluate(WIDGET_OUTSIDE_JS)) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    return outside


# The page's whole DOM as text, into every open shadow root, and its storage.
PAGE_TEXT_JS = """() => {
  const parts = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) { parts.push(el.shadowRoot.innerHTML); walk(el.shadowRoot); }
    }
  };
  parts.push(document.documentElement.outerHTML);
  walk(document);
  for (const store of [localStorage, sessionStorage]) {
    for (let i = 0; i < store.length; i++) parts.push(store.key(i), store.getItem(store.key(i)));
  }
  return parts.join(" ");
}"""


def personal_data_on_page(page: Page, *needles: str) -> list[str]:
    """Which of ``needles`` (an address, an email) the host page holds anywhere.

    The panel's frame is on the widget's origin; its document is not the
    page's, so only what leaked into the store's DOM or storage is found.
    """
    text = page.evaluate(PAGE_TEXT_JS).lower()
    return [needle for needle in needles if needle.lower() in text]


def widget_requests(page: Page, widget_url: str) -> list[Request]:
    """Every request ``page`` makes to the widget host from now on (filled as they go)."""
    seen: list[Request] = []
    page.on("request", lambda r: seen.append(r) if r.url.startswith(widget_url + "/") else None)
    return seen


# Driving the widget as an influencer does. The panel is a frame on the widget's
# origin; its controls are found by role and label, as people find them.
ADDRESS = {
    "Full name": "Ana Lima",
    "Address": "Rua Augusta 100",
    "City": "Lisboa",
    "Postal code": "1100-053",
}
COUNTRY = "Portugal"  # stored as PT


def dot(page: Page, handle: str) -> Locator:
    """The dot of product ``handle`` (on screen or not)."""
    return page.locator(f'{DOTS}[data-handle="{handle}"]')


def dot_in_view(page: Page, handle: str) -> Locator:
    """The dot of product ``handle`` once its card is scrolled into view, as people
    scroll to a product before they tap it (off-screen dots are not drawn)."""
    card = page.locator(f'.card a[href="/products/{handle}"]')
    if card.count():
        card.first.scroll_into_view_if_needed()
    return page.locator(f'{ON_SCREEN_DOTS}[data-handle="{handle}"]')


def panel_of(page: Page) -> FrameLocator:
    return page.frame_locator(PANEL_FRAME)


def panel_frame(page: Page) -> Frame:
    """The panel's frame itself (for axe and layout checks)."""
    frame = next((f for f in page.frames if "/v1/panel" in f.url), None)
    assert frame is not None, "the panel frame is not on the page"
    return frame


def bag_line(panel: FrameLocator, title: str) -> Locator:
    """The bag's line of the product titled ``title``."""
    return panel.get_by_role("listitem").filter(
        has=panel.get_by_role("heading", name=title, exact=True)
    )


def choose(line: Locator, **choices: str) -> None:
    """Pick options of a bag line by their labels: ``choose(line, Size="M", Quantity="2")``."""
    for label, value in choices.items():
        line.get_by_label(label, exact=True).select_option(value)


def chosen(line: Locator, *labels: str) -> list[str]:
    """The values a bag line shows for these labels (its option selects)."""
    return [line.get_by_label(label, exact=True).input_value() for label in labels]


def fill_proposal(panel: FrameLocator, platform: str = "Instagram", tap: bool = False) -> None:
    """A reel on ``platform`` in two weeks, with a message (``tap``: by touch)."""
    for name in ("Reel", platform):
        box = panel.get_by_role("checkbox", name=name)
        box.tap() if tap else box.check()
        expect(box).to_be_checked()
    panel.get_by_label("Planned publish date").fill((date.today() + timedelta(days=14)).isoformat())
    panel.get_by_label("How would you like to collaborate?").fill("A rainy-day reel, two looks.")


def fill_address(panel: FrameLocator) -> None:
    for label, value in ADDRESS.items():
        panel.get_by_label(label, exact=True).fill(value)
    panel.get_by_label("Country", exact=True).select_option(label=COUNTRY)
