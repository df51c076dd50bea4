"""The loader tag's ``data-z-index`` (README, "Installing the widget on a store"): the
dots sit at that stacking level, so a store puts them above or below its own
fixed layers; without it, or with something that is not a number, the default
2147483000 applies.

The store page is the test's own, on the demo store's origin (the brand's):
one product card, a fixed layer over the whole page at z-index 1000, and the
loader tag under test.
"""

from __future__ import annotations

import pytest
from markupsafe import escape
from playwright.sync_api import Page, expect

from tests.e2e.stack import BRAND, ON_SCREEN_DOTS, Stack, wait_for_dots

HOST_PATH = "/products.json?limit=1"  # any page of the store with no script of its own
TEE = "everyday-organic-tee"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Store</title>
<script async src="{widget}/v1/dots.js" data-brand="{brand}"{z_index}></script></head>
<body style="margin:0">
<div class="card"><a href="/products/{tee}"><img src="/images/{tee}.svg" alt="Tee"
  width="320" height="400"></a><h3><a href="/products/{tee}">Everyday Organic Tee</a></h3></div>
<div id="layer" style="position:fixed;inset:0;z-index:1000;background:rgba(0,0,0,.05)"></div>
</body></html>"""
# What is on top at the centre of the one dot on screen: the dots' host or the store's layer.
ON_TOP_JS = """(selector) => {
  const host = document.querySelector("dots-overlay");
  const dot = host.shadowRoot.querySelector(selector.replace("dots-overlay ", ""));
  const box = dot.getBoundingClientRect();
  const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
  return hit === host ? "dots" : hit.id;
}"""


def open_store_page(page: Page, stack: Stack, attribute: str | None) -> None:
    """Open the test's store page with the loader tag's ``data-z-index`` set to
    ``attribute`` (None: no attribute), as an influencer arriving by link.

    The page is written over a page the store served (its URL, with the token in
    the fragment), so Chromium sees a real loopback document that may load the widget.
    """
    z_index = "" if attribute is None else f' data-z-index="{escape(attribute)}"'
    html = PAGE.format(widget=stack.widget_url, brand=BRAND, tee=TEE, z_index=z_index)
    page.goto(f"{stack.store_url}{HOST_PATH}#dots={stack.invite('/').token}")
    page.evaluate("html => { document.open(); document.write(html); document.close(); }", html)


@pytest.mark.parametrize(
    ("attribute", "z_index", "on_top"),
    [
        ("1234", "1234", "dots"),
        ("999", "999", "layer"),
        (None, "2147483000", "dots"),
        ("above everything", "2147483000", "dots"),
    ],
    ids=["above-the-store", "below-the-store", "default", "not-a-number"],
)
def test_data_z_index_sets_where_the_dots_stack(
    stack: Stack,
    page: Page,
    attribute: str | None,
    z_index: str,
    on_top: str,
) -> None:
    open_store_page(page, stack, attribute)
    wait_for_dots(page, 1)
    expect(page.locator(ON_SCREEN_DOTS)).to_have_count(1)
    host_z = page.evaluate("() => getComputedStyle(document.querySelector('dots-overlay')).zIndex")
    assert host_z == z_index
    assert page.evaluate(ON_TOP_JS, ON_SCREEN_DOTS) == on_top
