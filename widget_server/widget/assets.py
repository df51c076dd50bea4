"""Build and compress the browser bundles once, and again when a file changes.

The loader is the file brands paste a tag for: cached briefly (so a deploy
reaches stores within minutes) and revalidated by ETag. The overlay is
fingerprinted by its content hash and cached for a year: the loader names the
current fingerprint, so a new overlay is a new URL.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from threading import Lock

import brotli

OVERLAY_PLACEHOLDER = "__DOTS_OVERLAY_PATH__"


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


@dataclass(frozen=True)
class Bundle:
    """The loader and the overlay as served right now."""

    loader: Asset
    overlay: Asset
    overlay_path: str


def js_root() -> Path:
    """The ``widget_js`` folder (package data, or the checkout in development)."""
    return Path(str(resources.files("widget_js")))


def _overlay_source(root: Path) -> bytes:
    # The overlay is a few plain files with one job each; shipping them as
    # one IIFE keeps their shared names out of the host page's globals.
    parts = [path.read_text("utf-8") for path in sorted((root / "overlay").glob("*.js"))]
    body = "(function(){\n'use strict';\n" + "\n".join(parts) + "\n})();\n"
    return body.encode("utf-8")


def build_bundle(root: Path) -> Bundle:
    """Read ``widget_js`` and build both assets."""
    overlay = Asset(_overlay_source(root), "application/javascript; charset=utf-8")
    overlay_path = f"/v1/overlay.{overlay.etag[:10]}.js"
    loader_text = (root / "loader.js").read_text("utf-8").replace(OVERLAY_PLACEHOLDER, overlay_path)
    loader = Asset(loader_text.encode("utf-8"), "application/javascript; charset=utf-8")
    return Bundle(loader=loader, overlay=overlay, overlay_path=overlay_path)


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
        files = [self.root / "loader.js", *(self.root / "overlay").glob("*.js")]
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
