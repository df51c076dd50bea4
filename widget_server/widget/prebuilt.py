"""The loader and the fingerprinted assets, answered before Flask sees the request.

Every shopper page view of every store asks for ``/v1/dots.js``. Its bytes,
compressed both ways, its ETag and every header are worked out once per build
(:func:`prepare`); a request then costs a dictionary look-up, the choice of
encoding (cached per ``Accept-Encoding`` spelling) and an ``If-None-Match``
check. No Flask request context, no after-request hooks (nothing to compress,
no CORS: a script tag needs none), no template, no database.

The headers are those the Flask views sent before: ``Cache-Control`` (five
minutes for the loader, a year and ``immutable`` for a current fingerprint),
``Vary: Accept-Encoding``, ``Cross-Origin-Resource-Policy: cross-origin`` (for
stores that isolate themselves with COEP), ``X-Content-Type-Options: nosniff``
and HSTS when the request came over https (:mod:`widget_server.headers`).
This wrapper sits inside ``ProxyFix``, so ``wsgi.url_scheme`` is the one the
proxy saw.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.http import parse_accept_header

from widget_server.headers import HSTS
from widget_server.widget.assets import Asset, Bundle, BundleCache

LOADER_MAX_AGE = 300  # a deploy reaches every store within five minutes
IMMUTABLE_MAX_AGE = 31_536_000
ENCODINGS = ("br", "gzip", "identity")

#: Older fingerprints (a loader or panel page from before a deploy): today's file, briefly.
_STALE = (
    (re.compile(r"/v1/overlay\.[^/]+\.js"), "overlay"),
    (re.compile(r"/v1/deferred\.[^/]+\.js"), "deferred"),
    (re.compile(r"/v1/panel/assets/panel\.[0-9a-f]{10}\.js"), "panel_script"),
    (re.compile(r"/v1/panel/assets/panel\.[0-9a-f]{10}\.css"), "panel_style"),
)

Headers = list[tuple[str, str]]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Prepared:
    """One asset in one encoding: its body and both answers' headers, ready to send."""

    body: bytes
    etag: str  # quoted, as sent and as If-None-Match repeats it
    headers: Headers
    not_modified: Headers


def prepare(asset: Asset, max_age: int, immutable: bool = False) -> dict[str, Prepared]:
    """``asset`` in each encoding: ``{"br" | "gzip" | "identity": Prepared}``."""
    cache_control = f"public, max-age={max_age}" + (", immutable" if immutable else "")
    prepared = {}
    for encoding, body in (("br", asset.brotli), ("gzip", asset.gzip), ("identity", asset.body)):
        etag = f'"{asset.etag}-{encoding}"'
        common = [
            ("Vary", "Accept-Encoding"),
            ("ETag", etag),
            ("Cache-Control", cache_control),
            ("Cross-Origin-Resource-Policy", "cross-origin"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        headers = [("Content-Type", asset.content_type), ("Content-Length", str(len(body)))]
        if encoding != "identity":
            headers.append(("Content-Encoding", encoding))
        prepared[encoding] = Prepared(body, etag, headers + common, common)
    return prepared


@dataclass(frozen=True)
class Table:
    """Every path served from one bundle, prepared."""

    exact: dict[str, dict[str, Prepared]]
    stale: dict[str, dict[str, Prepared]]

    @classmethod
    def of(cls, bundle: Bundle) -> Table:
        """Prepare ``bundle``: current paths immutable, older fingerprints briefly."""
        exact = {
            "/v1/dots.js": prepare(bundle.loader, LOADER_MAX_AGE),
            bundle.overlay_path: prepare(bundle.overlay, IMMUTABLE_MAX_AGE, True),
            bundle.deferred_path: prepare(bundle.deferred, IMMUTABLE_MAX_AGE, True),
            bundle.panel_script_path: prepare(bundle.panel_script, IMMUTABLE_MAX_AGE, True),
            bundle.panel_style_path: prepare(bundle.panel_style, IMMUTABLE_MAX_AGE, True),
        }
        stale = {name: prepare(getattr(bundle, name), LOADER_MAX_AGE) for _, name in _STALE}
        return cls(exact, stale)

    def find(self, path: str) -> dict[str, Prepared] | None:
        """The prepared asset served at ``path``, if any."""
        found = self.exact.get(path)
        if found is None and path.startswith("/v1/"):
            for pattern, name in _STALE:
                if pattern.fullmatch(path):
                    return self.stale[name]
        return found


_choices: dict[str, str] = {}


def choose_encoding(accept_encoding: str) -> str:
    """``br``, else ``gzip``, else ``identity``, as ``Accept-Encoding`` allows (q=0 refuses).

    Browsers send a handful of spellings, so the parse is cached per spelling
    (bounded: a client inventing new ones only gets them parsed each time).
    """
    choice = _choices.get(accept_encoding)
    if choice is None:
        accepted = parse_accept_header(accept_encoding)
        choice = "br" if accepted["br"] else "gzip" if accepted["gzip"] else "identity"
        if len(_choices) < 64:
            _choices[accept_encoding] = choice
    return choice


class PrebuiltAssets:
    """WSGI wrapper: a GET or HEAD of a widget asset from prepared bytes; the rest to ``app``."""

    def __init__(self, app: WSGIApp, bundles: BundleCache, always_https: bool) -> None:
        self.app = app
        self.bundles = bundles
        self.always_https = always_https
        self._bundle: Bundle | None = None
        self._table: Table | None = None

    def table(self) -> Table:
        """The prepared table of the current bundle (a new one after a rebuild)."""
        bundle = self.bundles.get()
        table = self._table
        if table is None or bundle is not self._bundle:
            table = Table.of(bundle)
            self._bundle, self._table = bundle, table
        return table

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if method == "GET" or method == "HEAD":
            variants = self.table().find(environ.get("PATH_INFO", ""))
            if variants is not None:
                return self._send(variants, environ, start_response, method == "HEAD")
        return self.app(environ, start_response)

    def _send(
        self,
        variants: dict[str, Prepared],
        environ: dict[str, Any],
        start_response: StartResponse,
        head: bool,
    ) -> Iterable[bytes]:
        prepared = variants[choose_encoding(environ.get("HTTP_ACCEPT_ENCODING", ""))]
        hsts = self.always_https or environ.get("wsgi.url_scheme") == "https"
        extra = [("Strict-Transport-Security", HSTS)] if hsts else []
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        # A quoted ETag cannot occur inside another one, so "contains" is the
        # weak comparison If-None-Match asks for (W/"…" included).
        if if_none_match and (prepared.etag in if_none_match or if_none_match.strip() == "*"):
            start_response("304 Not Modified", prepared.not_modified + extra)
            return []
        start_response("200 OK", prepared.headers + extra)
        return [] if head else [prepared.body]
