"""A fake overlay for the request panel's browser tests.

The panel is a page on the widget origin that only a brand's store may frame,
and that only talks to its parent by postMessage. The harness is a tiny page
on the demo store's origin (written over the store's ``/products.json``, so
Chromium sees a real loopback document that may frame the widget). It frames
``/v1/panel`` as the overlay's drawer does (up to 440 px wide) and plays the
overlay's side of the protocol in ``docs/widget-protocol.md`` ("Since #7"):
it answers ``dots:ready`` with
``dots:init`` and ``dots:open {view, bag}``, keeps the bag the panel sends
(``dots:bag {lines, draft}``) as the overlay would store it, and records
every message, so tests read what the panel told its host.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Frame, FrameLocator, Page

from tests.e2e.stack import BRAND, Stack, panel_frame, token_of

# Any page of the store will do: one with no script of its own.
HOST_PATH = "/products.json?limit=1"

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Store page</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>html,body{margin:0;height:100%;background:#d1d5db}
iframe{position:fixed;top:0;right:0;width:min(440px,100%);height:100%;border:0;background:#fff}</style>
</head><body><main><iframe id="panel" title="Request products"></iframe></main>
<script>
const cfg = __CONFIG__;
const frame = document.getElementById("panel");
window.received = [];
window.bag = cfg.bag;
window.opened = cfg.open;
window.post = (message) => frame.contentWindow.postMessage(message, cfg.widget);
window.openPanel = (open) => {
  window.opened = open;
  window.post({type: "dots:open", ...open, bag: window.bag});
};
window.addEventListener("message", (event) => {
  if (event.origin !== cfg.widget || event.source !== frame.contentWindow) return;
  const message = event.data;
  window.received.push(JSON.parse(JSON.stringify(message)));
  if (message.type === "dots:ready") {
    window.post({type: "dots:init", token: cfg.token, brand: cfg.brand});
    window.post({type: "dots:open", ...window.opened, bag: window.bag});
  } else if (message.type === "dots:bag") {
    const {lines, draft} = message;
    window.bag = {...window.bag, lines, draft, updated_at: Date.now()};
  }
});
const origin = encodeURIComponent(location.origin);
frame.src = `${cfg.widget}/v1/panel?brand=${cfg.brand}&origin=${origin}`;
</script></body></html>"""


def bag_of(
    token: str, lines: list[dict[str, Any]] | None = None, draft: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A bag in the overlay's stored shape."""
    return {
        "v": 2,
        "link": token.split(".")[0],
        "lines": lines or [],
        "draft": draft or {},
        "updated_at": 0,
    }


class Harness:
    """A store page that frames the panel and plays the overlay."""

    def __init__(self, page: Page, stack: Stack, link: str) -> None:
        self.page = page
        self.stack = stack
        self.token = token_of(link)

    def open(
        self,
        lines: list[dict[str, Any]] | None = None,
        draft: dict[str, Any] | None = None,
        view: str = "bag",
        **extra: Any,
    ) -> FrameLocator:
        """Load the harness with a stored bag and open ``view``; the panel once loaded."""
        config = {
            "widget": self.stack.widget_url,
            "brand": BRAND,
            "token": self.token,
            "bag": bag_of(self.token, lines, draft),
            "open": {"view": view, **extra},
        }
        self.page.goto(f"{self.stack.store_url}{HOST_PATH}")
        self.page.evaluate(
            "html => { document.open(); document.write(html); document.close(); }",
            _PAGE.replace("__CONFIG__", json.dumps(config)),
        )
        return self.wait_loaded()

    @property
    def panel(self) -> FrameLocator:
        return self.page.frame_locator("#panel")

    @property
    def frame(self) -> Frame:
        """The panel's frame (for evaluating scripts and axe scans inside it)."""
        return panel_frame(self.page)

    def wait_loaded(self) -> FrameLocator:
        self.page.wait_for_function("() => window.received.some((m) => m.type === 'dots:ready')")
        self.frame.wait_for_function("() => document.getElementById('notice').hidden")
        return self.panel

    def reload_frame(self) -> FrameLocator:
        """Reload the panel's frame, as a browser does (same tab, same sessionStorage)."""
        self.page.evaluate(
            "() => { window.received = []; const f = document.getElementById('panel');"
            " f.src = f.src; }"
        )
        return self.wait_loaded()

    def open_view(self, view: str, **extra: Any) -> None:
        """``dots:open`` again, with the bag the harness holds (a reopen)."""
        self.page.evaluate("open => window.openPanel(open)", {"view": view, **extra})

    def send(self, message: dict[str, Any]) -> None:
        self.page.evaluate("message => window.post(message)", message)

    def messages(self, kind: str) -> list[dict[str, Any]]:
        """Every ``dots:<kind>`` message the panel sent so far."""
        return self.page.evaluate(
            "type => window.received.filter((m) => m.type === type)", f"dots:{kind}"
        )

    def bag(self) -> dict[str, Any]:
        """The bag as the fake overlay keeps it."""
        return self.page.evaluate("() => window.bag")

    def wait_for_bag(self, predicate_js: str) -> dict[str, Any]:
        """Wait until the last ``dots:bag`` message matches ``predicate_js`` (``m => …``)."""
        handle = self.page.wait_for_function(
            f"""() => {{
                const sent = window.received.filter((m) => m.type === "dots:bag");
                const last = sent[sent.length - 1];
                return last && ({predicate_js})(last) ? last : null;
            }}"""
        )
        return handle.json_value()

    def wait_for_message(self, kind: str) -> dict[str, Any]:
        handle = self.page.wait_for_function(
            "type => window.received.filter((m) => m.type === type).pop() || null",
            arg=f"dots:{kind}",
        )
        return handle.json_value()
