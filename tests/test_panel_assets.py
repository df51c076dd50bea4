"""How the request panel's page and its assets are served.

The panel's script is the files of ``widget_js/panel/js/`` in name order
inside one IIFE, like the overlay; it and the stylesheet are fingerprinted,
precompressed and immutable. The page (never cached) names the current
fingerprints. Production builds once; debug and the demo rebuild on change.
"""

from __future__ import annotations

import gzip
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import brotli
import pytest
import rjsmin
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import make_brand
from widget_server.widget.assets import BundleCache, build_bundle, js_root

ASSET = re.compile(r'(?:src|href)="(/v1/panel/assets/panel\.[0-9a-f]{10}\.(?:js|css))"')


def panel_asset_paths(app: Flask, client: FlaskClient) -> dict[str, str]:
    """``{"js": path, "css": path}`` as the panel page names them."""
    with app.app_context():
        brand = make_brand()
    page = client.get(
        "/v1/panel", query_string={"brand": brand.slug, "origin": brand.allowed_origins[0]}
    )
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    return {path.rsplit(".", 1)[1]: path for path in ASSET.findall(page.get_data(as_text=True))}


def test_the_page_names_the_current_fingerprints(app: Flask, client: FlaskClient) -> None:
    paths = panel_asset_paths(app, client)
    bundle = build_bundle(js_root())
    assert paths == {"js": bundle.panel_script_path, "css": bundle.panel_style_path}


def test_the_script_is_the_panel_files_in_name_order_in_one_iife() -> None:
    files = sorted((js_root() / "panel" / "js").glob("*.js"))
    assert len(files) >= 5, "the panel is a few files with one job each"
    body = build_bundle(js_root()).panel_script.body.decode()
    assert body.startswith("(function(){'use strict';")
    assert body.rstrip().endswith("})();")
    # Minified: each file's own minified text stands in the bundle, in name order.
    positions = [body.index(rjsmin.jsmin(path.read_text("utf-8")).strip()) for path in files]
    assert positions == sorted(positions)


def test_bundles_ship_without_comments_or_indentation() -> None:
    bundle = build_bundle(js_root())
    for asset in (bundle.overlay, bundle.panel_script):
        body = asset.body.decode()
        assert "/*" not in body.replace('"/*"', "")
        assert "\n  " not in body


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [("gzip, br", "br", brotli.decompress), ("gzip", "gzip", gzip.decompress), ("", None, bytes)],
    ids=["brotli", "gzip", "identity"],
)
@pytest.mark.parametrize(
    ("kind", "content_type"), [("js", "application/javascript"), ("css", "text/css")]
)
def test_assets_are_immutable_and_precompressed(
    app: Flask,
    client: FlaskClient,
    kind: str,
    content_type: str,
    accept: str,
    encoding: str | None,
    decode: Callable[[bytes], bytes],
) -> None:
    path = panel_asset_paths(app, client)[kind]
    response = client.get(path, headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.mimetype == content_type
    assert response.headers.get("Content-Encoding") == encoding
    bundle = build_bundle(js_root())
    expected = bundle.panel_script if kind == "js" else bundle.panel_style
    assert decode(response.data) == expected.body
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    again = client.get(
        path, headers={"Accept-Encoding": accept, "If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_another_fingerprint_gets_the_current_file_briefly(client: FlaskClient) -> None:
    """A page from another instance during a deploy still gets a working panel."""
    response = client.get("/v1/panel/assets/panel.0123456789.js")
    assert response.status_code == 200
    assert response.data == build_bundle(js_root()).panel_script.body
    assert "immutable" not in response.headers["Cache-Control"]
    assert "max-age=300" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "name", ["panel.js", "panel.css", "panel.html", "panel.0123456789.html", "..%2Floader.js"]
)
def test_nothing_else_is_served_as_a_panel_asset(client: FlaskClient, name: str) -> None:
    assert client.get(f"/v1/panel/assets/{name}").status_code == 404


@pytest.mark.parametrize("watch", [False, True], ids=["production", "debug"])
def test_production_builds_once_and_debug_follows_changes(tmp_path: Path, watch: bool) -> None:
    root = tmp_path / "widget_js"
    shutil.copytree(js_root(), root)
    cache = BundleCache(root, watch=watch)
    before = cache.get()
    script = sorted((root / "panel" / "js").glob("*.js"))[-1]
    script.write_text(script.read_text("utf-8") + "\nvar changedNow = 1;\n", "utf-8")
    (root / "panel" / "panel.css").write_text("body{}\n", "utf-8")
    after = cache.get()
    if watch:
        assert after.panel_script_path != before.panel_script_path
        assert after.panel_style_path != before.panel_style_path
        assert after.panel_script.body.endswith(b"var changedNow=1;})();\n")
    else:
        assert after is before
