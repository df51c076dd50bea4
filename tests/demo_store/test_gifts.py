"""The demo store's end of Dots: signed webhooks, gift orders, and shipments reported back."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from demo_store import create_app as create_store
from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
from tests.smtp_server import free_port
from widget_server import clock
from widget_server.db import session
from widget_server.notifications.models import WEBHOOK, OutboxMessage
from widget_server.notifications.sender import backoff, send_due
from widget_server.product_requests import lifecycle, states
from widget_server.product_requests.models import ProductRequest, RequestEvent
from widget_server.store_sync.keys import issue_api_key
from widget_server.store_sync.webhook_settings import set_webhook

SECRET = "whsec_test-secret"


def store_app(tmp_path: Path, **config: object) -> Flask:
    return create_store(
        {
            "TESTING": True,
            "DEMO_STORE_WEBHOOK_SECRET": SECRET,
            "DEMO_STORE_DB": str(tmp_path / "store.sqlite3"),
            **config,
        }
    )


def signed(body: bytes, *, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    t = int(time.time() if at is None else at)
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "Dots-Signature": f"t={t},v1={digest}",
        "Dots-Delivery": uuid.uuid4().hex,
        "Content-Type": "application/json",
    }


def event(kind: str = "request.created", event_id: str = "evt_1") -> bytes:
    return json.dumps({"id": event_id, "type": kind, "data": {"request": {"id": 7}}}).encode()


def test_a_signed_event_is_taken_once_by_its_id(tmp_path):
    client = store_app(tmp_path).test_client()
    first = client.post("/webhooks/dots", data=event(), headers=signed(event()))
    assert (first.status_code, first.get_json()) == (200, {"ok": True, "duplicate": False})
    # Dots retrying after a lost answer: a new delivery of the same event.
    again = client.post("/webhooks/dots", data=event(), headers=signed(event()))
    assert (again.status_code, again.get_json()) == (200, {"ok": True, "duplicate": True})


@pytest.mark.parametrize(
    ("headers", "status", "error"),
    [
        (lambda body: signed(body, secret="whsec_other"), 401, "bad signature"),
        (lambda body: signed(body + b" "), 401, "bad signature"),
        (lambda body: signed(body, at=time.time() - 301), 401, "stale timestamp"),
        (lambda body: signed(body, at=time.time() + 301), 401, "stale timestamp"),
        (lambda body: {**signed(body), "Dots-Signature": "v1=abc"}, 400, "malformed"),
        (lambda body: {"Content-Type": "application/json"}, 400, "malformed"),
    ],
)
def test_bad_signatures_and_stale_timestamps_are_refused(tmp_path, headers, status, error):
    client = store_app(tmp_path).test_client()
    answer = client.post("/webhooks/dots", data=event(), headers=headers(event()))
    assert answer.status_code == status
    assert error in answer.get_json()["error"]


def test_a_replayed_delivery_is_refused(tmp_path):
    client = store_app(tmp_path).test_client()
    headers = signed(event())
    assert client.post("/webhooks/dots", data=event(), headers=headers).status_code == 200
    replay = client.post("/webhooks/dots", data=event(), headers=headers)
    assert (replay.status_code, replay.get_json()["error"]) == (409, "replayed delivery")
    # Even with another event in it, a recorded delivery id with its signature does not pass.
    other = event(event_id="evt_2")
    assert client.post("/webhooks/dots", data=other, headers=headers).status_code == 401


@contextmanager
def served(app: Flask, port: int) -> Iterator[str]:
    """``app`` on a real HTTP server (threads), as the other side calls it."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


def subjects_to(smtp, address: str) -> list[str]:
    return [m.message["Subject"] for m in smtp.messages if m.rcpt_tos == (address,)]


def test_the_whole_loop_from_approval_to_completion_through_the_demo_store(
    smtp_app, smtp, tmp_path
):
    app = smtp_app
    app.config["ALLOW_PRIVATE_URLS"] = True
    store_port = free_port()
    with served(app, free_port()) as dots_url:
        with app.app_context():
            brand = make_brand("northwind")
            set_webhook(brand, f"http://127.0.0.1:{store_port}/webhooks/dots")
            influencer = make_influencer(name="Ana Lima")
            link, _ = make_link(brand, influencer)
            request_id = make_request(link, [make_product(brand, prices=(4500,)).variants[0]]).id
            key = issue_api_key(brand)
            secret = brand.webhook_secret
            states.transition(request_id, states.APPROVED, "team@northwind.example")
            session.commit()
        store = store_app(tmp_path, DEMO_STORE_DOTS_API_URL=dots_url, DEMO_STORE_API_KEY=key)
        store.config["DEMO_STORE_WEBHOOK_SECRET"] = secret
        moment = clock.now()
        # The store is down: the webhooks wait in the outbox.
        with app.app_context(), clock.frozen_at(moment):
            report = send_due()
            assert [d.template for d in report.failed] == ["request.created", "request.approved"]
        with served(store, store_port) as store_url:
            with app.app_context(), clock.frozen_at(moment + backoff(1)):
                report = send_due()
                assert report.counts["failed"] == 0
                assert [d.template for d in report.sent if "." in d.template] == [
                    "request.created",
                    "request.approved",
                ]
                request = session.get(ProductRequest, request_id)
                number = f"GIFT-{1000 + request_id}"
                assert request.order_number == number
                assert request.order_url == f"{store_url}/admin/gifts#{number}"
                # Retrying later finds nothing more to send: each delivered once.
                assert send_due().claimed == 0

            admin = store.test_client()
            page = admin.get("/admin/gifts").get_data(as_text=True)
            assert number in page and "Ana Lima" in page and "discount 100%" in page
            assert "total 0.00 USD" in page and "gift,dots" in page
            shipped = admin.post(
                f"/admin/gifts/{number}/ship",
                data={
                    "carrier": "UPS",
                    "tracking_number": "1Z999",
                    "tracking_url": "https://ups.example/1Z999",
                },
            )
            assert "shipped in Dots" in admin.get(shipped.location).get_data(as_text=True)
            delivered = admin.post(f"/admin/gifts/{number}/delivered")
            assert "delivered in Dots" in admin.get(delivered.location).get_data(as_text=True)
            again = admin.post(f"/admin/gifts/{number}/delivered")  # a double click
            assert "delivered in Dots" in admin.get(again.location).get_data(as_text=True)

            with app.app_context():
                lifecycle.submit_content(
                    link_of(request_id), request_id, ["https://ig.example/p/1"]
                )
                lifecycle.accept_content(request_id, "team@northwind.example")
                session.commit()
                send_due()
                request = session.get(ProductRequest, request_id)
                assert (request.status, request.tracking_number) == ("completed", "1Z999")
                kinds = session.scalars(
                    select(RequestEvent.kind)
                    .where(RequestEvent.request_id == request_id)
                    .order_by(RequestEvent.id)
                ).all()
                hooks = session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.kind == WEBHOOK)
                    .order_by(OutboxMessage.id)
                ).all()
                assert {hook.status for hook in hooks} == {"sent"}
            page = admin.get("/admin/gifts").get_data(as_text=True)
            assert ">completed<" in page
    assert kinds == [
        "submitted",
        "approved",
        "order_created",
        "shipped",
        "delivered",
        "content_submitted",
        "completed",
    ]
    assert subjects_to(smtp, influencer_email(app, request_id)) == [
        "Northwind approved your product request",
        "Northwind sent your products",
        f"Your products from Northwind arrived: content due {due_text(app, request_id)}",
        "Your collaboration with Northwind is complete",
    ]
    assert subjects_to(smtp, "team@northwind.example") == [
        "New product request from Ana Lima",
        "Ana Lima submitted their content",
    ]


def link_of(request_id: int):
    return session.get(ProductRequest, request_id).link


def influencer_email(app: Flask, request_id: int) -> str:
    with app.app_context():
        return session.get(ProductRequest, request_id).influencer.email


def due_text(app: Flask, request_id: int) -> str:
    with app.app_context():
        due = session.get(ProductRequest, request_id).content_due_at
    assert due is not None and due - clock.now() <= timedelta(days=14)
    return f"{due.day} {due:%B %Y}"
