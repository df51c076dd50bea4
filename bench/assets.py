"""Bytes of the loader, the overlay and its deferred file as served (raw, gzip, brotli)."""

from __future__ import annotations

from widget_server.widget.assets import build_bundle, js_root

LOADER_BUDGET_GZIP = 1_000
OVERLAY_BUDGET_GZIP = 10_000


def run() -> dict:
    bundle = build_bundle(js_root())
    sizes = {}
    named = (("loader", bundle.loader), ("overlay", bundle.overlay), ("deferred", bundle.deferred))
    for name, asset in named:
        sizes[name] = {"raw": len(asset.body), "gzip": len(asset.gzip), "brotli": len(asset.brotli)}
    sizes["loader"]["budget_gzip"] = LOADER_BUDGET_GZIP
    sizes["overlay"]["budget_gzip"] = OVERLAY_BUDGET_GZIP
    return sizes
