"""axe-core scans of everything an influencer sees: the overlay, each panel view
and the notice of a refused link, at desktop and phone widths, and no sideways
scrolling on a phone.

The first test proves the scanner can fail: a page broken on purpose, inside an
open shadow root and inside a frame of another origin, as the overlay and the
panel are.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Error, Page

from tests.e2e.axe import assert_accessible, axe_violations

BROKEN_TOP = """<!doctype html><html lang="en"><head><title>Broken</title></head>
<body><main><h1>A page with holes</h1><div id="host"></div>
<iframe src="http://frame.invalid/" title="Another origin"></iframe></main>
<script>
  document.getElementById("host").attachShadow({mode: "open"}).innerHTML =
    '<button class="unnamed"></button>';
</script></body></html>"""
BROKEN_FRAME = """<!doctype html><html lang="en"><head><title>Frame</title></head>
<body><main><img src="data:,"></main></body></html>"""


def test_the_scanner_fails_on_a_broken_page(context: BrowserContext, page: Page) -> None:
    """A button without a name in a shadow root, an image without alt in a foreign frame."""
    context.route(
        "http://top.invalid/**", lambda r: r.fulfill(body=BROKEN_TOP, content_type="text/html")
    )
    context.route(
        "http://frame.invalid/**", lambda r: r.fulfill(body=BROKEN_FRAME, content_type="text/html")
    )
    page.goto("http://top.invalid/")
    frame = page.frame(url="http://frame.invalid/")
    assert frame is not None

    with pytest.raises(AssertionError) as failed:
        assert_accessible(page, "#host")
    message = str(failed.value)
    assert "button-name (critical)" in message and "['#host', 'button']" in message

    with pytest.raises(AssertionError) as failed:
        assert_accessible(frame)
    assert "image-alt (critical)" in str(failed.value)

    # The page scan leaves the frame to its own scan rather than hang on it.
    assert [v["id"] for v in axe_violations(page)] == ["button-name"]
    # A context that matches nothing is an error, not a pass.
    with pytest.raises(Error, match="No elements found"):
        assert_accessible(page, "dots-overlay")
