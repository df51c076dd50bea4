"""``widget-server worker`` runs the console's daily jobs: the request digest and the
scheduled catalog sync, whose failure emails the brand once (over a real SMTP server)."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
from tests.served import Process, environment, wait_until
from tests.smtp_server import SmtpServer, free_port
from widget_server.brands.models import Brand
from widget_server.db import session


def test_the_worker_sends_the_digest_and_one_email_for_a_failing_scheduled_sync(
    app: Flask, smtp: SmtpServer, tmp_path: Path
) -> None:
    with app.app_context():
        digest = make_brand("digest", notify_email="team@digest.example")
        digest.notify_digest = True
        link, _token = make_link(digest, make_influencer(name="Ana Lima"))
        make_request(link, [make_product(digest).variants[0]])
        failing = make_brand("failing", notify_email="team@failing.example")
        failing.catalog_source = f"http://127.0.0.1:{free_port()}/products.json"  # nobody there
        session.commit()
    settings = {
        "DOTS_DATABASE_URL": app.config["DATABASE_URL"],
        "DOTS_SECRET_KEY": app.config["SECRET_KEY"],
        "DOTS_PUBLIC_URL": app.config["PUBLIC_URL"],
        "DOTS_INSTANCE_PATH": str(tmp_path / "instance"),
        "DOTS_SMTP_URL": smtp.url,
        "DOTS_ALLOW_PRIVATE_URLS": "1",
    }
    worker = Process(
        tmp_path / "worker.log", ["worker", "--sweep-every", "0.2"], environment(**settings)
    )
    try:
        worker.wait_for_output("Worker running")
        wait_until(lambda: len(smtp.messages) >= 2, "the worker sent the digest and the failure")
        time.sleep(1.5)  # several more rounds of the jobs: no second failure email, no 2nd digest
    finally:
        code = worker.stop()
    output = worker.output()
    assert code == 0, output
    assert "Traceback" not in output
    subjects = sorted((m.rcpt_tos, str(m.message["Subject"])) for m in smtp.messages)
    assert subjects == [
        (("team@digest.example",), "Digest: 1 new product request today"),
        (("team@failing.example",), "Failing: the daily catalog sync failed"),
    ]
    with app.app_context():
        brand = session.scalar(select(Brand).where(Brand.slug == "failing"))
        assert brand.catalog_sync_result["ok"] is False
        assert brand.catalog_failure_notified_at is not None
