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

from widget_server.cli_helpers import seconds_option
from widget_server.console.jobs import run_daily_jobs
from widget_server.product_requests.expiry import sweep
from widget_server.product_requests.reminders import remind
from widget_server.ratelimit import describe_storage, storage_is_shared

log = logging.getLogger(__name__)


def run_jobs(app: Flask, stop: threading.Event, send_every: float, sweep_every: float) -> None:
    """Send the outbox, expire requests, remind, and run the daily jobs until ``stop`` is set."""
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
        try:
            with app.app_context():
                reminded = remind()
            if reminded.sent_any:
                log.info("%s", reminded)
        except Exception:
            log.exception("reminders failed; retrying later")
        try:
            with app.app_context():
                run_daily_jobs()
        except Exception:  # nor must a digest or a catalog sync
            log.exception("daily jobs failed; retrying later")
        stop.wait(sweep_every)
    sender.join(timeout=10)


@click.command("worker")
@seconds_option("--send-every", 2.0, "Seconds between outbox runs.")
@seconds_option("--sweep-every", 60.0, "Seconds between sweeps.")
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
                if key in self.cfg.settings:  # newer settings are skipped on older gunicorns
                    self.cfg.set(key, value)

        def load(self) -> Flask:
            from widget_server import create_app

            return create_app()

    Gunicorn().run()


def plan_workers(storage_url: str, workers: int | None, threads: int | None) -> tuple[int, int]:
    """Gunicorn ``(workers, threads)`` that keep the rate limits whole.

    Counters in ``memory://`` live in one process, so several workers would
    each count separately (two workers let through twice the limit): one
    worker with threads then. A shared storage (Redis) allows any number.
    """
    shared = storage_is_shared(storage_url)
    if workers is None:
        workers = 2 if shared else 1
    if workers < 1:
        raise click.BadParameter("must be at least 1.", param_hint="--workers")
    if workers > 1 and not shared:
        raise click.UsageError(
            f"--workers {workers} needs shared rate-limit counters: with "
            f"{describe_storage(storage_url)} each worker would count on its own and let "
            "through more than the limits. Set DOTS_RATELIMIT_STORAGE_URL=redis://… or "
            "serve with one worker (more --threads instead)."
        )
    if threads is None:
        threads = 4 if workers > 1 else 8
    if threads < 1:
        raise click.BadParameter("must be at least 1.", param_hint="--threads")
    return workers, threads


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65_535), default=5000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(max=256),
    default=None,
    help="Gunicorn worker processes [default: 1 with memory:// rate limits, 2 with Redis].",
)
@click.option(
    "--threads",
    type=click.IntRange(max=1_000),
    default=None,
    help="Threads per worker [default: 8 for one worker, 4].",
)
@click.option("--no-jobs", is_flag=True, help="Do not run the sender and sweeper here.")
@with_appcontext
def serve_command(
    host: str, port: int, workers: int | None, threads: int | None, no_jobs: bool
) -> None:
    """Serve the app with gunicorn, plus the email sender and expiry sweeper."""
    storage = str(current_app.config["RATELIMIT_STORAGE_URI"])
    workers, threads = plan_workers(storage, workers, threads)
    where = (
        "shared by every worker and instance"
        if storage_is_shared(storage)
        else "in this one process (set DOTS_RATELIMIT_STORAGE_URL=redis://… for more workers)"
    )
    click.echo(
        f"Serving on http://{host}:{port} with {workers} worker(s) x {threads} thread(s); "
        f"rate limits in {describe_storage(storage)}, {where}."
    )
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
                # gunicorn 23+ opens a control socket at one fixed path per user; a
                # second instance on the machine would take it over. Not used here.
                "control_socket_disable": True,
                "forwarded_allow_ips": "*" if current_app.config.get("PROXY_HOPS") else "127.0.0.1",
            }
        )
    finally:
        if jobs is not None:
            jobs.terminate()
            jobs.wait(timeout=15)
