"""The loader served from another origin (a CDN or object store), the API from the widget
server (issue #13, item 1; README, "Production").

``widget-server assets build`` writes the folder; here a second local HTTP server
serves it under a path prefix, as a bucket would. The store's tag points at that
copy of the loader with ``data-api`` naming the widget server: the overlay and
its deferred file then come from the CDN, and only the API calls reach the
widget server.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.stack import BRAND, ON_SCREEN_DOTS, Stack, wait_for_dots
from tests.e2e.test_loader_tag import HOST_PATH, TEE
from widget_server.widget.assets import build_bundle, js_root
from widget_server.widget.build import write_build

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Store</title>
<script async src="{loader}" data-brand="{brand}" data-api="{api}"></script></head>
<body><div class="card"><a href="/products/{tee}"><img src="/images/{tee}.svg" alt="Tee"
  width="320" height="400"></a><h3><a href="/products/{tee}">Everyday Organic Tee</a></h3></div>
</body></html>"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def cdn(tmp_path: Path) -> Iterator[str]:
    """The built folder under ``/widget/`` of a second origin; yields that origin."""
    write_build(build_bundle(js_root()), tmp_path / "widget")
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_loader_works_from_another_origin(stack: Stack, page: Page, cdn: str) -> None:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    html = PAGE.format(loader=f"{cdn}/widget/v1/dots.js", brand=BRAND, api=stack.widget_url,
                       tee=TEE)  # fmt: skip
    page.goto(f"{stack.store_url}{HOST_PATH}#dots={stack.invite('/').token}")
    page.evaluate("html => { document.open(); document.write(html); document.close(); }", html)
    wait_for_dots(page, 1)
    # A pointer over the dot fetches the deferred file: from the CDN too.
    with page.expect_request(lambda request: "/deferred." in request.url) as deferred:
        page.locator(ON_SCREEN_DOTS).hover()
    assert deferred.value.url.startswith(f"{cdn}/widget/v1/deferred.")
    expect(page.locator(ON_SCREEN_DOTS)).to_have_count(1)
    scripts = [url for url in seen if url.endswith(".js")]
    assert any(url.startswith(f"{cdn}/widget/v1/overlay.") for url in scripts), scripts
    assert not [url for url in scripts if url.startswith(stack.widget_url)], scripts
    assert f"{stack.widget_url}/v1/session" in seen
    assert page.evaluate("() => window.__dots.base") == stack.widget_url
