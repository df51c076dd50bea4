"""Build and compress the browser bundles once, and again when a file changes.

The loader is the file brands paste a tag for: cached briefly (so a deploy
reaches stores within minutes) and revalidated by ETag. The overlay and the
request panel's script and stylesheet are fingerprinted by their content hash
and cached for a year: the loader and the panel page (never cached) name the
current fingerprints, so a new build is a new URL.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from threading import Lock

import brotli
import rjsmin
from calmjs.parse import es5
from calmjs.parse.unparsers.es5 import minify_print

OVERLAY_PLACEHOLDER = "__DOTS_OVERLAY_PATH__"
DEFERRED_PLACEHOLDER = "__DOTS_DEFERRED_PATH__"
PANEL_ASSETS = "/v1/panel/assets/"
JS = "application/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"


@dataclass(frozen=True)
class Asset:
    """One file, with its precompressed bodies and a strong ETag."""

    body: bytes
    content_type: str
    etag: str = field(init=False)
    gzip: bytes = field(init=False)
    brotli: bytes = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "etag", hashlib.sha256(self.body).hexdigest()[:16])
        object.__setattr__(self, "gzip", gzip.compress(self.body, 9, mtime=0))
        object.__setattr__(self, "brotli", brotli.compress(self.body, quality=11))

    def fingerprinted(self, stem: str, suffix: str) -> str:
        """``stem.<hash>.suffix``: the file name under which this content is immutable."""
        return f"{stem}.{self.etag[:10]}.{suffix}"


@dataclass(frozen=True)
class Bundle:
    """The loader, the overlay and the panel's assets as served right now."""

    loader: Asset
    overlay: Asset
    overlay_path: str
    deferred: Asset
    deferred_path: str
    panel_script: Asset
    panel_style: Asset
    panel_script_path: str = field(init=False)
    panel_style_path: str = field(init=False)

    def __post_init__(self) -> None:
        script = PANEL_ASSETS + self.panel_script.fingerprinted("panel", "js")
        style = PANEL_ASSETS + self.panel_style.fingerprinted("panel", "css")
        object.__setattr__(self, "panel_script_path", script)
        object.__setattr__(self, "panel_style_path", style)

    def panel_file(self, name: str) -> Asset | None:
        """The panel asset served as ``/v1/panel/assets/<name>`` (current fingerprints only)."""
        return {
            self.panel_script_path: self.panel_script,
            self.panel_style_path: self.panel_style,
        }.get(PANEL_ASSETS + name)


def js_root() -> Path:
    """The ``widget_js`` folder (package data, or the checkout in development)."""
    return Path(str(resources.files("widget_js")))


def _script_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.js"))


def _joined(folder: Path) -> str:
    # The overlay and the panel are each a few plain files with one job each;
    # shipping them as one IIFE keeps their shared names out of the globals
    # of the page they run in.
    parts = [path.read_text("utf-8") for path in _script_files(folder)]
    return "(function(){\n'use strict';\n" + "\n".join(parts) + "\n})();\n"


def _minified(source: str) -> Asset:
    """``source`` with its names shortened, for the size budgets (loader 1 KB, overlay 10 KB gzip).

    Every name of the overlay is local to its IIFE, so calmjs.parse (an ES5
    parser) renames them all; property names and the page's globals stay.
    It also checks the overlay is ES5: a syntax error stops the build here,
    not in an influencer's browser. About 0.2 s, once per start.
    """
    tree = es5(source)
    return Asset(
        minify_print(tree, obfuscate=True, obfuscate_globals=False).encode("utf-8") + b"\n", JS
    )


def _iife(folder: Path) -> Asset:
    # Comments and indentation are for the people who read widget_js/; the
    # influencer's browser gets neither (a third of the gzip size). rjsmin
    # only drops comments and white space, so what runs is what was tested.
    return Asset(rjsmin.jsmin(_joined(folder)).encode("utf-8") + b"\n", JS)


def _watched_files(root: Path) -> list[Path]:
    """Every file a bundle is built from (the panel's HTML is a Jinja template)."""
    return [
        root / "loader.js",
        *_script_files(root / "overlay"),
        *_script_files(root / "overlay" / "deferred"),
        *_script_files(root / "panel" / "js"),
        root / "panel" / "panel.css",
    ]


def build_bundle(root: Path) -> Bundle:
    """Read ``widget_js`` and build every asset."""
    # What only a click or a preview needs is a second file the overlay
    # fetches then (widget_js/overlay/45-deferred.js), so it names its path.
    deferred = _minified(_joined(root / "overlay" / "deferred"))
    deferred_path = "/v1/" + deferred.fingerprinted("deferred", "js")
    overlay = _minified(_joined(root / "overlay").replace(DEFERRED_PLACEHOLDER, deferred_path))
    overlay_path = "/v1/" + overlay.fingerprinted("overlay", "js")
    loader_text = (root / "loader.js").read_text("utf-8").replace(OVERLAY_PLACEHOLDER, overlay_path)
    # The loader is one function: minified like the overlay, it keeps room in
    # its budget for the returning view's early session call.
    loader = _minified(loader_text)
    return Bundle(
        loader=loader,
        overlay=overlay,
        overlay_path=overlay_path,
        deferred=deferred,
        deferred_path=deferred_path,
        panel_script=_iife(root / "panel" / "js"),
        panel_style=Asset((root / "panel" / "panel.css").read_bytes(), CSS),
    )


class BundleCache:
    """Build the bundle once; with ``watch``, again when a file under ``widget_js`` changes.

    The loader is the one request every shopper makes, so production does no
    file-system work per request; development and the demo watch the files.
    """

    def __init__(self, root: Path, watch: bool = False) -> None:
        self.root = root
        self.watch = watch
        self._lock = Lock()
        self._stamp: tuple[float, int] | None = None
        self._bundle: Bundle | None = None

    def _current_stamp(self) -> tuple[float, int]:
        files = _watched_files(self.root)
        return max(f.stat().st_mtime for f in files), len(files)

    def get(self) -> Bundle:
        """The bundle (rebuilt first if watching and a file changed)."""
        if self._bundle is not None and not self.watch:
            return self._bundle
        stamp = self._current_stamp()
        with self._lock:
            if self._bundle is None or stamp != self._stamp:
                self._bundle, self._stamp = build_bundle(self.root), stamp
            return self._bundle
