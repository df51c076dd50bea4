"""Real-platform storefront fixtures (issue #9): serve one, load its catalog, measure its dots.

A fixture is a directory of ``tests/platforms/``: pages shaped after one
platform's public theme markup, the store's catalog in that platform's own
export format, and ``expect.json`` saying which card of which page must carry
the dot of which product (see :func:`load_fixture`). Each fixture is served on
a port of its own, as its own brand on the e2e stack's widget server:

- ``https://store.test`` in pages, files and the feed becomes the served origin;
- the brand's script tag is pasted just before ``</head>`` of every HTML page,
  as a brand pastes it (not for a request with ``X-Without-Dots``: the baseline
  run that tells the page's own console errors from the overlay's);
- an image the directory does not hold is drawn on the fly (a small SVG sized
  after the size variant in its URL), so fixtures use the platforms' real image
  URLs (``-300x300.jpg``, ``_600x``, ``/stencil/500x659/``) without binaries and
  nothing goes to the network.

A dot "is on" a card when the centre of a visible ``button.dot`` of the
overlay's shadow root lies inside the part of the card a person can see, and
its ``data-handle`` is the expected product's. :func:`measure` scrolls through
the page as a person does (the overlay draws dots of on-screen images only).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, abort, request
from werkzeug.security import safe_join
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from widget_server.brands.services import create_brand
from widget_server.catalog.sync import sync_catalog
from widget_server.db import session

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

    from tests.e2e.stack import Stack

FIXTURES = Path(__file__).resolve().parents[1] / "platforms"
PLACEHOLDER = "https://store.test"
#: The baseline run asks for the page without the script tag with this header.
WITHOUT_DOTS = "X-Without-Dots"
VIEWPORT = {"width": 1280, "height": 900}
TEXT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
}
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif", ".svg")


@dataclass(frozen=True)
class ExpectedDot:
    """A card (or image) of a page that must carry exactly one dot, of product ``handle``."""

    card: str
    handle: str


@dataclass(frozen=True)
class PageSpec:
    """One page of a fixture: the file, the URL it is served at, what a person does there,
    where the dots must be and where none may be."""

    path: str
    url: str
    actions: list[dict[str, str]]
    dots: list[ExpectedDot]
    no_dot: list[str]
    #: Why the overlay does not meet this page's expectations yet: the page's
    #: test is then expected to fail (strictly: once it passes, say so here).
    known_miss: str | None = None


@dataclass(frozen=True)
class Fixture:
    """A platform fixture directory as ``expect.json`` describes it."""

    name: str
    directory: Path
    platform: str
    format: str
    feed: str
    currency: str
    pages: list[PageSpec]


def fixture_names() -> list[str]:
    """The fixture directories (those with an ``expect.json``), sorted."""
    return sorted(p.parent.name for p in FIXTURES.glob("*/expect.json"))


def load_fixture(name: str) -> Fixture:
    """Read and check ``tests/platforms/<name>/expect.json``.

    A malformed file fails loudly here, so a fixture's typo is never read as
    "the overlay put no dot there".
    """
    directory = FIXTURES / name
    spec = json.loads((directory / "expect.json").read_text())
    assert spec.get("format") in ("woocommerce", "google", "shopify", "csv"), (
        f"{name}: format {spec.get('format')!r}"
    )
    assert (directory / spec["feed"]).is_file(), f"{name}: no feed file {spec['feed']!r}"
    pages = []
    for page in spec["pages"]:
        assert (directory / page["path"]).is_file(), f"{name}: no page file {page['path']!r}"
        assert page["url"].startswith("/"), f"{name}: url {page['url']!r} is not a path"
        for action in page.get("actions", []):
            assert len(action) == 1 and next(iter(action)) in ACTIONS, f"{name}: {action!r}"
        pages.append(
            PageSpec(
                path=page["path"],
                url=page["url"],
                actions=page.get("actions", []),
                dots=[ExpectedDot(d["card"], d["handle"]) for d in page["dots"]],
                no_dot=page.get("no_dot", []),
                known_miss=page.get("known_miss"),
            )
        )
    return Fixture(
        name=name,
        directory=directory,
        platform=spec["platform"],
        format=spec["format"],
        feed=spec["feed"],
        currency=spec.get("currency", "USD"),
        pages=pages,
    )


def placeholder_image(path: str, query: str) -> str:
    """An SVG standing in for a product photo, sized after the size variant its URL names.

    ``-300x300.jpg`` (WordPress), ``/500x659/`` (BigCommerce), ``_600x`` (Shopify),
    ``w=640`` (next/image): the intrinsic size is what lazy-loading and
    ``srcset`` layouts see. Its colour comes from the path, so pictures differ.
    """
    if m := re.search(r"(\d{2,4})x(\d{2,4})", path):
        width, height = int(m.group(1)), int(m.group(2))
    elif m := re.search(r"_(\d{2,4})x\b", path) or re.search(r"(?:^|&)w=(\d{2,4})", query):
        width = height = int(m.group(1))
    else:
        width = height = 800
    hue = int(hashlib.sha256(path.encode()).hexdigest()[:4], 16) % 360
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><rect width="100%" height="100%" '
        f'fill="hsl({hue} 45% 72%)"/><circle cx="50%" cy="45%" r="{min(width, height) // 4}" '
        f'fill="hsl({hue} 40% 52%)"/></svg>'
    )


def with_origin(text: str, origin: str) -> str:
    """``text`` with the placeholder origin made ``origin``.

    Also ``http://store.test``, the protocol-relative ``//store.test`` that
    Shopify's Liquid writes, and the ``https:\\/\\/store.test`` of JSON with
    escaped slashes (Magento's ``x-magento-init`` scripts).
    """
    host = origin.split("://", 1)[1]

    def replace(match: re.Match[str]) -> str:
        scheme, slash1, slash2 = match.groups()
        return f"{'http:' if scheme else ''}{slash1}{slash2}{host}"

    return re.sub(r"(https?:)?(\\?/)(\\?/)store\.test\b", replace, text)


def paste_script_tag(html: str, tag: str) -> str:
    """The page with ``tag`` just before its ``</head>``, where brands paste it."""
    head_end = re.search(r"</head\s*>", html, re.IGNORECASE)
    assert head_end, "a fixture page without </head>"
    return html[: head_end.start()] + tag + "\n" + html[head_end.start() :]


def store_app(fixture: Fixture, widget_url: str, brand: str) -> Flask:
    """The fixture's store: its pages at their URLs, its files at their paths, images drawn."""
    # No static folder: Flask's own /static/ route would shadow the platforms'
    # /static/ URLs (Magento's and Gatsby's assets).
    app = Flask(f"platform-{fixture.name}", static_folder=None)
    pages = {page.url: page.path for page in fixture.pages}
    tag = f'<script async src="{widget_url}/v1/dots.js" data-brand="{brand}"></script>'

    @app.route("/", defaults={"_path": ""})
    @app.route("/<path:_path>")
    def serve(_path: str) -> Response:
        origin = request.host_url.rstrip("/")
        relative = pages.get(request.path) or request.path.lstrip("/")
        target = safe_join(str(fixture.directory), relative) if relative else None
        if target and Path(target).is_dir():
            target = str(Path(target) / "index.html")
        if not target or not Path(target).is_file() or Path(target).name == "expect.json":
            # An <img> asks with Sec-Fetch-Dest: image (next/image URLs have no suffix).
            if (
                request.path.lower().endswith(IMAGE_SUFFIXES)
                or request.headers.get("Sec-Fetch-Dest") == "image"
            ):
                svg = placeholder_image(request.path, request.query_string.decode())
                return Response(svg, mimetype="image/svg+xml")
            abort(404)
        file = Path(target)
        kind = TEXT_TYPES.get(file.suffix.lower())
        if kind is None:
            return Response(file.read_bytes(), mimetype="application/octet-stream")
        text = with_origin(file.read_text(encoding="utf-8"), origin)
        if kind.startswith("text/html") and WITHOUT_DOTS not in request.headers:
            text = paste_script_tag(text, tag)
        return Response(text, content_type=kind)

    return app


class _QuietHandler(WSGIRequestHandler):
    """No access log: a fixture page loads dozens of images, and a failing
    test's report should show the dots, not every request."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class PlatformStore:
    """A served fixture: its origin and brand on the stack's widget server."""

    fixture: Fixture
    origin: str
    brand: str
    server: BaseWSGIServer


def serve_fixture(stack: Stack, fixture: Fixture, workdir: Path) -> PlatformStore:
    """Serve ``fixture`` on a port of its own and set it up as a brand of the stack.

    The brand (slug: the directory's name) allows the served origin only; its
    catalog comes from the fixture's feed, with ``https://store.test`` made the
    served origin, read by the one ``catalog sync`` in the fixture's format.
    """
    app = store_app(fixture, stack.widget_url, fixture.name)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_port}"
    feed = workdir / f"{fixture.name}-{fixture.feed}"
    text = (fixture.directory / fixture.feed).read_text(encoding="utf-8")
    feed.write_text(with_origin(text, origin), encoding="utf-8")
    with stack.widget_app.app_context():
        brand = create_brand(
            {
                "slug": fixture.name,
                "name": fixture.platform[:100],
                "allowed_origins": [origin],
                "notify_email": f"requests@{fixture.name}.example",
                "currency": fixture.currency,
                "max_items": 3,
                "max_value": "100000.00",
            }
        )
        sync_catalog(brand, str(feed), fmt=fixture.format)
        session.commit()
    stack.servers.append(server)  # stopped with the stack
    return PlatformStore(fixture, origin, fixture.name, server)


# ---------------------------------------------------------------- measuring

ACTIONS = ("wait", "scroll", "hover", "click")


def run_actions(page: Page, actions: list[dict[str, str]]) -> None:
    """Do what a person does on the page: ``wait`` for a selector, ``scroll`` to
    ``bottom``/``top`` or to an element, ``hover`` or ``click`` an element."""
    for action in actions:
        ((kind, target),) = action.items()
        if kind == "wait":
            page.wait_for_selector(target, state="visible", timeout=10_000)
        elif kind == "scroll" and target in ("bottom", "top"):
            page.evaluate(
                "to => scrollTo(0, to === 'top' ? 0 : document.scrollingElement.scrollHeight)",
                target,
            )
            page.wait_for_timeout(400)  # what a scroll starts (lazy images, more products)
        elif kind == "scroll":
            page.locator(target).first.scroll_into_view_if_needed()
            page.wait_for_timeout(400)
        elif kind == "hover":
            page.hover(target)
        elif kind == "click":
            page.click(target)
            page.wait_for_load_state()


# One look at the screen: the overlay's visible on-screen dots, and for each
# expected card and each no-dot element the part of it a person sees (its box
# clipped by every overflow-clipping ancestor and by the viewport), or null.
SNAPSHOT_JS = """({cards, noDot}) => {
  const vw = innerWidth, vh = innerHeight;
  const shown = (el) => el.checkVisibility({opacityProperty: true, visibilityProperty: true});
  const seen = (el) => {
    if (!el || !shown(el)) return null;
    const r = el.getBoundingClientRect();
    let [l, t, rt, b] = [Math.max(r.left, 0), Math.max(r.top, 0),
                         Math.min(r.right, vw), Math.min(r.bottom, vh)];
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX === "visible" && s.overflowY === "visible") continue;
      const c = a.getBoundingClientRect();
      [l, t] = [Math.max(l, c.left), Math.max(t, c.top)];
      [rt, b] = [Math.min(rt, c.right), Math.min(b, c.bottom)];
    }
    if (rt - l < 1 || b - t < 1) return null;
    return {l, t, r: rt, b, area: (rt - l) * (b - t)};
  };
  const host = document.querySelector("dots-overlay");
  const buttons = host && host.shadowRoot ? host.shadowRoot.querySelectorAll("button.dot") : [];
  const dots = [...buttons].filter((d) => !d.hidden && shown(d)).map((d) => {
    const r = d.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    return {x, y, size: r.width, handle: d.dataset.handle || null};
  }).filter((d) => d.size > 0 && d.x >= 0 && d.y >= 0 && d.x <= vw && d.y <= vh);
  const card = (sel) => {
    const el = document.querySelector(sel);
    return el ? seen(el) : "missing";
  };
  return {
    scrollY, dots, cards: cards.map(card),
    noDot: noDot.flatMap((sel) => [...document.querySelectorAll(sel)].map(seen).filter(Boolean)),
  };
}"""

#: How long the dots must stay put before a look counts, and the longest wait.
SETTLE_S, PATIENCE_S = 0.45, 6.0


def _dots_key(snapshot: dict[str, Any]) -> str:
    return json.dumps([(round(d["x"]), round(d["y"]), d["handle"]) for d in snapshot["dots"]])


def settled_snapshot(page: Page, cards: list[str], no_dot: list[str]) -> dict[str, Any]:
    """A look at the screen once the dots stayed put for ``SETTLE_S`` (at most ``PATIENCE_S``)."""
    args = {"cards": cards, "noDot": no_dot}
    deadline = time.monotonic() + PATIENCE_S
    snapshot = page.evaluate(SNAPSHOT_JS, args)
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(150)
        current = page.evaluate(SNAPSHOT_JS, args)
        if _dots_key(current) != _dots_key(snapshot):
            snapshot, stable_since = current, time.monotonic()
        elif time.monotonic() - stable_since >= SETTLE_S:
            return current
    return snapshot


def _inside(dot: dict[str, Any], box: dict[str, float]) -> bool:
    return box["l"] <= dot["x"] <= box["r"] and box["t"] <= dot["y"] <= box["b"]


@dataclass
class Measurement:
    """What the dots of one page came to: per expected card the handles of the dots on it
    when it was best in view, and dots where none belongs."""

    expected: list[ExpectedDot]
    on_card: list[list[str] | None] = field(default_factory=list)  # None: never seen
    wrong: list[str] = field(default_factory=list)
    new_errors: list[str] = field(default_factory=list)

    @property
    def right(self) -> int:
        """Cards with exactly one dot, of the right product."""
        return sum(
            found == [e.handle] for e, found in zip(self.expected, self.on_card, strict=True)
        )

    def problems(self) -> list[str]:
        """Each miss and each wrong dot, in words."""
        out = []
        for expected, found in zip(self.expected, self.on_card, strict=True):
            if found is None:
                out.append(f"{expected.card}: the card is never visible (fixture or actions?)")
            elif found != [expected.handle]:
                out.append(
                    f"{expected.card}: dots {found or 'none'}, expected [{expected.handle!r}]"
                )
        out += [f"wrong dot: {w}" for w in self.wrong]
        out += [f"new console error: {e}" for e in self.new_errors]
        return out


def measure(page: Page, spec: PageSpec) -> Measurement:
    """Look at the whole page as a person scrolls through it.

    First where the actions left it (a hovered card stays hovered), then one
    viewport at a time from the top. Each expected card is judged on the look
    that showed most of it; every look checks that each dot on screen sits on
    an expected card of its product and on no ``no_dot`` element.
    """
    cards = [e.card for e in spec.dots]
    result = Measurement(spec.dots)
    best: list[tuple[float, list[str]] | None] = [None] * len(cards)
    wrong: dict[tuple[Any, ...], str] = {}

    def look() -> None:
        snap = settled_snapshot(page, cards, spec.no_dot)
        for i, box in enumerate(snap["cards"]):
            assert box != "missing", f"the page has no {cards[i]!r}"
            if box and (best[i] is None or box["area"] > best[i][0] + 1):
                best[i] = (
                    box["area"],
                    sorted(d["handle"] for d in snap["dots"] if _inside(d, box)),
                )
        for dot in snap["dots"]:
            on = [
                e
                for e, box in zip(spec.dots, snap["cards"], strict=True)
                if box and _inside(dot, box)
            ]
            reason = None
            if any(e.handle == dot["handle"] for e in on):
                pass  # a second dot on the card is counted below, from its best look
            elif any(_inside(dot, box) for box in snap["noDot"]):
                reason = "on a no_dot element"
            elif not on:
                reason = "on no expected card"
            else:
                reason = f"on {on[0].card!r}, which shows {on[0].handle!r}"
            if reason:
                y = dot["y"] + snap["scrollY"]
                key = (dot["handle"], round(dot["x"] / 8), round(y / 8))
                wrong[key] = f"{dot['handle']!r} at x={dot['x']:.0f} y={y:.0f} {reason}"

    look()
    height = page.evaluate("document.scrollingElement.scrollHeight")
    if height > VIEWPORT["height"] + 1:
        for top in range(0, height, VIEWPORT["height"] - 100):
            page.evaluate("y => scrollTo(0, y)", top)
            look()
    result.on_card = [entry[1] if entry else None for entry in best]
    # A card's second dot of its own product is a duplicate (a cloned slide, two
    # detectors): wrong too. Dots of another product were counted by look().
    result.wrong = sorted(wrong.values()) + [
        f"{found.count(e.handle) - 1} more dot(s) of {e.handle!r} on {e.card!r}"
        for e, found in zip(spec.dots, result.on_card, strict=True)
        if found and found.count(e.handle) > 1
    ]
    return result


def console_errors(page: Page) -> list[str]:
    """Collect the page's console errors and uncaught exceptions from now on."""
    errors: list[str] = []
    # The location names the resource of a "Failed to load resource" error.
    page.on(
        "console",
        lambda m: (
            errors.append(f"{m.text} ({m.location.get('url')})") if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return errors


def open_page(
    browser: Browser, url: str, spec: PageSpec, with_dots: bool, image_delay_s: float = 0
) -> tuple[Page, list[str]]:
    """``url`` in a fresh profile, actions done; nothing leaves loopback.

    Without dots the store serves the page without its script tag. With
    ``image_delay_s`` every image arrives that late, as on a slow network or a
    busy machine: the overlay starts while images have no box yet.
    """
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.route(
        re.compile(r"^(?!https?://127\.0\.0\.1[:/])"), lambda route: route.abort()
    )  # no fixture may reach the network
    if image_delay_s:

        def late(route: Route) -> None:
            time.sleep(image_delay_s)
            route.continue_()

        context.route(re.compile(r"\.(jpe?g|png|webp|avif|gif)(\?|$)"), late)
    page = context.new_page()
    if not with_dots:
        page.set_extra_http_headers({WITHOUT_DOTS: "1"})
    errors = console_errors(page)
    if with_dots:
        # The first look starts once the overlay has its answer: on a busy machine
        # an empty screen would otherwise pass for settled before any dot is drawn.
        with page.expect_response(lambda r: "/v1/session" in r.url, timeout=30_000):
            page.goto(url, wait_until="load")
    else:
        page.goto(url, wait_until="load")
    run_actions(page, spec.actions)
    return page, errors


def new_errors(with_dots: list[str], without: list[str]) -> list[str]:
    """Console errors of the page with the script tag that the page alone does not log."""
    return list((Counter(with_dots) - Counter(without)).elements())


def summary_line(platform: str, spec: PageSpec, result: Measurement) -> str:
    """``platform (page): k of n expected dots, m wrong`` for the team's progress view."""
    extra = f", {len(result.new_errors)} new console errors" if result.new_errors else ""
    return (
        f"{platform} ({spec.url}): {result.right} of {len(spec.dots)} expected dots, "
        f"{len(result.wrong)} wrong{extra}"
    )
