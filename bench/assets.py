"""Bytes of the loader and the overlay as served (raw, gzip, brotli)."""

from __future__ import annotations

from widget_server.widget.assets import build_bundle, js_root

LOADER_BUDGET_GZIP = 1_000


def run() -> dict:
    bundle = build_bundle(js_root())
    sizes = {}
    for name, asset in (("loader", bundle.loader), ("overlay", bundle.overlay)):
        sizes[name] = {"raw": len(asset.body), "gzip": len(asset.gzip), "brotli": len(asset.brotli)}
    sizes["loader"]["budget_gzip"] = LOADER_BUDGET_GZIP
    return sizes
