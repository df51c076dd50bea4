"""The store's end of Dots: signed webhooks in, gift orders, and shipments reported back.

``POST /webhooks/dots`` takes Dots' lifecycle events. It checks the
``Dots-Signature`` (HMAC-SHA256 of ``"<t>.<body>"`` with the webhook secret),
refuses a timestamp more than 5 minutes away and a ``Dots-Delivery`` id it has
seen (a replayed call), and handles each event id once (a retry after a lost
answer is acknowledged, not redone). On ``request.approved`` it creates a $0
gift order (100% discount, tagged ``gift``) in its own SQLite file and
reports the order number back through Dots' store API; when that call fails
it answers 502, so Dots retries and the order (kept by request id) is
reported again. ``/admin/gifts`` lists the orders, with Ship and Delivered
buttons that call the API the way a real store's fulfilment would.

Settings: ``DEMO_STORE_DOTS_API_URL`` (default: the widget URL),
``DEMO_STORE_API_KEY`` and ``DEMO_STORE_WEBHOOK_SECRET`` (from
``widget-server brand api-key`` and ``brand webhook``), ``DEMO_STORE_DB``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import time
import urllib.error
import urllib.request
from contextlib import closing
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for

bp = Blueprint("gifts", __name__)

#: How far a signature's timestamp may be from now, either way.
TOLERANCE = 300

SCHEMA = """
CREATE TABLE IF NOT EXISTS delivery (id TEXT PRIMARY KEY, received_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS event (id TEXT PRIMARY KEY, type TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS gift_order (
    number TEXT PRIMARY KEY,
    request_id INTEGER NOT NULL UNIQUE,
    influencer TEXT NOT NULL,
    items TEXT NOT NULL,
    address TEXT NOT NULL,
    subtotal_minor INTEGER NOT NULL,
    discount_minor INTEGER NOT NULL,
    total_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    tags TEXT NOT NULL,
    status TEXT NOT NULL,
    reported INTEGER NOT NULL DEFAULT 0,
    carrier TEXT,
    tracking_number TEXT
);
"""


def connect() -> sqlite3.Connection:
    """The store's own database (created on first use; default: in the instance folder)."""
    path = current_app.config["DEMO_STORE_DB"]
    if not path:
        os.makedirs(current_app.instance_path, exist_ok=True)
        path = os.path.join(current_app.instance_path, "demo_store.sqlite3")
    db = sqlite3.connect(path, timeout=10)
    db.row_factory = sqlite3.Row
    db.executescript(SCHEMA)
    return db


class Refused(Exception):
    """A webhook call to refuse: ``status`` and a reason for the log."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def verify(secret: str, header: str, body: bytes, now: float) -> None:
    """Raise Refused unless ``header`` signs ``body`` with ``secret`` within the tolerance."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        raise Refused(400, "malformed signature header") from None
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    if not hmac.compare_digest(given, expected.hexdigest()):
        raise Refused(401, "bad signature")
    if abs(now - timestamp) > TOLERANCE:
        raise Refused(401, "stale timestamp")


def _remember_delivery(db: sqlite3.Connection, delivery_id: str, now: float) -> None:
    if not delivery_id:
        raise Refused(400, "no delivery id")
    try:
        db.execute("INSERT INTO delivery (id, received_at) VALUES (?, ?)", (delivery_id, now))
    except sqlite3.IntegrityError:
        raise Refused(409, "replayed delivery") from None
    # Past the tolerance a replay fails on its timestamp anyway.
    db.execute("DELETE FROM delivery WHERE received_at < ?", (now - 2 * TOLERANCE,))


def call_dots(path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST to Dots' store API with the brand's key; the JSON answer (HTTPError on 4xx/5xx)."""
    url = current_app.config["DEMO_STORE_DOTS_API_URL"].rstrip("/") + path
    call = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {current_app.config['DEMO_STORE_API_KEY']}",
        },
    )
    with urllib.request.urlopen(call, timeout=10) as answer:  # noqa: S310 (our own setting)
        return json.loads(answer.read())


def _gift_order(db: sqlite3.Connection, data: dict[str, Any]) -> sqlite3.Row:
    """The gift order of this request, created once: everything at a 100% discount."""
    found = db.execute("SELECT * FROM gift_order WHERE request_id = ?", (data["id"],)).fetchone()
    if found is not None:
        return found
    subtotal = sum(item["unit_price_minor"] * item["quantity"] for item in data["items"])
    number = f"GIFT-{1000 + data['id']}"
    db.execute(
        "INSERT INTO gift_order (number, request_id, influencer, items, address, subtotal_minor,"
        " discount_minor, total_minor, currency, tags, status) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            number,
            data["id"],
            data["influencer"]["name"],
            json.dumps(data["items"]),
            json.dumps(data["shipping_address"]),
            subtotal,
            subtotal,
            0,
            data["currency"],
            "gift,dots",
            "awaiting shipment",
        ),
    )
    return db.execute("SELECT * FROM gift_order WHERE number = ?", (number,)).fetchone()


def _report_order(db: sqlite3.Connection, order: sqlite3.Row) -> None:
    if order["reported"]:
        return
    admin = request.host_url.rstrip("/") + url_for("gifts.admin") + f"#{order['number']}"
    call_dots(
        f"/v1/requests/{order['request_id']}/order",
        {"order_number": order["number"], "order_url": admin},
    )
    db.execute("UPDATE gift_order SET reported = 1 WHERE number = ?", (order["number"],))


STATUS_OF_EVENT = {
    "request.shipped": "shipped",
    "request.delivered": "delivered",
    "request.cancelled": "cancelled",
    "request.completed": "completed",
}


@bp.post("/webhooks/dots")
def webhook() -> tuple[dict[str, Any], int]:
    """Take one signed event from Dots."""
    body = request.get_data()
    now = time.time()
    try:
        verify(
            current_app.config["DEMO_STORE_WEBHOOK_SECRET"],
            request.headers.get("Dots-Signature", ""),
            body,
            now,
        )
        event = json.loads(body)
        with closing(connect()) as db, db:
            _remember_delivery(db, request.headers.get("Dots-Delivery", ""), now)
            known = db.execute("SELECT 1 FROM event WHERE id = ?", (event["id"],)).fetchone()
            if known is None:
                data = event["data"]["request"]
                if event["type"] == "request.approved":
                    order = _gift_order(db, data)
                    try:
                        _report_order(db, order)
                    except (OSError, urllib.error.URLError) as exc:
                        # The order is kept; the retry reports it. Remember the
                        # delivery, not the event (commit), then ask for a retry.
                        db.commit()
                        current_app.logger.warning("reporting order failed: %s", exc)
                        return {"error": "could not report the order to Dots"}, 502
                elif event["type"] in STATUS_OF_EVENT:
                    db.execute(
                        "UPDATE gift_order SET status = ? WHERE request_id = ?",
                        (STATUS_OF_EVENT[event["type"]], data["id"]),
                    )
                db.execute(
                    "INSERT INTO event (id, type) VALUES (?, ?)", (event["id"], event["type"])
                )
    except Refused as refused:
        current_app.logger.warning("webhook refused: %s", refused)
        return {"error": str(refused)}, refused.status
    return {"ok": True, "duplicate": known is not None}, 200


def orders() -> list[dict[str, Any]]:
    """Every gift order, newest first, for the admin page."""
    with closing(connect()) as db:
        rows = db.execute("SELECT * FROM gift_order ORDER BY request_id DESC").fetchall()
    return [
        {**dict(row), "items": json.loads(row["items"]), "address": json.loads(row["address"])}
        for row in rows
    ]


@bp.get("/admin/gifts")
def admin() -> str:
    """The gift orders, with Ship and Delivered (what the store's fulfilment would do)."""
    return render_template("gifts.html", orders=orders(), message=request.args.get("message"))


def _fulfil(number: str, step: str, body: dict[str, Any], status: str) -> Any:
    with closing(connect()) as db, db:
        order = db.execute("SELECT * FROM gift_order WHERE number = ?", (number,)).fetchone()
        if order is None:
            return redirect(url_for("gifts.admin", message=f"No order {number}."))
        try:
            answer = call_dots(f"/v1/requests/{order['request_id']}/{step}", body)
        except urllib.error.HTTPError as exc:
            reason = json.loads(exc.read() or b"{}").get("message", str(exc))
            return redirect(url_for("gifts.admin", message=f"Dots refused: {reason}"))
        except (OSError, urllib.error.URLError) as exc:
            return redirect(url_for("gifts.admin", message=f"Dots did not answer: {exc}"))
        db.execute(
            "UPDATE gift_order SET status = ?, carrier = coalesce(?, carrier),"
            " tracking_number = coalesce(?, tracking_number) WHERE number = ?",
            (status, body.get("carrier"), body.get("tracking_number"), number),
        )
    return redirect(url_for("gifts.admin", message=f"{number}: {answer['status']} in Dots."))


@bp.post("/admin/gifts/<number>/ship")
def ship(number: str) -> Any:
    """Send the shipment to Dots (which emails the influencer the tracking)."""
    carrier = request.form.get("carrier", "").strip()
    tracking = request.form.get("tracking_number", "").strip()
    tracking_url = request.form.get("tracking_url", "").strip() or None
    body = {"carrier": carrier, "tracking_number": tracking, "tracking_url": tracking_url}
    return _fulfil(number, "shipment", body, "shipped")


@bp.post("/admin/gifts/<number>/delivered")
def delivered(number: str) -> Any:
    """Tell Dots the parcel arrived (the influencer's content due date starts)."""
    return _fulfil(number, "delivered", {}, "delivered")
