"""``widget-server assets build --out DIR``: the browser files, ready for any static host.

The folder mirrors the widget server's URLs (``v1/dots.js``,
``v1/overlay.<hash>.js``, ...), each file next to its ``.br`` and ``.gz``
twins, plus ``manifest.json``. Upload the folder as it is, under any path
of a CDN or object store: the loader finds the overlay next to itself, and
the API through its ``data-api`` attribute (README, "Production").
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import click

from widget_server.widget.assets import Asset, Bundle, build_bundle, js_root

MANIFEST = "manifest.json"


def bundle_files(bundle: Bundle) -> dict[str, tuple[str, Asset]]:
    """``name -> (path under the folder, asset)`` for every file of ``bundle``."""
    return {
        "dots.js": ("v1/dots.js", bundle.loader),
        "overlay.js": (bundle.overlay_path.lstrip("/"), bundle.overlay),
        "deferred.js": (bundle.deferred_path.lstrip("/"), bundle.deferred),
        "panel.js": (bundle.panel_script_path.lstrip("/"), bundle.panel_script),
        "panel.css": (bundle.panel_style_path.lstrip("/"), bundle.panel_style),
    }


def integrity(body: bytes) -> str:
    """The Subresource Integrity value of ``body`` (``sha384-…``)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode("ascii")


def write_build(bundle: Bundle, out: Path) -> dict[str, Any]:
    """Write ``bundle``'s files, their ``.br``/``.gz`` twins and the manifest into ``out``."""
    files: dict[str, Any] = {}
    for name, (path, asset) in bundle_files(bundle).items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix, body in (("", asset.body), (".br", asset.brotli), (".gz", asset.gzip)):
            (out / (path + suffix)).write_bytes(body)
        files[name] = {
            "file": path,
            "content_type": asset.content_type,
            "bytes": len(asset.body),
            "br_bytes": len(asset.brotli),
            "gzip_bytes": len(asset.gzip),
            "sha256": hashlib.sha256(asset.body).hexdigest(),
            "integrity": integrity(asset.body),
            "immutable": name != "dots.js",
        }
    manifest = {"loader": files["dots.js"]["file"], "files": files}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return manifest


@click.group("assets")
def assets_group() -> None:
    """The browser files (loader, overlay, panel) for a CDN or object store."""


@assets_group.command("build")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write (created if missing; files of earlier builds are kept).",
)
def build_command(out: Path) -> None:
    """Write the loader and the fingerprinted assets, precompressed, with manifest.json.

    Needs no configuration and no database. Earlier builds' fingerprinted
    files stay in the folder: a loader cached before this build still names them.
    """
    manifest = write_build(build_bundle(js_root()), out)
    for name, entry in manifest["files"].items():
        click.echo(f"{entry['file']}  {entry['gzip_bytes']:>6} B gzip  ({name})")
    click.echo(f"Written to {out} ({MANIFEST} lists the files).")
