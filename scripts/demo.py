"""Run the whole product locally: widget server, demo store, seeded data.

``make demo`` calls this. It migrates the embedded SQLite database, seeds a
demo brand, a brand user and an influencer (once), starts both servers,
syncs the store's catalog and prints the three URLs people need. It also
writes the demo's settings to ``instance/.env``, which ``widget-server``
reads, so the README's commands work on the demo as written.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
BRAND = "demo"
BRAND_USER = ("brand@northwind.example", "northwind-demo-1")
INFLUENCER = {
    "name": "Ana Lima",
    "email": "ana@creator.example",
    "country": "PT",
    "handles": [
        {"platform": "instagram", "handle": "ana.lima", "followers": 48200},
        {"platform": "tiktok", "handle": "analima", "followers": 125000},
        {"platform": "youtube", "handle": "AnaLimaStyle", "followers": 9100},
    ],
}


def wait_for(url: str, seconds: float = 30) -> None:
    """Block until ``url`` answers, or exit with a clear message."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=2):
                return
        except (URLError, OSError):
            time.sleep(0.2)
    sys.exit(f"demo: {url} did not come up within {seconds:.0f}s")


def write_env_file(settings: dict[str, str]) -> Path:
    """Write ``instance/.env`` for the ``widget-server`` command (owner-only, replaced whole)."""
    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / ".env"
    lines = ["# Written by 'make demo': widget-server reads these when they are not set."]
    lines += [f"{key}={value}" for key, value in sorted(settings.items())]
    partial = path.with_name(".env.partial")
    partial.write_text("\n".join(lines) + "\n")
    partial.chmod(0o600)
    os.replace(partial, path)
    return path


def prepare(widget: str) -> Flask:
    """The demo app, with its secret key made and its database migrated."""
    from widget_server import create_app
    from widget_server.migrate import upgrade

    app = create_app({"INSTANCE_PATH": str(INSTANCE), "DEMO": True, "PUBLIC_URL": widget})
    with app.app_context():
        upgrade()
    return app


def connect_store(app: Flask, store: str) -> dict[str, str]:
    """Create the brand once; give its store a new API key and the webhook; the store's settings.

    The demo store takes Dots' webhooks at ``/webhooks/dots`` and reports its
    gift orders and shipments back with the key (see ``demo_store.gifts``).
    """
    from widget_server.brands.services import add_brand_user, create_brand, find_brand, update_brand
    from widget_server.db import session
    from widget_server.store_sync.keys import issue_api_key
    from widget_server.store_sync.webhook_settings import set_webhook

    with app.app_context():
        brand = find_brand(BRAND)
        if brand is None:
            brand = create_brand(
                {
                    "slug": BRAND,
                    "name": "Northwind Supply",
                    "allowed_origins": [store],
                    "notify_email": "requests@northwind.example",
                    "max_items": 3,
                    "max_value": "400.00",
                }
            )
            add_brand_user(brand, *BRAND_USER)
        else:  # the ports may differ from the last run
            update_brand(brand, {"allowed_origins": [store]})
        key = issue_api_key(brand)
        set_webhook(brand, f"{store}/webhooks/dots")
        session.commit()
        return {
            "DEMO_STORE_API_KEY": key,
            "DEMO_STORE_WEBHOOK_SECRET": str(brand.webhook_secret),
            "DEMO_STORE_DB": str(INSTANCE / "demo_store.sqlite3"),
        }


def seed(app: Flask, store: str) -> str:
    """Create the demo influencer once, sync the catalog, return a fresh influencer link."""
    from widget_server.brands.services import find_brand
    from widget_server.catalog.sync import sync_catalog
    from widget_server.db import session
    from widget_server.influencers.services import (
        create_influencer,
        find_influencer,
        issue_link,
        link_url,
    )

    with app.app_context():
        brand = find_brand(BRAND)
        assert brand is not None  # connect_store made it
        influencer = find_influencer(INFLUENCER["email"]) or create_influencer(dict(INFLUENCER))
        report = sync_catalog(brand, f"{store}/products.json")
        brand.catalog_source = f"{store}/products.json"  # the console's Catalog page, Sync now
        link = issue_link(brand, influencer, f"{store}/", "30d")
        session.commit()
        print(f"Catalog: {report.products} products, {report.variants} variants synced.")
        return link_url(link)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--widget-port", type=int, default=5000)
    parser.add_argument("--store-port", type=int, default=5001)
    args = parser.parse_args()
    widget = f"http://127.0.0.1:{args.widget_port}"
    store = f"http://127.0.0.1:{args.store_port}"
    settings = {
        "DOTS_DEMO": "1",
        "DOTS_INSTANCE_PATH": str(INSTANCE),
        "DOTS_PUBLIC_URL": widget,
        # The demo store takes webhooks on loopback.
        "DOTS_ALLOW_PRIVATE_URLS": "1",
    }
    env = {**os.environ, **settings}
    write_env_file(settings)

    app = prepare(widget)
    store_env = {**env, **connect_store(app, store)}
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "widget_server", "serve", "--port", str(args.widget_port)],
            env=env,
        ),
        subprocess.Popen(
            [sys.executable, "-m", "demo_store", "--port", str(args.store_port)]
            + ["--widget-url", widget, "--brand", BRAND],
            env=store_env,
        ),
    ]

    def stop(*_args: object) -> None:
        for child in children:
            child.terminate()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        wait_for(f"{store}/products.json")
        link = seed(app, store)
        wait_for(f"{widget}/v1/health")
        print(
            "\n"
            "Dots is running.\n"
            f"  Shopper (sees nothing):  {store}/\n"
            f"  Influencer link:         {link}\n"
            f"  Brand review page:       {widget}/review/  "
            f"(sign in as {BRAND_USER[0]} / {BRAND_USER[1]})\n"
            f"  Open invitation:         {widget}/apply/{BRAND}  (anyone may apply)\n"
            f"  Store's gift orders:     {store}/admin/gifts  (Ship, Delivered)\n"
            f"  Emails are written to    {INSTANCE / 'outbox'}\n"
            "  Command line:            .venv/bin/widget-server brand list\n"
            "                           (or: make cli ARGS='brand list')\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        sys.exit("demo: a server stopped unexpectedly")
    except KeyboardInterrupt:
        stop()


if __name__ == "__main__":
    main()
