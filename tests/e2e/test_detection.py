"""Detection from the page alone (issue #9 item 2): the overlay reads product keys off
markup nobody on this project wrote, looks them up, and puts one dot on the right image.

The pages are served on the store's origin by Playwright; the widget server serves the
real loader and overlay, and the API calls of the overlay (``POST /v1/session``,
``GET /v1/products``) are answered by :class:`FakeApi` per the protocol, so each test
controls which keys name which product and sees every key the overlay asked for.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Response, Route
from werkzeug.serving import make_server

from tests.e2e.stack import BRAND, Invite, Stack, dot_handles, wait_for_dots
from tests.e2e.test_overlay_pages import DOTS_MATCH_CARDS_JS

TOKEN = "fake.token"  # the fake API takes any token


def product(handle: str, *, image: str = "") -> dict[str, Any]:
    """A product in the full shape (the dot shape plus options and variants)."""
    return {
        "handle": handle,
        "title": handle.replace("-", " ").title(),
        "url": f"/products/{handle}",
        "image_url": image,
        "over_limit": False,
        "price_minor": 2500,
        "option_names": ["Size"],
        "variants": [
            {
                "id": 1000 + len(handle),
                "store_id": str(2000 + len(handle)),
                "title": "M",
                "option_values": ["M"],
                "price_minor": 2500,
                "available": True,
                "image_url": image,
            }
        ],
    }


@dataclass
class FakeApi:
    """The widget API's product answers, from a table of keys -> handles.

    Records the keys each call asked for (``calls``: ``(method, path, keys, headers)``).
    """

    keys: dict[str, str]
    version: str = "7-0"
    calls: list[tuple[str, str, list[str], dict[str, str]]] = field(default_factory=list)

    def answer(self, keys: list[str], full: list[str]) -> dict[str, Any]:
        matches = {key: self.keys[key] for key in keys if key in self.keys}
        handles = sorted(set(matches.values()) | set(full) & set(self.keys.values()))
        shapes = []
        for handle in handles:
            shape = product(handle)
            if handle not in full:
                for name in ("option_names", "variants"):
                    shape.pop(name)
            shapes.append(shape)
        return {"catalog_version": self.version, "products": shapes, "matches": matches}

    def handle(self, route: Route) -> None:
        request = route.request
        origin = request.headers.get("origin", "*")
        cors = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Headers": "Authorization, Content-Type",
            "Access-Control-Allow-Methods": "GET, POST",
            "Vary": "Origin",
        }
        if request.method == "OPTIONS":
            route.fulfill(status=204, headers=cors)
            return
        url = urlsplit(request.url)
        if request.method == "POST":
            body = request.post_data_json or {}
            keys, full = body.get("keys", []), body.get("full", [])
            data = {
                **self.answer(keys, full),
                "influencer": {"name": "Ana Lima", "handles": []},
                "brand": {"slug": BRAND, "name": "Northwind", "currency": "EUR", "policy": {}},
                "statuses": {},
                "preview": False,
            }
        else:
            query = parse_qs(url.query)
            keys = [k for k in query.get("keys", [""])[0].split(",") if k]
            full = [h for h in query.get("full", [""])[0].split(",") if h]
            data = self.answer(keys, full)
        self.calls.append((request.method, url.path, keys, dict(request.headers)))
        route.fulfill(
            status=200, headers=cors, content_type="application/json", body=json.dumps(data)
        )

    def asked(self) -> list[str]:
        """Every key asked for, in order."""
        return [key for call in self.calls for key in call[2]]


@dataclass
class Pages:
    """HTML pages served at ``<origin>/fx/<name>`` with the brand's script tag.

    A server of their own on loopback (a page Playwright fulfils counts as a public
    address, which Chromium then forbids to load the loader from loopback); the fake
    API answers any origin, so it need not be one of the brand's.
    """

    stack: Stack
    page: Page
    html: dict[str, str] = field(default_factory=dict)
    origin: str = ""

    def add(self, name: str, body: str, head: str = "") -> str:
        src = f"{self.stack.widget_url}/v1/dots.js"
        self.html[name] = (
            f"<!doctype html><html><head><meta charset=utf-8>{head}"
            f'<script async src="{src}" data-brand="{BRAND}"></script>'
            "<style>img{display:block;width:100px;height:100px;background:#ccc}</style>"
            f"</head><body>{body}</body></html>"
        )
        return f"{self.origin}/fx/{name}"

    def app(self, environ: dict[str, Any], start: Any) -> list[bytes]:
        name = environ["PATH_INFO"].split("/fx/", 1)[-1]
        if name in self.html:
            start("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [self.html[name].encode()]
        if name.endswith((".jpg", ".png", ".webp")):
            start("200 OK", [("Content-Type", "image/svg+xml")])
            return [SVG.encode()]
        start("404 Not Found", [("Content-Type", "text/plain")])
        return [b""]

    def open(self, name: str, api: FakeApi) -> None:
        self.page.route(f"{self.stack.widget_url}/v1/session", api.handle)
        self.page.route(f"{self.stack.widget_url}/v1/products*", api.handle)
        self.page.goto(f"{self.origin}/fx/{name}#dots={TOKEN}")


SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'


@pytest.fixture
def pages(stack: Stack, page: Page) -> Iterator[Pages]:
    served = Pages(stack, page)
    server = make_server("127.0.0.1", 0, served.app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    served.origin = f"http://127.0.0.1:{server.server_port}"
    yield served
    server.shutdown()


def dots_on(page: Page) -> list[tuple[str, str]]:
    """(handle, id of the image under the dot's centre) of every dot on screen."""
    return page.evaluate(
        """() => [...document.querySelector("dots-overlay").shadowRoot
              .querySelectorAll("button.dot:not([hidden]):not(.off)")].map((dot) => {
            const r = dot.getBoundingClientRect();
            const x = r.x + r.width / 2, y = r.y + r.height / 2;
            const under = [...document.querySelectorAll("img,[role=img]")].filter((img) => {
              const b = img.getBoundingClientRect();
              return b.left <= x && x <= b.right && b.top <= y && y <= b.bottom
                && img.checkVisibility({opacityProperty: true, visibilityProperty: true});
            }).map((img) => img.id).join("+");
            return [dot.dataset.handle, under];
          }).sort()"""
    )


def settle(page: Page) -> None:
    """Two animation frames: a scan scheduled now has run and placed its dots."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


# ---------------------------------------------------------------------------- cards

LISTING = """
<nav><a href="/">Home</a> <a href="/product/linen-shirt/">Linen shirt (menu)</a></nav>
<ol class="breadcrumb"><li><a href="/fx/shop">Shop</a></li></ol>
<a href="/fx/shop#reviews"><img id="review-stars" alt="reviews"></a>
<a href="/cdn/shop/files/products/oxford-tee.jpg"><img id="zoom" alt="zoom"></a>
<ul class="products">
  <li class="product">
    <a href="/product/oxford-tee/"><img id="tee-badge" style="width:40px;height:40px">
      <img id="tee" style="width:150px;height:150px">
      <img id="tee-hover" style="position:absolute;width:160px;height:160px;opacity:0"></a>
    <a href="/product/oxford-tee/"><h2>Oxford tee</h2></a>
    <a href="/fx/shop?add-to-cart=12">Add to cart</a>
  </li>
  <li class="product">
    <div class="media"><img id="mug"></div>
    <a href="/en-gb/shop/cafe-mug.html">Café mug</a>
  </li>
  <li class="product">
    <a href="/product/not-ours/"><img id="other"></a>
  </li>
</ul>
<footer><a href="/pages/about">About</a></footer>
"""


def test_cards_on_any_path_get_one_dot_on_their_largest_visible_image(pages: Pages) -> None:
    api = FakeApi({"u:/product/oxford-tee": "oxford-tee", "u:/en-gb/shop/cafe-mug": "cafe-mug"})
    pages.add("shop", LISTING)
    pages.open("shop", api)
    wait_for_dots(pages.page, 2)
    settle(pages.page)
    # The tee's dot is on its main image: not the badge (smaller), nor the hover image
    # (larger, but transparent); the mug's link has its image beside it.
    assert dots_on(pages.page) == [["cafe-mug", "mug"], ["oxford-tee", "tee"]]
    # One call before the dots, with the keys of cards only: no key for links to this
    # page (breadcrumb, #reviews), image files, or links with no image near them.
    assert [call[:2] for call in api.calls] == [("POST", "/v1/session")]
    # (and the page's own URL: it may be a product's page)
    assert sorted(api.asked()) == [
        "u:/en-gb/shop/cafe-mug",
        "u:/fx/shop",
        "u:/product/not-ours",
        "u:/product/oxford-tee",
    ]


def test_a_card_that_fades_in_by_class_gets_its_dot(pages: Pages) -> None:
    api = FakeApi({"u:/p/fade-tee": "fade-tee"})
    pages.add(
        "fade",
        "<style>.card{opacity:0;transition:none}.card.shown{opacity:1}</style>"
        '<div class="card" id="card"><a href="/p/fade-tee"><img id="fade"></a></div>',
    )
    pages.open("fade", api)
    pages.page.wait_for_function("() => document.querySelector('dots-overlay')")
    settle(pages.page)
    assert dots_on(pages.page) == []
    pages.page.evaluate("document.getElementById('card').classList.add('shown')")
    pages.page.wait_for_function(
        "() => document.querySelector('dots-overlay').shadowRoot"
        ".querySelector('button.dot:not([hidden]):not(.off)')"
    )
    assert dots_on(pages.page) == [["fade-tee", "fade"]]


CAROUSEL = """
<style>.track{display:flex;overflow:hidden;width:660px}.slide{flex:none;width:220px}
.slide img{width:200px;height:200px}.marquee{display:flex}</style>
<div class="slick-slider"><div class="track">
  <div class="slide slick-cloned" aria-hidden="true"><a href="/products/c"><img id="cc"></a></div>
  <div class="slide"><a href="/products/a"><img id="a"></a></div>
  <div class="slide"><a href="/products/b"><img id="b"></a></div>
  <div class="slide"><a href="/products/c"><img id="c"></a></div>
  <div class="slide slick-cloned" aria-hidden="true"><a href="/products/a"><img id="ac"></a></div>
</div></div>
<div class="marquee">
  <div class="group"><a href="/products/d"><img id="d"></a></div>
  <div class="group" aria-hidden="true"><a href="/products/d"><img id="d-copy"></a></div>
</div>
<div class="flickity"><div class="cell is-selected"><a href="/products/e"><img id="e"></a></div>
  <div class="cell" aria-hidden="true"><a href="/products/f"><img id="f"></a></div></div>
"""


def test_carousel_clones_get_no_dot_of_their_own(pages: Pages) -> None:
    api = FakeApi({f"u:/products/{h}": h for h in "abcdef"})
    pages.add("carousel", CAROUSEL)
    pages.open("carousel", api)
    wait_for_dots(pages.page, 6)
    settle(pages.page)
    # slick's clones: none; an aria-hidden copy of a product shown beside it: none;
    # Flickity's unselected (aria-hidden, but unique) cell: its own dot.
    assert dot_handles(pages.page) == ["a", "b", "c", "d", "e", "f"]
    assert dots_on(pages.page) == [
        ["a", "a"],
        ["b", "b"],
        ["c", "c"],
        ["d", "d"],
        ["e", "e"],
        ["f", "f"],
    ]


def test_two_links_of_one_card_give_one_dot(pages: Pages) -> None:
    api = FakeApi({"u:/products/tee": "tee"})
    pages.add(
        "twice",
        '<div class="card"><div class="media"><img id="tee"></div>'
        '<a href="/products/tee">Tee</a><a href="/products/tee?variant=5">Tee in red</a></div>',
    )
    pages.open("twice", api)
    wait_for_dots(pages.page, 1)
    settle(pages.page)
    assert dots_on(pages.page) == [["tee", "tee"]]


# ---------------------------------------------------------------------------- later lookups


def grid(start: int, stop: int) -> str:
    return "".join(
        f'<div class="card"><a href="/products/p{n}"><img id="p{n}"></a></div>'
        for n in range(start, stop)
    )


def test_cards_added_later_are_looked_up_by_get_once(pages: Pages) -> None:
    api = FakeApi({f"u:/products/p{n}": f"p{n}" for n in range(0, 12)})
    pages.add("infinite", f'<div id="grid">{grid(0, 4)}</div>')
    pages.open("infinite", api)
    wait_for_dots(pages.page, 4)
    # Infinite scroll: the next page of cards, and again one already seen.
    pages.page.evaluate(
        "html => document.getElementById('grid').insertAdjacentHTML('beforeend', html)",
        grid(4, 12) + grid(0, 1),
    )
    wait_for_dots(pages.page, 13)
    settle(pages.page)
    assert [call[:2] for call in api.calls] == [("POST", "/v1/session"), ("GET", "/v1/products")]
    method, path, keys, headers = api.calls[1]
    assert keys == sorted(f"u:/products/p{n}" for n in range(4, 12))  # new keys only, sorted
    # The public lookup: no token (a simple request), the browser's cache allowed.
    assert "authorization" not in headers
    assert "no-cache" not in headers.get("cache-control", "")
    assert "no-cache" not in headers.get("pragma", "")


def test_many_keys_go_in_batches_under_the_url_limit(pages: Pages) -> None:
    api = FakeApi({})
    pages.add("many", "")
    pages.open("many", api)
    pages.page.wait_for_function("() => document.querySelector('dots-overlay')")
    long = "x" * 120
    pages.page.evaluate(
        "html => document.body.insertAdjacentHTML('beforeend', html)",
        "".join(f'<a href="/products/{long}{n}"><img></a>' for n in range(60)),
    )
    for _ in range(40):
        if len(api.asked()) >= 60:
            break
        pages.page.wait_for_timeout(50)
    gets = [call for call in api.calls if call[0] == "GET"]
    assert len(gets) > 1
    assert sorted(key for call in gets for key in call[2]) == sorted(
        f"u:/products/{long}{n}" for n in range(60)
    )


# ---------------------------------------------------------------------------- the real server


def scroll_to_the_end(page: Page, catalog: list[str]) -> None:
    """The demo store's infinite scroll, to its last card, a page of cards at a time
    (each with its dots before the next: each page's keys are then one lookup)."""
    for _ in range(20):
        page.wait_for_function(DOTS_MATCH_CARDS_JS, arg=catalog)
        if page.locator("#infinite-grid[data-complete]").count():
            return
        shown = page.locator(".card").count()
        page.mouse.wheel(0, 4000)
        page.wait_for_function(
            "n => document.querySelectorAll('.card').length > n"
            " || document.querySelector('#infinite-grid[data-complete]')",
            arg=shown,
        )


def _widget_calls(page: Page) -> list[tuple[str, str, dict[str, str], str | None]]:
    """Every call to the widget API from now on: method, URL, headers, body."""
    sent: list[tuple[str, str, dict[str, str], str | None]] = []
    page.on(
        "request",
        lambda r: (
            sent.append((r.method, r.url, r.headers, r.post_data)) if "/v1/" in r.url else None
        ),
    )
    return sent


def _served_from_cache(page: Page) -> list[str]:
    """The URLs the browser answers from its cache from now on (memory or disk)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    cached: list[str] = []
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on("Network.requestServedFromCache", lambda e: cached.append(urls.get(e["requestId"], "")))
    cdp.on(
        "Network.responseReceived",
        lambda e: (
            cached.append(e["response"]["url"]) if e["response"].get("fromDiskCache") else None
        ),
    )
    return cached


def _lookups(sent: list[tuple[str, str, dict[str, str], str | None]]) -> list[str]:
    return sorted(u for m, u, _, _ in sent if m == "GET" and "/v1/products?" in u)


def _sessions(sent: list[tuple[str, str, dict[str, str], str | None]]) -> list[dict[str, Any]]:
    return [json.loads(b or "{}") for m, u, _, b in sent if urlsplit(u).path == "/v1/session"]


def _kept(page: Page) -> dict[str, Any] | None:
    """What the overlay kept of its answers for the next view (see the protocol)."""
    raw = page.evaluate(f"localStorage.getItem('dots:{BRAND}:v')")
    return json.loads(raw) if raw else None


def _forget_products(page: Page) -> None:
    """Empty what was kept but its catalog version: as if the last views had seen
    none of these products."""
    page.evaluate(
        "key => { const kept = JSON.parse(localStorage.getItem(key));"
        " localStorage.setItem(key, JSON.stringify({...kept, k: {}, p: {}})); }",
        f"dots:{BRAND}:v",
    )


def test_a_page_view_asks_once_and_a_returning_view_draws_from_what_it_kept(
    stack: Stack, page: Page
) -> None:
    """On the real server: the start is one POST /v1/session (never /v1/catalog nor
    /v1/requests/mine); cards added later are looked up by GET /v1/products. What
    the answers said is kept, at the catalog version: a returning view's session
    call leaves from the loader, with no keys, and its dots come from what was kept,
    with no lookup. Keys nothing kept names are looked up by GET at the kept
    version, which the browser's cache answers the next time."""
    cached = _served_from_cache(page)
    sent = _widget_calls(page)
    catalog = list(stack.catalog())

    page.goto(stack.invite("/infinite").url)
    scroll_to_the_end(page, catalog)
    wait_for_dots(page, len(catalog))
    calls = [(m, urlsplit(u).path) for m, u, _, _ in sent if "/v1/dots.js" not in u]
    assert calls.count(("POST", "/v1/session")) == 1
    assert _sessions(sent)[0]["keys"], "a first view sends the page's keys with the session"
    assert not [c for c in calls if c[1] in ("/v1/catalog", "/v1/requests/mine")]
    first = _lookups(sent)
    assert first, "the cards after the first page are looked up by GET"
    assert all("authorization" not in h for m, u, h, _ in sent if u in first)
    kept = _kept(page)
    assert kept and set(kept["p"]) == set(catalog)
    version = kept["v"]
    assert version and all(f"v={version}&" in u for u in first)
    assert kept["b"]["slug"] == BRAND and "influencer" not in kept

    sent.clear()
    page.goto(f"{stack.store_url}/infinite")  # the link is remembered
    scroll_to_the_end(page, catalog)
    wait_for_dots(page, len(catalog))
    assert _sessions(sent) == [{"brand": BRAND}]  # from the loader: no keys, no bag
    assert _lookups(sent) == []  # every key was kept

    lookups: list[list[str]] = []
    for _ in range(2):
        _forget_products(page)
        sent.clear()
        cached.clear()
        page.goto(f"{stack.store_url}/infinite")
        scroll_to_the_end(page, catalog)
        wait_for_dots(page, len(catalog))
        assert _sessions(sent) == [{"brand": BRAND}]
        lookups.append(_lookups(sent))
        assert lookups[-1] and all(f"v={version}&" in u for u in lookups[-1])
    assert lookups[1] == lookups[0]  # the same URLs (sorted keys, the same version)…
    assert sorted({u for u in cached if "/v1/products?" in u}) == lookups[1]  # …from the cache


def _invited(stack: Stack, page: Page) -> tuple[list[str], Invite]:
    """A first view through a new link: the catalog's dots drawn, the answers kept."""
    catalog = list(stack.catalog())
    invite = stack.invite("/")
    page.goto(invite.url)
    wait_for_dots(page, len(catalog))
    return catalog, invite


def _hold_sessions(page: Page) -> list[Route]:
    """The session calls from now on, held back until a test lets them go."""
    held: list[Route] = []
    page.route("**/v1/session", lambda route: held.append(route))
    return held


def test_a_returning_view_draws_before_the_session_answers(stack: Stack, page: Page) -> None:
    """The dots of a returning view wait for no round trip: with the session call
    held back, they are on screen from what was kept (statuses included); the
    answer then brings the statuses of now, and the greeting with the name."""
    catalog, invite = _invited(stack, page)
    held = _hold_sessions(page)
    page.evaluate("sessionStorage.clear()")  # a new visit: the greeting is due again
    page.goto(f"{stack.store_url}/")
    wait_for_dots(page, len(catalog))
    assert len(held) == 1, "the loader's call is still unanswered"
    assert page.locator("dots-overlay .toast").count() == 0  # no greeting before the name
    requested = catalog[0]
    stack.submit_request(invite.link_id, [requested])
    assert page.locator(f'dots-overlay .dot[data-handle="{requested}"]').get_attribute(
        "data-status"
    ) in ("", None), "nothing kept said it was requested"
    held[0].continue_()
    # The answer brings the status of now.
    page.locator(f'dots-overlay .dot[data-handle="{requested}"][data-status="pending"]').wait_for()
    first_name = invite.name.split(" ")[0]
    page.locator("dots-overlay .toast", has_text=f"Hi {first_name}!").wait_for()


#: Counts the overlay's detections: each begins by asking the page for its tagged products.
COUNT_DETECTIONS_JS = """
(() => {
  const own = Document.prototype.querySelectorAll;
  window.__detections = 0;
  Document.prototype.querySelectorAll = function (selector) {
    if (selector === "[data-dots-product]") window.__detections += 1;
    return own.apply(this, arguments);
  };
})();
"""


def test_a_returning_views_dots_stand_when_the_session_answers(stack: Stack, page: Page) -> None:
    """Issue #9: the session's answer of a returning view (same catalog version)
    brings the statuses without detecting the page again: the dots drawn from what
    was kept stand, and only their labels and places change. (Detecting twice, in
    the same task, doubled the overlay's work before the first painted dots.) The
    page's watchers, on since the drawing, still see what changes meanwhile."""
    catalog, invite = _invited(stack, page)
    held = _hold_sessions(page)
    page.add_init_script(COUNT_DETECTIONS_JS)
    page.goto(f"{stack.store_url}/", wait_until="load")
    wait_for_dots(page, len(catalog))
    requested, removed = catalog[0], catalog[1]
    stack.submit_request(invite.link_id, [requested])
    # Scans from late image loads settle first: the count holds still for a while.
    before = -1
    while (count := page.evaluate("window.__detections")) != before:
        before = count
        page.wait_for_timeout(400)
    assert before >= 1 and len(held) == 1
    held[0].continue_()
    page.locator(f'dots-overlay .dot[data-handle="{requested}"][data-status="pending"]').wait_for()
    page.wait_for_timeout(200)  # the next frames place the dots again
    assert page.evaluate("window.__detections") == before
    # A card taken off the page while the dots stood takes its dot along.
    page.evaluate(
        "handle => document.querySelector(`a[href='/products/${handle}']`)"
        ".closest('.card').remove()",
        removed,
    )
    page.locator(f'dots-overlay .dot[data-handle="{removed}"]').wait_for(state="detached")


def test_images_that_load_under_their_dots_only_move_them(stack: Stack, page: Page) -> None:
    """Issue #9: on a returning view the dots come before the page's images have
    loaded; each image that loads under a dot only places the dots again (its box
    is watched), where it used to detect the whole page again, once a frame while
    they kept coming. An image with no dot still has the page looked at again."""
    catalog, _ = _invited(stack, page)
    held: list[Route] = []
    page.route("**/images/*.svg", lambda route: held.append(route))
    page.add_init_script(COUNT_DETECTIONS_JS)
    page.goto(f"{stack.store_url}/", wait_until="domcontentloaded")
    wait_for_dots(page, len(catalog))
    page.wait_for_timeout(300)
    before = page.evaluate("window.__detections")
    assert held, "the images are held back"
    # Let the dotted products' images in until none is asked for a while (lazy
    # ones below the fold never are); keep the others (a sold-out product's).
    others: list[Route] = []
    quiet = 0
    while quiet < 5:
        quiet = 0 if held else quiet + 1
        while held:
            route = held.pop()
            handle = urlsplit(route.request.url).path.rsplit("/", 1)[-1].removesuffix(".svg")
            if handle in catalog:
                route.continue_()
            else:
                others.append(route)
        page.wait_for_timeout(100)
    assert page.evaluate("window.__detections") == before
    wait_for_dots(page, len(catalog))
    # An image without a dot loads: the page is looked at again.
    assert others, "the demo page shows a product that gets no dot"
    for route in others:
        route.continue_()
    page.wait_for_function("before => window.__detections > before", arg=before)


def test_a_returning_view_after_a_sync_looks_its_keys_up_again(stack: Stack, page: Page) -> None:
    """The catalog moved on since the last view (here a product was excluded, which
    bumps the version as a sync does): what was kept is of the old catalog, so once
    the session call names the new version the overlay forgets it, asks again at the
    new one, draws from that, and keeps it."""
    sent = _widget_calls(page)
    catalog = list(stack.catalog())
    page.goto(stack.invite("/").url)
    wait_for_dots(page, len(catalog))
    kept = _kept(page)["v"]
    gone = catalog[0]
    stack.exclude(gone)
    try:
        sent.clear()
        page.goto(f"{stack.store_url}/")
        wait_for_dots(page, len(catalog) - 1)
        assert gone not in (dot_handles(page) or [])
        now = _kept(page)["v"]
        assert now and now != kept
        lookups = _lookups(sent)
        assert lookups and all(f"v={now}&" in u for u in lookups)
        assert gone not in _kept(page)["p"]
    finally:
        stack.exclude(gone, excluded=False)


def test_lookups_of_the_old_catalog_never_come_back_after_a_sync(stack: Stack, page: Page) -> None:
    """A returning view looks up, at the kept version, the keys nothing kept names,
    and the browser's cache may answer with the catalog of then. When the session
    says the catalog moved on, those answers are dropped however late they come
    (here: after the new ones): no dot of a product that left, and what is kept is
    of the new version."""
    catalog = list(stack.catalog())
    page.goto(stack.invite("/").url)
    wait_for_dots(page, len(catalog))
    old = _kept(page)["v"]
    _forget_products(page)
    stale: dict[str, tuple[str, dict[str, str]]] = {}

    def remember(response: Response) -> None:
        if f"v={old}&" in response.url:
            stale[response.url] = (response.text(), response.all_headers())

    page.on("response", remember)
    page.goto(f"{stack.store_url}/")  # every key looked up at the kept version
    wait_for_dots(page, len(catalog))
    page.wait_for_load_state("networkidle")
    page.remove_listener("response", remember)
    assert stale
    gone = catalog[0]
    stack.exclude(gone)

    def late_and_stale(route: Route) -> None:
        if route.request.url not in stale:
            return route.continue_()
        time.sleep(1.0)  # after the answers at the new version
        body, headers = stale[route.request.url]
        return route.fulfill(status=200, body=body, headers=headers)

    try:
        _forget_products(page)
        page.route("**/v1/products?*", late_and_stale)
        page.goto(f"{stack.store_url}/")
        wait_for_dots(page, len(catalog) - 1)
        page.wait_for_load_state("networkidle")  # the stale answers came, and went
        assert gone not in (dot_handles(page) or [])
        kept = _kept(page)
        assert kept["v"] != old and gone not in kept["p"]
    finally:
        stack.exclude(gone, excluded=False)


def test_a_returning_view_whose_early_session_call_fails_stays_quiet(
    stack: Stack, page: Page
) -> None:
    """The loader's session call fails (network down): the page sees no error and no
    unhandled rejection, the overlay says why in the console, takes away the dots it
    drew from what it kept (nothing could be sent with them), and keeps the link for
    the next view."""
    catalog = list(stack.catalog())
    page.goto(stack.invite("/").url)
    wait_for_dots(page, len(catalog))
    errors: list[str] = []
    console: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(
        "addEventListener('unhandledrejection', (e) => window.__rejected = String(e.reason))"
    )
    page.route("**/v1/session", lambda route: route.abort())
    page.goto(f"{stack.store_url}/")
    page.wait_for_load_state("load")
    for _ in range(40):
        if any("[dots] session" in line for line in console):
            break
        page.wait_for_timeout(50)
    assert any("[dots] session: network error" in line for line in console)
    assert errors == []
    assert page.evaluate("window.__rejected") is None
    page.locator("dots-overlay").wait_for(state="detached")
    assert page.evaluate(f"localStorage.getItem('dots:{BRAND}')")
