"""The store's inbound API: API-key auth, brand scoping, validation, idempotency, the document."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from tests.factories import make_brand, make_link, make_product, make_request
from widget_server.brands.models import Brand
from widget_server.db import session
from widget_server.notifications.models import OutboxMessage
from widget_server.product_requests import states
from widget_server.product_requests.models import RequestEvent
from widget_server.store_sync.keys import issue_api_key

SHIPMENT = {"carrier": "UPS", "tracking_number": "1Z999", "tracking_url": "https://ups.example/t"}


@pytest.fixture
def store(app):
    """Brand ``north`` with an API key and an approved request; brand ``south`` with its own key."""
    with app.app_context():
        north = make_brand("north")
        link, _ = make_link(north)
        request = make_request(link, [make_product(north).variants[0]])
        states.transition(request.id, states.APPROVED, "team@north.example")
        keys = {"north": issue_api_key(north), "south": issue_api_key(make_brand("south"))}
        session.commit()
        return {"request_id": request.id, **keys}


def post(client, key, request_id, step, body):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post(f"/v1/requests/{request_id}/{step}", json=body, headers=headers)


def timeline(app, request_id):
    with app.app_context():
        return list(
            session.scalars(
                select(RequestEvent.kind)
                .where(RequestEvent.request_id == request_id)
                .order_by(RequestEvent.id)
            )
        )


def test_the_store_reports_order_shipment_and_delivery_each_idempotently(app, client, store):
    rid, key = store["request_id"], store["north"]
    order = {"order_number": "GIFT-1001", "order_url": "https://north.example/admin/orders/1001"}
    first = post(client, key, rid, "order", order)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["order_number"] == "GIFT-1001"
    again = post(client, key, rid, "order", order)
    assert (again.status_code, again.get_json()) == (200, first.get_json())

    shipped = post(client, key, rid, "shipment", SHIPMENT)
    assert shipped.status_code == 200, shipped.get_json()
    body = shipped.get_json()
    assert (body["status"], body["carrier"], body["tracking_number"]) == ("shipped", "UPS", "1Z999")
    assert post(client, key, rid, "shipment", SHIPMENT).get_json() == body

    delivered = post(client, key, rid, "delivered", {})
    assert delivered.status_code == 200
    assert delivered.get_json()["status"] == "delivered"
    assert delivered.get_json()["content_due_at"]
    assert post(client, key, rid, "delivered", {}).get_json() == delivered.get_json()
    # Shipment facts sent again after delivery are still "the same state".
    assert post(client, key, rid, "shipment", SHIPMENT).status_code == 200

    assert timeline(app, rid) == ["submitted", "approved", "order_created", "shipped", "delivered"]
    with app.app_context():
        mails = session.scalars(select(OutboxMessage.template).order_by(OutboxMessage.id)).all()
    assert mails == [
        "request_submitted",
        "request_approved",
        "request_shipped",
        "request_delivered",
    ]


def test_conflicting_calls_are_409_in_the_one_error_shape(app, client, store):
    rid, key = store["request_id"], store["north"]
    assert post(client, key, rid, "delivered", {}).get_json() == {
        "status": 409,
        "error": "wrong_status",
        "message": "This request is approved; it cannot be delivered now.",
    }
    post(client, key, rid, "order", {"order_number": "A-1"})
    other_order = post(client, key, rid, "order", {"order_number": "A-2"})
    assert (other_order.status_code, other_order.get_json()["error"]) == (409, "order_conflict")
    post(client, key, rid, "shipment", SHIPMENT)
    other = post(client, key, rid, "shipment", {**SHIPMENT, "tracking_number": "1Z000"})
    assert other.status_code == 409
    assert other.get_json()["error"] == "shipment_conflict"
    assert "UPS 1Z999" in other.get_json()["message"]
    assert timeline(app, rid) == ["submitted", "approved", "order_created", "shipped"]


def test_a_pending_request_cannot_be_shipped_by_the_store(app, client, store):
    with app.app_context():
        brand = session.scalar(select(Brand).where(Brand.slug == "north"))
        pending = make_request(make_link(brand)[0], [make_product(brand).variants[0]]).id
    answer = post(client, store["north"], pending, "shipment", SHIPMENT)
    assert (answer.status_code, answer.get_json()["error"]) == (409, "wrong_status")
    assert post(client, store["north"], pending, "order", {"order_number": "X"}).status_code == 409


@pytest.mark.parametrize(
    ("key", "status", "error"),
    [
        (None, 401, "missing_api_key"),
        ("not-a-key", 401, "invalid_api_key"),
        ("dots_sk_000000000000_" + "a" * 43, 401, "invalid_api_key"),
        ("south", 404, "not_found"),
    ],
)
def test_only_the_brands_own_key_reaches_its_requests(client, store, key, status, error):
    key = store.get(key, key)
    answer = post(client, key, store["request_id"], "shipment", SHIPMENT)
    assert (answer.status_code, answer.get_json()["error"]) == (status, error)
    if status == 401:
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_tampered_key_with_a_real_prefix_is_refused(client, store):
    key = store["north"]
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    answer = post(client, tampered, store["request_id"], "shipment", SHIPMENT)
    assert (answer.status_code, answer.get_json()["error"]) == (401, "invalid_api_key")


def test_a_new_key_replaces_the_old_and_only_its_hash_is_kept(app, client, store):
    with app.app_context():
        brand = session.scalar(select(Brand).where(Brand.slug == "north"))
        new = issue_api_key(brand)
        session.commit()
        assert brand.api_key_hash == hashlib.sha256(new.encode()).hexdigest()
        assert new not in (brand.api_key_hash, brand.api_key_prefix)
    assert post(client, store["north"], store["request_id"], "delivered", {}).status_code == 401
    assert post(client, new, store["request_id"], "order", {"order_number": "1"}).status_code == 200


@pytest.mark.parametrize(
    ("step", "body", "field"),
    [
        ("shipment", {"carrier": "UPS", "tracking_number": ""}, "tracking_number"),
        ("shipment", {"tracking_number": "1"}, "carrier"),
        ("shipment", {**SHIPMENT, "tracking_url": "javascript:alert(1)"}, "tracking_url"),
        ("shipment", {**SHIPMENT, "tracking_url": "ftp://ups.example/t"}, "tracking_url"),
        ("shipment", {**SHIPMENT, "weight": 3}, "weight"),
        ("order", {"order_number": "x" * 101}, "order_number"),
        ("order", {"order_number": "1", "order_url": "not a url"}, "order_url"),
        ("delivered", {"when": "now"}, "when"),
    ],
)
def test_bad_input_is_422_with_the_field(client, store, step, body, field):
    answer = post(client, store["north"], store["request_id"], step, body)
    assert answer.status_code == 422
    assert field in answer.get_json()["errors"], answer.get_json()


def test_the_cli_prints_a_working_key_once(app, runner, client, store):
    result = runner.invoke(args=["brand", "api-key", "north"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert key.startswith("dots_sk_")
    assert "shown only now" in result.stderr
    assert post(client, key, store["request_id"], "order", {"order_number": "1"}).status_code == 200
    assert "unknown brand" in runner.invoke(args=["brand", "api-key", "nope"]).output


def test_the_document_describes_the_store_calls(client):
    doc = client.get("/v1/openapi.json").get_json()
    assert doc["components"]["securitySchemes"]["storeApiKey"]["scheme"] == "bearer"
    for step in ("order", "shipment", "delivered"):
        operation = doc["paths"][f"/v1/requests/{{request_id}}/{step}"]["post"]
        assert operation["security"] == [{"storeApiKey": []}]
        assert {"200", "401", "404", "409", "422", "429"} <= set(operation["responses"])
    shipment = doc["components"]["schemas"]["ShipmentIn"]
    assert set(shipment["required"]) == {"carrier", "tracking_number"}
