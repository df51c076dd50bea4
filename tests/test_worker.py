"""``widget-server worker`` alone: the jobs of instances served with ``serve --no-jobs``.

Run as production runs it, in a process of its own configured only by
``DOTS_*`` variables, on every configured database, sending to a real SMTP
server (``tests/smtp_server.py``). (``serve`` running the same jobs itself,
with a browser: ``tests/e2e/test_served_jobs.py``.)
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from flask import Flask

from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
from tests.served import Process, environment, wait_until
from tests.smtp_server import SmtpServer
from widget_server import clock
from widget_server.db import session
from widget_server.product_requests import lifecycle, states
from widget_server.product_requests.models import ProductRequest


def test_the_worker_expires_overdue_requests_sends_the_emails_and_stops_on_sigterm(
    app: Flask, smtp: SmtpServer, tmp_path: Path
) -> None:
    with app.app_context():
        brand = make_brand("acme")
        link, _token = make_link(brand, make_influencer())
        request = make_request(link, [make_product(brand).variants[0]])
        request.expires_at = clock.now() - timedelta(minutes=1)  # overdue, unswept
        session.commit()
        request_id, inbox = request.id, brand.notify_email
        influencer, name, brand_name = request.influencer.email, request.influencer.name, brand.name
    settings = {
        "DOTS_DATABASE_URL": app.config["DATABASE_URL"],
        "DOTS_SECRET_KEY": app.config["SECRET_KEY"],
        "DOTS_PUBLIC_URL": app.config["PUBLIC_URL"],
        "DOTS_INSTANCE_PATH": str(tmp_path / "instance"),
        "DOTS_SMTP_URL": smtp.url,
    }
    worker = Process(tmp_path / "worker.log", ["worker"], environment(**settings))
    try:
        worker.wait_for_output("Worker running")
        # The sweep runs at start; the sender every 2 s sends the brand's email
        # and the influencer's, which the sweep queued.
        wait_until(lambda: len(smtp.messages) >= 2, "the worker sent two emails")
    finally:
        code = worker.stop()
    output = worker.output()
    assert code == 0, output
    assert "expired 1 request(s)" in output
    assert "Traceback" not in output
    assert sorted((m.rcpt_tos, str(m.message["Subject"])) for m in smtp.messages) == sorted(
        [
            ((inbox,), f"New product request from {name}"),
            ((influencer,), f"Your product request to {brand_name} expired"),
        ]
    )
    with app.app_context():
        stored = session.get(ProductRequest, request_id)
        assert stored.status == "expired"
        assert [e.kind for e in stored.events] == ["submitted", "expired"]
        assert stored.events[-1].actor == "system"


def test_the_worker_sends_each_content_reminder_once_however_often_it_runs(
    app: Flask, smtp: SmtpServer, tmp_path: Path
) -> None:
    with app.app_context():
        brand = make_brand("acme")
        link, _token = make_link(brand, make_influencer())
        request = make_request(link, [make_product(brand).variants[0]])
        states.transition(request.id, states.APPROVED, "team@acme.example")
        lifecycle.ship(request.id, "team@acme.example", "UPS", "1Z", None)
        lifecycle.mark_delivered(request.id, "team@acme.example")
        request.content_due_at = clock.now() + timedelta(days=2)  # inside the 3-day reminder
        session.commit()
        influencer = request.influencer.email
    settings = {
        "DOTS_DATABASE_URL": app.config["DATABASE_URL"],
        "DOTS_SECRET_KEY": app.config["SECRET_KEY"],
        "DOTS_PUBLIC_URL": app.config["PUBLIC_URL"],
        "DOTS_INSTANCE_PATH": str(tmp_path / "instance"),
        "DOTS_SMTP_URL": smtp.url,
    }
    worker = Process(
        tmp_path / "worker.log",
        ["worker", "--sweep-every", "0.2", "--send-every", "0.2"],
        environment(**settings),
    )
    reminder = "Reminder: your content for Acme is due"

    def reminded() -> list[str]:
        return [
            str(m.message["Subject"])
            for m in smtp.messages
            if reminder in str(m.message["Subject"])
        ]

    try:
        worker.wait_for_output("Worker running")
        wait_until(reminded, "the worker sent the reminder")
        time.sleep(1.5)  # several more rounds of the loop
    finally:
        code = worker.stop()
    output = worker.output()
    assert code == 0, output
    assert "Traceback" not in output
    assert len(reminded()) == 1
    assert [m.rcpt_tos for m in smtp.messages if reminder in str(m.message["Subject"])] == [
        (influencer,)
    ]
