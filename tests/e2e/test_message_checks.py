"""postMessage between the overlay and the panel: a message from another window or
another origin changes nothing, on either side (docs/widget-protocol.md: exact
origins on both sides, and the overlay also checks ``event.source``).

Each side is sent the messages that would change the most (the bag, a request's
status, closing, a token, a view) from a window that is not its partner, then
from its partner's window at another origin. A listener the test adds after the
widget's own counts them in: the widget's listener runs first on each message,
and everything it does with one is synchronous, so once the count is reached
any effect would be there. Then the same messages from the real partner show
that they are not inert to begin with.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import BrowserContext, Frame, Page, Route, expect

from tests.e2e.panel_harness import Harness, bag_of
from tests.e2e.stack import (
    BRAND,
    Stack,
    bag_line,
    dot,
    panel_frame,
    stored_bag,
    wait_for_dots,
)
from tests.e2e.test_overlay_bag import (  # noqa: F401 (stub_panel is a fixture)
    BEANIE,
    HOODIE,
    TEE,
    from_panel,
    open_stub,
    stub_panel,
    wait_for_lines,
)

HOODIE_TITLE, TEE_TITLE = "Café Crème Hoodie", "Everyday Organic Tee"
SHEARLING = "heirloom-shearling-jacket"
EVIL = "http://evil.example"

# Counts the messages marked {probe: true} that reach this window (after the widget's
# own listener has handled each one).
COUNT_PROBES_JS = """() => {
  window.probes = 0;
  addEventListener("message", (e) => { if (e.data && e.data.probe) window.probes++; });
}"""


def wait_for_probes(target: Page | Frame, count: int) -> None:
    target.wait_for_function("n => window.probes === n", arg=count)


def probe(message: dict[str, Any]) -> dict[str, Any]:
    return {**message, "probe": True}


def post_from(frame: Frame, target_js: str, messages: list[dict[str, Any]]) -> None:
    """Post ``messages`` from ``frame`` to the window ``target_js`` names (targetOrigin '*')."""
    frame.evaluate(
        f"ms => {{ const target = {target_js}; ms.forEach((m) => target.postMessage(m, '*')); }}",
        [probe(m) for m in messages],
    )


def widget_frame(page: Page, widget_url: str, name: str) -> Frame:
    """A new iframe on the widget's origin (not the panel) in ``page``: its frame."""
    page.evaluate(
        "([src, name]) => new Promise((done) => { const f = document.createElement('iframe');"
        " f.name = name; f.src = src; f.onload = done; document.body.append(f); })",
        [f"{widget_url}/v1/health", name],
    )
    frame = page.frame(name=name)
    assert frame is not None
    return frame


# --- The overlay, in the store page ---------------------------------------------------------


@pytest.mark.usefixtures("stub_panel")
def test_the_overlay_heeds_only_its_panel_frame_on_the_widget_origin(
    stack: Stack, page: Page
) -> None:
    page.goto(stack.invite("/").url)
    wait_for_dots(page, len(stack.catalog()))
    stub = open_stub(page)
    line = {"handle": BEANIE, "variant_id": stack.variant_id(BEANIE, "Rust"), "quantity": 2}
    tee = {"handle": TEE, "variant_id": stack.variant_id(TEE, "M / Navy"), "quantity": 1}
    from_panel(stub, stack.store_url, {"type": "dots:bag", "lines": [line, tee], "draft": None})
    wait_for_lines(page, 2)
    bag = stored_bag(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    forged = [
        {"type": "dots:bag", "lines": [], "draft": {"message": "forged"}},
        {
            "type": "dots:request",
            "request": {"status": "approved", "items": [{"product_handle": TEE}]},
        },
        {"type": "dots:close"},
    ]
    page.evaluate(COUNT_PROBES_JS)

    # The right origin, another window: a second frame on the widget's origin.
    other = widget_frame(page, stack.widget_url, "other")
    post_from(other, "parent", forged)
    wait_for_probes(page, 3)
    assert stored_bag(page) == bag
    expect(dialog).to_be_visible()

    # The panel's own window, now showing a page of another origin (the store's).
    panel_url = stub.url
    stub.goto(f"{stack.store_url}/products.json?limit=1")
    post_from(stub, "parent", forged)
    wait_for_probes(page, 6)
    assert stored_bag(page) == bag
    expect(dialog).to_be_visible()
    expect(dot(page, TEE)).to_have_attribute("data-status", "")

    # The same messages from the panel itself do all of it.
    stub.goto(panel_url)
    stub.wait_for_function("() => __got.some((m) => m.type === 'dots:init')")
    for message in forged:
        from_panel(stub, stack.store_url, message)
    wait_for_lines(page, 0)
    expect(dialog).to_be_hidden()
    expect(dot(page, TEE)).to_have_attribute("data-status", "approved")
    assert stored_bag(page)["draft"] == {"message": "forged"}


# --- The panel, in its frame ----------------------------------------------------------------

# What the panel shows and has fetched, read inside its frame. Calls to fetch are
# recorded from when RECORD_FETCHES_JS runs.
RECORD_FETCHES_JS = """() => {
  window.fetched = [];
  const real = window.fetch;
  window.fetch = (...args) => { window.fetched.push(String(args[0])); return real(...args); };
}"""
PANEL_STATE_JS = """() => ({
  view: [...document.querySelectorAll(".view")].filter((v) => !v.hidden).map((v) => v.id),
  notice: ((n) => (n.hidden ? null : n.textContent))(document.getElementById("notice")),
  lines: [...document.querySelectorAll("#bag-list h3")].map((h) => h.textContent),
  message: document.getElementById("message").value,
  fetched: window.fetched,
})"""


def panel_state(frame: Frame) -> dict[str, Any]:
    return frame.evaluate(PANEL_STATE_JS)


def forged_for_panel(stack: Stack, token: str) -> list[dict[str, Any]]:
    """What a window other than the overlay would tell the panel: another bag, another view,
    another influencer's token."""
    tee = {"handle": TEE, "variant_id": stack.variant_id(TEE, "M / Navy"), "quantity": 1}
    bag = bag_of(token, [tee], {"message": "forged"})
    return [
        {"type": "dots:bag", "bag": bag},
        {"type": "dots:open", "view": "limit", "handle": SHEARLING, "bag": bag},
        {"type": "dots:init", "token": stack.invite("/").token, "brand": BRAND},
    ]


def test_the_panel_heeds_only_its_parent_window(page: Page, stack: Stack) -> None:
    invite = stack.invite("/")
    harness = Harness(page, stack, invite.url)
    hoodie = {
        "handle": HOODIE,
        "variant_id": stack.variant_id(HOODIE, "M / Charcoal"),
        "quantity": 1,
    }
    panel = harness.open(lines=[hoodie], draft={"message": "Two looks for autumn."})
    frame = harness.frame
    frame.evaluate(RECORD_FETCHES_JS)
    frame.evaluate(COUNT_PROBES_JS)
    before = panel_state(frame)
    assert before == {
        "view": ["view-bag"],
        "notice": None,
        "lines": [HOODIE_TITLE],
        "message": "Two looks for autumn.",
        "fetched": [],
    }

    # A sibling frame of the store's own origin (the parent's origin, not the parent).
    page.evaluate(
        "() => new Promise((done) => { const f = document.createElement('iframe');"
        " f.name = 'sibling'; f.srcdoc = '<p>another frame</p>'; f.onload = done;"
        " document.body.append(f); })"
    )
    sibling = page.frame(name="sibling")
    assert sibling is not None
    forged = forged_for_panel(stack, invite.token)
    post_from(sibling, "parent.document.getElementById('panel').contentWindow", forged)
    wait_for_probes(frame, len(forged))
    assert panel_state(frame) == before

    # The same messages from the parent: the panel takes them.
    harness.send(forged[0])
    expect(bag_line(panel, TEE_TITLE)).to_be_visible()
    expect(panel.locator("#message")).to_have_value("forged")
    harness.send(forged[1])
    expect(panel.locator("#view-limit")).to_be_visible()


@pytest.fixture
def framable_panel(context: BrowserContext, stack: Stack) -> Iterator[None]:
    """The real panel without its ``frame-ancestors`` rule (as a browser that ignores it
    would show it), and a page of another site, ``EVIL``, to frame it."""

    def panel(route: Route) -> None:
        answer = route.fetch()
        policy = re.sub(r"frame-ancestors [^;]*;\s*", "", answer.headers["content-security-policy"])
        route.fulfill(
            response=answer, headers={**answer.headers, "content-security-policy": policy}
        )

    def evil(route: Route) -> None:
        route.fulfill(content_type="text/html", body="<!doctype html><title>Another site</title>")

    panel_url = re.compile(re.escape(stack.widget_url) + r"/v1/panel\?")
    context.route(panel_url, panel)
    context.route(f"{EVIL}/**", evil)
    yield
    context.unroute(panel_url)
    context.unroute(f"{EVIL}/**")


def test_the_panel_ignores_a_parent_of_another_origin(
    page: Page, stack: Stack, framable_panel: None
) -> None:
    """Framed by another site that names the brand's store as its origin: the panel's
    hello goes nowhere, and a valid token and view from that parent are ignored."""
    invite = stack.invite("/")
    page.goto(f"{EVIL}/")
    src = f"{stack.widget_url}/v1/panel?brand={BRAND}&origin={quote(stack.store_url, safe='')}"
    page.evaluate(
        "src => new Promise((done) => { const f = document.createElement('iframe');"
        " f.id = 'panel'; f.src = src; f.onload = done; document.body.append(f); })",
        src,
    )
    frame = panel_frame(page)
    frame.evaluate(RECORD_FETCHES_JS)
    frame.evaluate(COUNT_PROBES_JS)
    before = panel_state(frame)
    assert before == {"view": [], "notice": "Loading…", "lines": [], "message": "", "fetched": []}
    messages = [
        {"type": "dots:init", "token": invite.token, "brand": BRAND},
        {"type": "dots:open", "view": "bag", "bag": bag_of(invite.token)},
    ]
    post_from(page.main_frame, "document.getElementById('panel').contentWindow", messages)
    wait_for_probes(frame, len(messages))
    assert panel_state(frame) == before
