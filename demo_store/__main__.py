"""Run the demo store: ``python -m demo_store --port 5001 --widget-url URL --brand demo``."""

from __future__ import annotations

import argparse
import os
from typing import Any

from . import create_app


def main(argv: list[str] | None = None) -> None:
    """Parse command-line options and serve the store with Flask's development server."""
    parser = argparse.ArgumentParser(prog="python -m demo_store", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument(
        "--widget-url",
        default=None,
        help="origin serving /v1/dots.js (env DEMO_STORE_WIDGET_URL, default "
        "http://127.0.0.1:5000)",
    )
    parser.add_argument(
        "--brand", default=None, help="data-brand of the script tag (env DEMO_STORE_BRAND)"
    )
    parser.add_argument(
        "--count",
        type=int,
        default=None,
        help="products in the catalog (env DEMO_STORE_PRODUCT_COUNT, default 24)",
    )
    parser.add_argument("--debug", action="store_true", help="Flask debug mode with reloader")
    args = parser.parse_args(argv)

    # Only pass what was given, so environment variables still apply otherwise.
    config: dict[str, Any] = {}
    if args.widget_url is not None:
        config["DEMO_STORE_WIDGET_URL"] = args.widget_url
    if args.brand is not None:
        config["DEMO_STORE_BRAND"] = args.brand
    if args.count is not None:
        config["DEMO_STORE_PRODUCT_COUNT"] = args.count

    app = create_app(config)
    print(
        f"Northwind Supply demo store on http://{args.host}:{args.port}/ "
        f"(widget {app.config['DEMO_STORE_WIDGET_URL']}, brand "
        f"{app.config['DEMO_STORE_BRAND']!r}, pid {os.getpid()})",
        flush=True,
    )
    app.run(host=args.host, port=args.port, debug=args.debug, threaded=True)


if __name__ == "__main__":
    main()
