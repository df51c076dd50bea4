"""The browser files ready for any host (``widget-server assets build``) and as the server
sends them: prepared bytes chosen by ``Accept-Encoding``, 304 on ``If-None-Match``
(issue #13, item 1)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from pathlib import Path

import brotli
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from widget_server.widget.assets import build_bundle, js_root
from widget_server.widget.build import build_command
from widget_server.widget.prebuilt import choose_encoding


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cdn") / "widget"
    result = CliRunner().invoke(build_command, ["--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_the_build_writes_every_file_with_its_twins_and_the_manifest(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text())
    bundle = build_bundle(js_root())
    assert manifest["loader"] == "v1/dots.js"
    assert set(manifest["files"]) == {"dots.js", "overlay.js", "deferred.js", "panel.js",
                                      "panel.css"}  # fmt: skip
    assert manifest["files"]["overlay.js"]["file"] == bundle.overlay_path.lstrip("/")
    for entry in manifest["files"].values():
        body = (built / entry["file"]).read_bytes()
        assert brotli.decompress((built / (entry["file"] + ".br")).read_bytes()) == body
        assert gzip.decompress((built / (entry["file"] + ".gz")).read_bytes()) == body
        assert entry["bytes"] == len(body)
        assert entry["gzip_bytes"] == (built / (entry["file"] + ".gz")).stat().st_size
        assert entry["br_bytes"] == (built / (entry["file"] + ".br")).stat().st_size
        assert entry["sha256"] == hashlib.sha256(body).hexdigest()
        digest = base64.b64encode(hashlib.sha384(body).digest()).decode()
        assert entry["integrity"] == f"sha384-{digest}"
        assert entry["immutable"] == (entry["file"] != "v1/dots.js")


def test_the_built_loader_names_files_that_are_in_the_folder(built: Path) -> None:
    """The loader finds the overlay next to itself, the overlay the deferred file."""
    manifest = json.loads((built / "manifest.json").read_text())["files"]
    loader = (built / "v1" / "dots.js").read_text()
    overlay = (built / manifest["overlay.js"]["file"]).read_text()
    assert "/" + manifest["overlay.js"]["file"] in loader
    assert "/" + manifest["deferred.js"]["file"] in overlay
    assert "data-api" in loader
    assert "://" not in loader  # no host written in: it works from any origin


def test_a_second_build_keeps_the_files_of_the_first(tmp_path: Path) -> None:
    """A loader cached before a deploy names the older overlay: it must still be there."""
    old = tmp_path / "v1" / "overlay.0123456789.js"
    old.parent.mkdir(parents=True)
    old.write_text("old")
    assert CliRunner().invoke(build_command, ["--out", str(tmp_path)]).exit_code == 0
    assert old.read_text() == "old"
    assert (tmp_path / "manifest.json").exists()


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("gzip, deflate, br", "br"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0, br;q=0", "identity"),
        ("identity", "identity"),
        ("", "identity"),
        ("*", "br"),
    ],
)
def test_the_encoding_is_the_best_the_client_accepts(accept: str, chosen: str) -> None:
    assert choose_encoding(accept) == chosen


@pytest.mark.parametrize("path", ["/v1/dots.js", "overlay", "panel"])
def test_if_none_match_answers_304_for_each_encoding(client: FlaskClient, path: str) -> None:
    bundle = build_bundle(js_root())
    path = {"overlay": bundle.overlay_path, "panel": bundle.panel_script_path}.get(path, path)
    for accept in ("br", "gzip", ""):
        first = client.get(path, headers={"Accept-Encoding": accept})
        assert first.status_code == 200
        etag = first.headers["ETag"]
        for spelling in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            again = client.get(path, headers={"Accept-Encoding": accept, "If-None-Match": spelling})
            assert again.status_code == 304, spelling
            assert again.data == b""
            assert again.headers["ETag"] == etag
            assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
            assert again.headers["Vary"] == "Accept-Encoding"
        other = client.get(path, headers={"Accept-Encoding": accept, "If-None-Match": '"x"'})
        assert other.status_code == 200


def test_an_etag_names_its_encoding(client: FlaskClient) -> None:
    """A cache must not answer a gzip-only client's revalidation with brotli bytes."""
    brotli_etag = client.get("/v1/dots.js", headers={"Accept-Encoding": "br"}).headers["ETag"]
    gzip_answer = client.get(
        "/v1/dots.js", headers={"Accept-Encoding": "gzip", "If-None-Match": brotli_etag}
    )
    assert gzip_answer.status_code == 200
    assert gzip_answer.headers["Content-Encoding"] == "gzip"


def test_head_sends_the_headers_without_the_body(client: FlaskClient) -> None:
    got = client.get("/v1/dots.js", headers={"Accept-Encoding": "gzip"})
    head = client.head("/v1/dots.js", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == str(len(got.data))
    assert head.headers["ETag"] == got.headers["ETag"]


def test_assets_carry_the_security_headers(client: FlaskClient) -> None:
    plain = client.get("/v1/dots.js")
    assert plain.headers["X-Content-Type-Options"] == "nosniff"
    assert plain.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "Strict-Transport-Security" not in plain.headers
    secure = client.get("/v1/dots.js", base_url="https://widget.test")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_other_methods_get_flasks_json_error(client: FlaskClient) -> None:
    """Only GET and HEAD are answered from the prepared bytes; the rest is Flask's (404)."""
    response = client.post("/v1/dots.js")
    assert response.status_code == 404
    assert response.get_json()["error"]
