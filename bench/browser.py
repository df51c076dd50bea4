"""Browser benchmark: what a shopper pays, and how soon an influencer sees the dots.

Runs the live stack of the browser tests (widget server and demo store on
loopback, 200 products) and Debian's Chromium through Playwright, with the
tests' launch arguments.

- Shopper: requests (and bytes, headers included) to the widget host when a
  shopper opens the store's home page, on a first and on a repeat visit.
- Dots ready: milliseconds from navigation start to the first frame in which
  every requestable catalog product of ``/?count=200`` has its dot (a rendered dot; those of
  off-screen products carry ``.off`` and count too). Measured in the page with
  ``performance.now()``, checked once per animation frame. "Cold" is a first
  visit through the link in a fresh browser context (empty cache and storage);
  "warm" is a returning influencer in one context (token stored, loader and
  overlay in the HTTP cache). Medians of ``runs`` visits of each kind.
- The loader and overlay as transferred (body bytes and content encoding).
"""

from __future__ import annotations

import logging
import statistics
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Request, sync_playwright

from tests.e2e.stack import CHROMIUM, CHROMIUM_ARGS, Stack, start_stack

PRODUCTS = 200
VIEWPORT = {"width": 1280, "height": 900}


def ready_js(dots: int) -> str:
    """Installed before any page script: stamps the first frame with all ``dots`` dots.

    ``dots`` is the number of requestable products on the page: sold-out and
    excluded products have a card but no dot.
    """
    return f"""(() => {{
  if (window.top !== window) return;  // not in the request panel's frame
  const check = () => {{
    const host = document.querySelector("dots-overlay");
    const dots = host ? host.shadowRoot.querySelectorAll("button.dot:not([hidden])") : [];
    if (dots.length >= {dots}) window.__benchDotsReady = performance.now();
    else requestAnimationFrame(check);
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


def _shopper(browser: Browser, stack: Stack) -> dict:
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


def _dots_ready_ms(context: BrowserContext, url: str, stack: Stack) -> tuple[float, dict]:
    """One visit: when all dots were there, and the scripts as transferred."""
    page = context.new_page()
    requests = _finished_widget_requests(page, stack.widget_url)
    page.goto(url)
    page.wait_for_function("() => window.__benchDotsReady !== undefined", timeout=60_000)
    ready = page.evaluate("window.__benchDotsReady")
    page.wait_for_load_state("networkidle")  # every response in, sizes known
    scripts = _scripts(requests)
    page.close()
    return ready, scripts


def _scripts(requests: list[Request]) -> dict:
    """The loader and the overlay as transferred: body bytes and content encoding."""
    out = {}
    for request in requests:
        path = urlsplit(request.url).path
        name = "loader" if path == "/v1/dots.js" else "overlay"
        response = request.response()
        if path.endswith(".js") and response:
            out[f"{name}_transfer_bytes"] = request.sizes()["responseBodySize"]
            out[f"{name}_encoding"] = response.headers.get("content-encoding", "identity")
    return out


def _summary(kind: str, times: list[float]) -> dict:
    return {
        f"dots_ready_ms_median_{kind}": round(statistics.median(times), 1),
        f"dots_ready_ms_min_{kind}": round(min(times), 1),
        f"dots_ready_ms_max_{kind}": round(max(times), 1),
    }


def run(runs: int = 9) -> dict:
    """Measure; returns flat keys (see the module docstring). Cleans up its servers."""
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.WARNING)  # one log line per request otherwise
    with tempfile.TemporaryDirectory(prefix="dots-bench-") as workdir:
        stack = start_stack(Path(workdir), product_count=PRODUCTS)
        try:
            link, _ = stack.influencer_link(f"/?count={PRODUCTS}")
            ready = ready_js(len(stack.catalog()))
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    results = {"products": PRODUCTS, "runs": runs, **_shopper(browser, stack)}
                    cold, warm = [], []
                    for _ in range(runs):
                        context = browser.new_context(viewport=VIEWPORT)
                        context.add_init_script(ready)
                        moment, scripts = _dots_ready_ms(context, link, stack)
                        context.close()
                        cold.append(moment)
                    results.update(scripts)

                    context = browser.new_context(viewport=VIEWPORT)
                    context.add_init_script(ready)
                    _dots_ready_ms(context, link, stack)  # stores the token, fills the cache
                    for _ in range(runs):
                        warm.append(_dots_ready_ms(context, link.split("#")[0], stack)[0])
                    context.close()
                finally:
                    browser.close()
        finally:
            stack.stop()
            werkzeug.setLevel(level)
    return {**results, **_summary("cold", cold), **_summary("warm", warm)}
