"""The overlay's key normaliser (widget_js/overlay/18-keys.js) against the shared vectors
of tests/fixtures/product_keys.json, which the server's normaliser is held to too: a key
the overlay sends is the key the server stores."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page

from widget_server.widget.assets import js_root

VECTORS = Path(__file__).resolve().parents[1] / "fixtures" / "product_keys.json"


def test_the_key_normaliser_gives_every_shared_vector(page: Page) -> None:
    """The overlay's urlKey/valueKey (18-keys.js, run as written) against the vectors
    the server's normaliser is held to."""
    vectors = json.loads(VECTORS.read_text())
    source = (js_root() / "overlay" / "18-keys.js").read_text()
    page.goto("about:blank")
    got = page.evaluate(
        f"""(vectors) => {{ var D = document;
          {source}
          return [vectors.urls.map((v) => urlKey(v.href)),
                  vectors.values.map((v) => valueKey(v.kind, v.raw)),
                  vectors.script_urls.map((v) => urlKey(v.href))]; }}""",
        vectors,
    )
    assert got == [
        [v["key"] for v in vectors["urls"]],
        [v["key"] for v in vectors["values"]],
        [v["key"] for v in vectors["script_urls"]],
    ]
