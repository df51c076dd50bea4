"""Browser benchmark: what a shopper pays, and how soon an influencer sees the dots.

Runs the live stack of the browser tests (``widget-server serve`` and the demo
store on loopback) and Debian's Chromium through Playwright, with the tests'
launch arguments. The page is the demo store's grid of 200 products
(``/?count=200``); the brand's catalog holds those 200 products, then 10,000
(the same 200 plus 9,800 that are not on the page), so the figures show
whether anything grows with the catalog.

- Shopper: requests (and bytes, headers included) to the widget host when a
  shopper opens the store's home page, on a first and on a repeat visit.
- Dots ready: milliseconds from the page's DOMContentLoaded to the first
  frame in which every requestable product on the page has its dot (a
  rendered dot; those of off-screen products carry ``.off`` and count too).
  Measured in the page with ``performance.now()``, checked once per animation
  frame. "First visit" comes through the link in a fresh browser context
  (empty cache and storage); "returning" is an influencer in one context
  (token stored, scripts and product lookups in the HTTP cache).
- Bytes an influencer downloads from the widget host per page view (bodies
  and headers as transferred), first visit and returning.
- The page's own first paint, in ms after DOMContentLoaded: no dot can be
  seen before it, and in the traces of these runs Chromium ran the overlay
  (an async script the loader inserts) only after it.
- Where the time goes, from the Resource Timing of ``POST /v1/session``:
  when the call left (on a first visit: the page's own work before the
  overlay could run, then reading the keys; on a returning one the loader
  sends it, before DOMContentLoaded, so the figure is negative), its round
  trip, and drawing (from the answer to the frame with every dot). A
  returning visit draws from what the last one kept without waiting for the
  answer, so there its "drawing" may be negative; what it waits for is the
  overlay script (``overlay_script_ms``: when its bytes were in, after
  DOMContentLoaded) and the page's own first paint.
- Main thread: the overlay's own cost, from a Chrome trace of the visit:
  the time of the scripts and callbacks of the widget's files (layouts they
  force included), and the long tasks (> 50 ms) of the influencer's view.
Medians of ``runs`` visits of each kind.
"""

from __future__ import annotations

import json
import logging
import statistics
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Request, sync_playwright
from tqdm import tqdm

from tests.e2e.stack import BRAND, CHROMIUM, CHROMIUM_ARGS, Stack, start_stack
from widget_server.brands.models import Brand
from widget_server.catalog.models import Product, Variant
from widget_server.db import session

PRODUCTS_ON_PAGE = 200
CATALOG_SIZES = (200, 10_000)
FILLER = "filler-"  # handles of the products no page shows
VIEWPORT = {"width": 1280, "height": 900}
TRACED = 3  # visits traced for the overlay's main-thread time


def ready_js(dots: int) -> str:
    """Installed before any page script: stamps the first frame with all ``dots`` dots.

    ``dots`` is the number of requestable products on the page: sold-out and
    excluded products have a card but no dot. Also counts long tasks.
    """
    return f"""(() => {{
  if (window.top !== window) return;  // not in the request panel's frame
  window.__benchLongTasks = [];
  try {{
    new PerformanceObserver((list) => {{
      list.getEntries().forEach((e) => window.__benchLongTasks.push(e.duration));
    }}).observe({{ type: "longtask", buffered: true }});
  }} catch (err) {{}}
  const check = () => {{
    const host = document.querySelector("dots-overlay");
    const dots = host ? host.shadowRoot.querySelectorAll("button.dot:not([hidden])") : [];
    if (dots.length >= {dots}) {{
      const nav = performance.getEntriesByType("navigation")[0];
      window.__benchDotsReady = performance.now() - nav.domContentLoadedEventStart;
    }} else requestAnimationFrame(check);
  }};
  requestAnimationFrame(check);
}})();"""


def _finished_widget_requests(page: Page, widget_url: str) -> list[Request]:
    done: list[Request] = []
    page.on("requestfinished", lambda r: done.append(r) if r.url.startswith(widget_url) else None)
    return done


def _transferred(request: Request) -> int:
    sizes = request.sizes()
    return sizes["responseHeadersSize"] + sizes["responseBodySize"]


def _overlay_ms(trace: bytes, widget_url: str) -> float:
    """Main-thread milliseconds of the widget's scripts in a Chrome trace.

    Script runs (compile, evaluation, and every callback: events, frames,
    observers, promise reactions) are ``EvaluateScript``/``FunctionCall``/
    ``v8.compile`` events naming their file; nested ones count once.
    """
    events = json.loads(trace)
    events = events["traceEvents"] if isinstance(events, dict) else events
    ours = sorted(
        (event["ts"], event["ts"] + event.get("dur", 0))
        for event in events
        if event.get("ph") == "X"
        and event.get("name") in ("EvaluateScript", "FunctionCall", "v8.compile")
        and str((event.get("args", {}).get("data") or {}).get("url", "")).startswith(widget_url)
    )
    total, end = 0, 0
    for start, stop in ours:
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total / 1000


def _shopper(browser: Browser, stack: Stack) -> dict:
    """A shopper's visits: requests and bytes to the widget host."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        result = {}
        for suffix in ("", "_repeat"):  # a first visit, then one with a warm cache
            page = context.new_page()
            requests = _finished_widget_requests(page, stack.widget_url)
            page.goto(f"{stack.store_url}/", wait_until="networkidle")
            result["shopper_widget_requests" + suffix] = len(requests)
            result["shopper_widget_bytes" + suffix] = sum(map(_transferred, requests))
            page.close()
        return result
    finally:
        context.close()


#: When the session call left and came back, when the page first painted, and when
#: the overlay script's bytes were in, in ms after DOMContentLoaded.
SESSION_TIMING_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const loaded = performance.getEntriesByType("resource");
  const call = loaded.find((e) => e.name.endsWith("/v1/session"));
  const paint = performance.getEntriesByType("paint").find((e) => e.name === "first-paint");
  const overlay = loaded.find((e) => e.name.includes("/v1/overlay."));
  const dcl = nav.domContentLoadedEventStart;
  return [call ? call.startTime - dcl : null, call ? call.responseEnd - dcl : null,
          paint ? paint.startTime - dcl : null, overlay ? overlay.responseEnd - dcl : null];
}"""


def _visit(context: BrowserContext, url: str, stack: Stack) -> dict:
    """One influencer page view: dots ready and its phases, bytes, scripts."""
    page = context.new_page()
    requests = _finished_widget_requests(page, stack.widget_url)
    page.goto(url)
    page.wait_for_function("() => window.__benchDotsReady !== undefined", timeout=60_000)
    page.wait_for_load_state("networkidle")  # every response in, sizes known
    ready = page.evaluate("window.__benchDotsReady")
    sent, answered, painted, overlay_in = page.evaluate(SESSION_TIMING_JS)
    visit = {
        "ready_ms": ready,
        "first_paint_ms": painted,
        "overlay_script_ms": overlay_in,
        "sent_ms": sent,
        "round_trip_ms": answered - sent,
        "draw_ms": ready - answered,
        "long_tasks": page.evaluate("window.__benchLongTasks"),
        "bytes": sum(map(_transferred, requests)),
        "requests": [urlsplit(r.url).path for r in requests],
        "scripts": _scripts(requests),
    }
    page.close()
    return visit


def _traced_visit(browser: Browser, context: BrowserContext, url: str, stack: Stack) -> float:
    """The overlay's main-thread ms in one page view, traced (tracing slows the page a
    little, so the other figures come from visits that are not traced)."""
    page = context.new_page()
    browser.start_tracing(page=page, categories=["devtools.timeline", "v8"])
    page.goto(url)
    page.wait_for_function("() => window.__benchDotsReady !== undefined", timeout=60_000)
    page.wait_for_load_state("networkidle")
    overlay = _overlay_ms(browser.stop_tracing(), stack.widget_url)
    page.close()
    return overlay


def _scripts(requests: list[Request]) -> dict:
    """The loader, the overlay (and the deferred file, if loaded) as transferred: body bytes
    and content encoding."""
    out = {}
    for request in requests:
        path = urlsplit(request.url).path
        name = "loader" if path == "/v1/dots.js" else path.split("/")[-1].split(".")[0]
        response = request.response()
        if path.endswith(".js") and response:
            out[f"{name}_transfer_bytes"] = request.sizes()["responseBodySize"]
            out[f"{name}_encoding"] = response.headers.get("content-encoding", "identity")
    return out


def _summary(kind: str, visits: list[dict], overlay_ms: list[float]) -> dict:
    def median(name: str) -> float:
        return round(statistics.median(v[name] for v in visits), 1)

    times = [v["ready_ms"] for v in visits]
    return {
        f"dots_ready_ms_median_{kind}": median("ready_ms"),
        f"dots_ready_ms_min_{kind}": round(min(times), 1),
        f"dots_ready_ms_max_{kind}": round(max(times), 1),
        f"page_first_paint_ms_median_{kind}": median("first_paint_ms"),
        f"overlay_script_ms_median_{kind}": median("overlay_script_ms"),
        f"session_sent_ms_median_{kind}": median("sent_ms"),
        f"session_round_trip_ms_median_{kind}": median("round_trip_ms"),
        f"draw_ms_median_{kind}": median("draw_ms"),
        f"overlay_main_thread_ms_median_{kind}": round(statistics.median(overlay_ms), 1),
        f"long_tasks_ms_median_{kind}": round(
            statistics.median(sum(v["long_tasks"]) for v in visits), 1
        ),
        f"widget_bytes_median_{kind}": round(statistics.median(v["bytes"] for v in visits)),
        f"widget_requests_{kind}": visits[-1]["requests"],
    }


def add_products(brand_slug: str, count: int) -> None:
    """Add ``count`` products (one variant each) that no page of the store shows."""
    brand = session.query(Brand).filter_by(slug=brand_slug).one()
    batch = 1_000
    for start in tqdm(range(0, count, batch), desc="Seeding catalog", unit=" batch"):
        session.add_all(
            Product(
                brand_id=brand.id, store_id=f"{FILLER}{i}", handle=f"{FILLER}{i}",
                title=f"Filler product {i}", url=f"{brand.allowed_origins[0]}/products/{FILLER}{i}",
                image_url=None, option_names=["Size"],
                variants=[Variant(store_id=f"filler-v{i}", title="M", option_values=["M"],
                                  price_minor=2_000, sku=f"FILL-{i}")],
            )
            for i in range(start, min(start + batch, count))
        )  # fmt: skip
        session.commit()


def _measure(browser: Browser, stack: Stack, runs: int) -> dict:
    page_url = f"{stack.store_url}/?count={PRODUCTS_ON_PAGE}"
    link, _ = stack.influencer_link(f"/?count={PRODUCTS_ON_PAGE}")
    # The dots the page should get: its requestable products, not the filler
    # that only the catalog holds.
    on_page = [h for h in stack.catalog() if not h.startswith(FILLER)]
    ready = ready_js(len(on_page))
    results = _shopper(browser, stack)
    first, first_overlay = [], []
    for i in range(runs + TRACED):
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(ready)
        if i < runs:
            first.append(_visit(context, link, stack))
        else:
            first_overlay.append(_traced_visit(browser, context, link, stack))
        context.close()
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(ready)
    _visit(context, link, stack)  # stores the token, fills the cache
    returning = [_visit(context, page_url, stack) for _ in range(runs)]
    returning_overlay = [_traced_visit(browser, context, page_url, stack) for _ in range(TRACED)]
    context.close()
    return {
        **results,
        **first[-1]["scripts"],
        **_summary("first_visit", first, first_overlay),
        **_summary("returning", returning, returning_overlay),
    }


def run(runs: int = 9) -> dict:
    """Measure with each catalog size; returns {catalog_N: {...}} (see the module docstring)."""
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.WARNING)  # one log line per request otherwise
    results: dict = {"products_on_page": PRODUCTS_ON_PAGE, "runs": runs}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for size in CATALOG_SIZES:
                    with tempfile.TemporaryDirectory(prefix="dots-bench-") as workdir:
                        stack = start_stack(
                            Path(workdir), product_count=PRODUCTS_ON_PAGE, serve=False
                        )
                        try:
                            with stack.widget_app.app_context():
                                add_products(BRAND, size - PRODUCTS_ON_PAGE)
                            stack.serve("--no-jobs")
                            results[f"catalog_{size}"] = _measure(browser, stack, runs)
                        finally:
                            stack.stop()
            finally:
                browser.close()
    finally:
        werkzeug.setLevel(level)
    return results
