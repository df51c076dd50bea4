"""``widget-server serve`` (gunicorn + background jobs) and ``widget-server worker``.

The web processes are stateless; the background jobs (email sender, expiry
sweeper) are safe to run in every instance at once, because the outbox claims
messages with SKIP LOCKED / leases and expiry is a conditional update.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from widget_server.product_requests.expiry import sweep

log = logging.getLogger(__name__)


def run_jobs(app: Flask, stop: threading.Event, send_every: float, sweep_every: float) -> None:
    """Send emails and expire requests until ``stop`` is set."""
    from widget_server.notifications.sender import run_sender_forever

    sender = threading.Thread(
        target=run_sender_forever, args=(app, send_every, stop), name="outbox-sender", daemon=True
    )
    sender.start()
    while not stop.is_set():
        try:
            with app.app_context():
                expired = sweep()
            if expired:
                log.info("expired %d request(s)", expired)
        except Exception:  # a database hiccup must not end the worker
            log.exception("expiry sweep failed; retrying later")
        stop.wait(sweep_every)
    sender.join(timeout=10)


@click.command("worker")
@click.option("--send-every", default=2.0, show_default=True, help="Seconds between outbox runs.")
@click.option("--sweep-every", default=60.0, show_default=True, help="Seconds between sweeps.")
@with_appcontext
def worker_command(send_every: float, sweep_every: float) -> None:
    """Run the email sender and the expiry sweeper until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo("Worker running: outbox sender and expiry sweeper (Ctrl-C stops).")
    run_jobs(current_app._get_current_object(), stop, send_every, sweep_every)  # type: ignore[attr-defined]


def run_gunicorn(options: dict[str, Any]) -> None:
    """Run gunicorn, configured from Python rather than a config file.

    Imported here, not at the top: every other command stays light.
    """
    from gunicorn.app.base import BaseApplication

    class Gunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            from widget_server import create_app

            return create_app()

    Gunicorn().run()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--workers", default=2, show_default=True, help="Gunicorn worker processes.")
@click.option("--threads", default=4, show_default=True, help="Threads per worker.")
@click.option("--no-jobs", is_flag=True, help="Do not run the sender and sweeper here.")
@with_appcontext
def serve_command(host: str, port: int, workers: int, threads: int, no_jobs: bool) -> None:
    """Serve the app with gunicorn, plus the email sender and expiry sweeper."""
    jobs = None
    if not no_jobs:
        jobs = subprocess.Popen([sys.executable, "-m", "widget_server", "worker"], env=os.environ)
    try:
        run_gunicorn(
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "accesslog": "-",
                "forwarded_allow_ips": "*" if current_app.config.get("PROXY_HOPS") else "127.0.0.1",
            }
        )
    finally:
        if jobs is not None:
            jobs.terminate()
            jobs.wait(timeout=15)
