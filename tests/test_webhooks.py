"""Outbound webhooks: one per lifecycle event, in the same outbox, signed, retried, logged."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
from tests.webhook_receiver import Receiver
from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.db import session
from widget_server.notifications.models import WEBHOOK, OutboxMessage, WebhookAttempt
from widget_server.notifications.sender import backoff, send_due
from widget_server.product_requests import lifecycle, states
from widget_server.store_sync.webhook_settings import set_webhook
from widget_server.store_sync.webhooks import WebhookFailed, allowed_address

TEAM = "team@north.example"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def hooked(app, receiver):
    """Brand ``north`` with a webhook to the receiver (loopback allowed) and a pending request."""
    app.config["ALLOW_PRIVATE_URLS"] = True
    with app.app_context():
        brand = make_brand("north")
        set_webhook(brand, receiver.url)
        session.commit()
        link, _ = make_link(brand, make_influencer(name="Ana Lima"))
        request = make_request(link, [make_product(brand).variants[0]])
        return {"request_id": request.id, "secret": brand.webhook_secret, "link_id": link.id}


def webhooks() -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == WEBHOOK).order_by(OutboxMessage.id)
        )
    )


def test_every_lifecycle_event_is_queued_with_its_transition(app, hooked):
    rid = hooked["request_id"]
    with app.app_context():
        states.transition(rid, states.APPROVED, TEAM)
        lifecycle.ship(rid, "store", "UPS", "1Z", "https://ups.example/1Z")
        request = lifecycle.mark_delivered(rid, "store")
        lifecycle.submit_content(request.link, rid, ["https://instagram.example/p/1"])
        lifecycle.request_changes(rid, TEAM, "Tag us")
        lifecycle.submit_content(request.link, rid, ["https://instagram.example/p/2"])
        lifecycle.accept_content(rid, TEAM)
        session.commit()
        # A transition that is rolled back leaves no webhook behind.
        other = make_request(request.link, [make_product(request.brand).variants[0]]).id
        states.transition(other, states.DENIED, TEAM, "Not now")
        session.rollback()
        rows = webhooks()
        assert [row.subject for row in rows] == [
            "request.created",
            "request.approved",
            "request.shipped",
            "request.delivered",
            "request.content_submitted",
            "request.changes_requested",
            "request.content_submitted",
            "request.completed",
            "request.created",
        ]
        assert {row.to_addr for row in rows} == {hooked_url(app)}
        approved = json.loads(rows[1].text_body)
        assert approved["type"] == "request.approved"
        data = approved["data"]["request"]
        assert data["id"] == rid and data["status"] == "approved"
        assert data["shipping_address"]["line1"] == "12 Rua Augusta"  # the store ships it
        assert data["items"][0]["store_variant_id"]
        assert "email" not in json.dumps(data["influencer"])
        changes = json.loads(rows[5].text_body)
        assert changes["data"]["note"] == "Tag us"


def hooked_url(app) -> str:
    with app.app_context():
        return session.scalar(select(Brand.webhook_url).where(Brand.slug == "north"))


def test_cancelled_withdrawn_denied_and_expired_are_sent_too(app, hooked, frozen_clock):
    with app.app_context():
        brand = session.scalar(select(Brand).where(Brand.slug == "north"))
        link, _ = make_link(brand)
        ids = [make_request(link, [make_product(brand).variants[0]]).id for _ in range(3)]
        states.transition(hooked["request_id"], states.APPROVED, TEAM)
        lifecycle.cancel(hooked["request_id"], TEAM, "Out of stock")
        states.transition(ids[0], states.DENIED, TEAM)
        states.transition(ids[1], states.WITHDRAWN, "creator")
        session.commit()
        states.expire_due(10, as_of=frozen_clock + timedelta(days=30))
        session.commit()
        kinds = [row.subject for row in webhooks()][4:]
    assert kinds == [
        "request.approved",
        "request.cancelled",
        "request.denied",
        "request.withdrawn",
        "request.expired",
    ]


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    parts = dict(part.split("=", 1) for part in headers["Dots-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(parts["v1"], expected.hexdigest())


def test_a_webhook_is_posted_signed_and_logged(app, hooked, receiver):
    receiver.start()
    with app.app_context():
        report = send_due()
        assert report.counts["failed"] == 0
        (row,) = webhooks()
        assert row.status == "sent"
        (attempt,) = session.scalars(select(WebhookAttempt)).all()
        assert (attempt.message_id, attempt.attempt, attempt.status_code) == (row.id, 1, 200)
    (got,) = receiver.received
    assert got.path == "/hooks/dots"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["Dots-Event"] == "request.created"
    assert got.headers["Dots-Delivery"] == attempt.delivery_id
    assert verify(hooked["secret"], got.headers, got.body)
    assert not verify(hooked["secret"] + "x", got.headers, got.body)
    assert json.loads(got.body)["data"]["request"]["id"] == hooked["request_id"]


def test_a_receiver_that_is_down_gets_the_webhook_once_it_is_back(app, hooked, receiver):
    moment = clock.now()
    with app.app_context(), clock.frozen_at(moment):
        first = send_due()
        (failed,) = [d for d in first.failed if d.template == "request.created"]
        assert not [d for d in first.sent if d.template == "request.created"]
        assert "no answer" in failed.error and not failed.gave_up
        # Not due again before its backoff.
        assert send_due().claimed == 0
    receiver.status = 503
    receiver.start()
    with app.app_context(), clock.frozen_at(moment + backoff(1)):
        assert [d.template for d in send_due().failed] == ["request.created"]
    receiver.status = 200
    with app.app_context(), clock.frozen_at(moment + backoff(1) + backoff(2)):
        assert [d.template for d in send_due().sent] == ["request.created"]
    with app.app_context(), clock.frozen_at(moment + timedelta(days=1)):
        assert send_due().claimed == 0
        (row,) = webhooks()
        assert (row.status, row.attempts) == ("sent", 2)
        log = session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
        # The refused connection got no answer, so it logs no delivery id to the receiver.
        assert [(a.attempt, a.status_code) for a in log] == [(1, None), (2, 503), (3, 200)]
        assert "no answer" in log[0].error and log[1].error.startswith("HTTP 503")
    assert [r.headers["Dots-Event"] for r in receiver.received] == ["request.created"] * 2
    ids = {json.loads(r.body)["id"] for r in receiver.received}
    assert len(ids) == 1  # the same event; a new delivery id each attempt
    assert len({r.headers["Dots-Delivery"] for r in receiver.received}) == 2


def test_410_gone_is_not_retried(app, hooked, receiver):
    receiver.status = 410
    receiver.start()
    with app.app_context():
        (failed,) = [d for d in send_due().failed]
        assert failed.gave_up
        assert webhooks()[0].status == "failed"


def test_private_addresses_are_refused_unless_allowed(app, hooked, receiver):
    receiver.start()
    app.config["ALLOW_PRIVATE_URLS"] = False
    with app.app_context():
        (failed,) = send_due().failed
        assert failed.gave_up
        assert "127.0.0.1, which is not a public address" in failed.error
    assert receiver.received == []


def test_a_removed_webhook_sends_nothing_more(app, hooked, receiver):
    receiver.start()
    with app.app_context():
        set_webhook(session.scalar(select(Brand).where(Brand.slug == "north")), None)
        session.commit()
        (failed,) = send_due().failed
        assert failed.gave_up and "no webhook" in failed.error
        states.transition(hooked["request_id"], states.APPROVED, TEAM)
        session.commit()
        assert len(webhooks()) == 1
    assert receiver.received == []


def test_emails_and_webhooks_share_the_outbox_but_smtp_down_stops_only_emails(
    app, hooked, receiver
):
    receiver.start()
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"  # nothing listens there
    with app.app_context():
        report = send_due()
        assert [d.template for d in report.sent] == ["request.created"]
        assert [d.template for d in report.failed] == ["request_submitted"]
    assert len(receiver.received) == 1


def test_the_cli_sets_the_webhook_shows_its_secret_and_the_log(app, runner, receiver):
    app.config["ALLOW_PRIVATE_URLS"] = True
    with app.app_context():
        make_brand("north")
    result = runner.invoke(args=["brand", "webhook", "north", "--url", receiver.url])
    assert result.exit_code == 0, result.output
    assert f"Webhook of north: {receiver.url}" in result.output
    secret = result.output.split("Signing secret: ")[1].strip()
    assert secret.startswith("whsec_")
    again = runner.invoke(args=["brand", "webhook", "north"])
    assert secret in again.output
    rotated = runner.invoke(args=["brand", "webhook", "north", "--new-secret"])
    assert secret not in rotated.output and "whsec_" in rotated.output
    bad = runner.invoke(args=["brand", "webhook", "north", "--url", "ftp://x.example/h"])
    assert bad.exit_code != 0 and "not an http(s) URL" in bad.output
    receiver.start()
    with app.app_context():
        brand = session.scalar(select(Brand).where(Brand.slug == "north"))
        make_request(make_link(brand)[0], [make_product(brand).variants[0]])
        send_due()
    log = runner.invoke(args=["brand", "webhook", "north", "--log"])
    assert "request.created" in log.output and "200" in log.output and "[sent]" in log.output
    removed = runner.invoke(args=["brand", "webhook", "north", "--remove"])
    assert "has no webhook" in removed.output


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.10",
        "169.254.169.254",
        "::1",
        "::ffff:10.0.0.1",
        "fd00::1",
    ],
)
def test_hosts_that_resolve_to_a_private_address_are_refused(monkeypatch, address):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    answer = [(family, socket.SOCK_STREAM, 6, "", (address, 443))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *_args, **_kw: answer)
    with pytest.raises(WebhookFailed) as refused:
        allowed_address("hooks.store.example", 443, allow_private=False)
    assert refused.value.permanent
    assert allowed_address("hooks.store.example", 443, allow_private=True) == address


def test_a_public_address_is_used_as_resolved(monkeypatch):
    answer = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *_args, **_kw: answer)
    assert allowed_address("hooks.store.example", 443, allow_private=False) == "93.184.216.34"
