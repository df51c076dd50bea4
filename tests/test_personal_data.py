"""Personal data never leaves the server once given (issue #8, item 4).

A link token sits in the store page's localStorage, so any script of the
store can read it and replay it from anywhere, with whatever ``Origin`` and
``Sec-Fetch-Site`` it likes. So no answer to a token may hold an email or a
street address; the panel ships to a saved address by reference and the
server copies it. The brand sees the whole address only on approved requests.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
from tests.review_helpers import login
from widget_server.brands.services import add_brand_user
from widget_server.db import session
from widget_server.influencers.models import InfluencerLink
from widget_server.notifications.models import OutboxMessage
from widget_server.product_requests import states
from widget_server.product_requests.models import ProductRequest

STORE = "https://northwind.example"
WIDGET = "http://localhost"  # the test client's host: the widget's own origin
REVIEWER = "rita@northwind.example"
PASSWORD = "correct horse battery"
#: Given to Northwind Supply.
LISBON = {
    "name": "Maria Recipient",
    "line1": "12 Rua Augusta",
    "line2": "Third floor left",
    "city": "Lisbon",
    "region": "Estremadura",
    "postal_code": "1100-053",
    "country": "PT",
    "phone": "+351 912 345 678",
}
#: Given to another brand only.
PORTO = {
    "name": "Joana Elsewhere",
    "line1": "7 Rua das Flores",
    "line2": "Shop B",
    "city": "Porto",
    "region": "Norte",
    "postal_code": "4050-262",
    "country": "PT",
    "phone": "+351 220 000 111",
}
#: Forged the ways a script outside a browser would: as the panel, as the store.
FORGED = {
    "as-panel": {"Origin": WIDGET, "Sec-Fetch-Site": "same-origin"},
    "as-panel-get": {"Sec-Fetch-Site": "same-origin"},
    "as-store": {"Origin": STORE, "Sec-Fetch-Site": "same-origin"},
}


def street_of(address: dict[str, str]) -> list[str]:
    """Everything of an address that must not come back: all but city and country."""
    return [address[key] for key in ("name", "line1", "line2", "region", "postal_code", "phone")]


@pytest.fixture
def world(app, frozen_clock):
    """Ana, invited by Northwind Supply and by Elsewhere Co, with an address at each;
    one request at Northwind approved by a reviewer, one she withdrew; Ben at Northwind."""
    with app.app_context():
        brand = make_brand(
            "northwind",
            name="Northwind Supply",
            allowed_origins=[STORE],
            notify_email="requests@northwind.example",
            max_items=5,
            max_value="1000.00",
        )
        add_brand_user(brand, REVIEWER, PASSWORD)
        elsewhere = make_brand("elsewhere", name="Elsewhere Co")
        ana = make_influencer("ana@example.com", name="Ana Lima")
        link, token = make_link(brand, ana)
        other_link, _ = make_link(elsewhere, ana)
        ben_link, ben_token = make_link(brand, make_influencer("ben@example.com", name="Ben"))
        products = [make_product(brand, f"tee-{i}") for i in range(12)]
        elsewhere_product = make_product(elsewhere, "scarf")
        make_request(other_link, [elsewhere_product.variants[0]], shipping_address=PORTO)
        approved = make_request(link, [products[0].variants[0]], shipping_address=LISBON)
        states.transition(approved.id, states.APPROVED, REVIEWER)
        withdrawn = make_request(link, [products[1].variants[0]], shipping_address=LISBON)
        states.transition(withdrawn.id, states.WITHDRAWN, ana.email)
        session.commit()
        return {
            "token": token,
            "link_id": link.id,
            "other_link_id": other_link.id,
            "ben_token": ben_token,
            "ben_link_id": ben_link.id,
            "variants": [p.variants[0].id for p in products],
            "approved": approved.id,
            "withdrawn": withdrawn.id,
            "secrets": [
                *street_of(LISBON),
                *street_of(PORTO),
                ana.email,
                REVIEWER,
                brand.notify_email,
                elsewhere.notify_email,
            ],
        }


def proposal() -> dict[str, Any]:
    return {
        "content_types": ["reel"],
        "platforms": ["instagram"],
        "publish_on": "2026-03-20",
        "message": "Autumn looks.",
    }


def request_json(variant_id: int, shipping_address: dict[str, Any]) -> dict[str, Any]:
    return {
        "brand": "northwind",
        "items": [{"variant_id": variant_id}],
        "proposal": proposal(),
        "shipping_address": shipping_address,
    }


def leaked(response: Any, secrets: list[str]) -> list[str]:
    """The secrets found in a response's body or headers (raw, and JSON decoded)."""
    texts = [response.get_data(as_text=True), str(response.headers)]
    if response.is_json:
        texts.append(json.dumps(response.json, ensure_ascii=False))
    return [secret for secret in secrets if any(secret in text for text in texts)]


# --- The probe: every endpoint a link token reaches, with forged headers ---------------------


def probe_calls(world: dict[str, Any], round_: int) -> list[tuple[str, str, str, Any]]:
    """``(method, documented path, url, json)`` for every call a token can make.

    Each round sends new requests for products of its own, so every create
    answers 201; the second create of a product answers 409.
    """
    variants = world["variants"][2 + 3 * round_ : 5 + 3 * round_]
    typed = dict(LISBON, line1="99 Rua Nova")  # a new address, typed now
    world["secrets"].append(typed["line1"])
    withdraw = "/v1/requests/{request_id}/withdraw"
    messages = "/v1/requests/{request_id}/messages"
    message = {"brand": "northwind", "body": "Is the parcel on its way?"}
    return [
        ("POST", "/v1/session", "/v1/session", {"brand": "northwind"}),
        ("GET", "/v1/catalog", "/v1/catalog?brand=northwind", None),
        ("GET", "/v1/products", "/v1/products?brand=northwind&keys=h:x,s:1", None),
        ("GET", "/v1/requests/mine", "/v1/requests/mine?brand=northwind", None),
        ("GET", "/v1/panel/profile", "/v1/panel/profile?brand=northwind", None),
        ("GET", "/v1/panel/profile", "/v1/panel/profile?brand=elsewhere", None),
        ("POST", "/v1/requests", "/v1/requests", request_json(variants[0], typed)),
        ("POST", "/v1/requests", "/v1/requests", request_json(variants[0], typed)),  # 409
        (
            "POST",
            "/v1/requests",
            "/v1/requests",
            request_json(variants[1], {"use_saved": "this_store"}),
        ),
        (
            "POST",
            "/v1/requests",
            "/v1/requests",
            request_json(variants[2], {"use_saved": "another_store"}),
        ),
        (
            "POST",
            "/v1/requests",
            "/v1/requests",
            request_json(variants[2], dict(LISBON, phone="call me")),  # 422
        ),
        ("POST", withdraw, f"/v1/requests/{world['approved']}/withdraw", {"brand": "northwind"}),
        # The thread: sides and text, never a reviewer's or the influencer's email.
        ("POST", messages, messages.format(request_id=world["approved"]), message),
        ("GET", messages, messages.format(request_id=world["approved"]) + "?brand=northwind", None),
        ("POST", withdraw, f"/v1/requests/{world['withdrawn']}/withdraw", {"brand": "northwind"}),
        (
            "POST",
            "/v1/panel/handles",
            "/v1/panel/handles",
            {"brand": "northwind", "platform": "tiktok", "handle": "ana", "followers": 900},
        ),
        (
            "POST",
            "/v1/requests/{request_id}/content",
            f"/v1/requests/{world['approved']}/content",
            {"brand": "northwind", "urls": ["https://instagram.example/p/1"]},
        ),
        (
            "POST",
            "/v1/requests/{request_id}/rating",
            f"/v1/requests/{world['approved']}/rating",
            {"brand": "northwind", "stars": 5, "comment": "Lovely"},
        ),
        # The store's calls take the brand's API key: a link token gets a 401.
        *(
            (
                "POST",
                f"/v1/requests/{{request_id}}/{step}",
                f"/v1/requests/{world['approved']}/{step}",
                body,
            )
            for step, body in (
                ("order", {"order_number": "1"}),
                ("shipment", {"carrier": "UPS", "tracking_number": "1"}),
                ("delivered", {}),
            )
        ),
    ]


def test_no_endpoint_gives_a_token_holder_an_email_or_a_street(client: FlaskClient, world):
    auth = {"Authorization": f"Bearer {world['token']}"}
    called: set[tuple[str, str]] = set()
    statuses: dict[tuple[str, str], set[int]] = {}
    for round_, (name, forged) in enumerate(FORGED.items()):
        for method, path, url, body in probe_calls(world, round_):
            response = client.open(url, method=method, json=body, headers={**auth, **forged})
            assert not leaked(response, world["secrets"]), (
                f"{method} {url} forged {name} answered {response.status_code} with "
                f"{leaked(response, world['secrets'])}: {response.get_data(as_text=True)[:400]}"
            )
            called.add((method, path))
            statuses.setdefault((method, url if "withdraw" in url else path), set()).add(
                response.status_code
            )
    # The probe reached what it meant to: answers with data, not only refusals.
    assert statuses[("GET", "/v1/panel/profile")] >= {200}
    assert statuses[("POST", "/v1/requests")] >= {201, 409, 422}
    assert statuses[("POST", f"/v1/requests/{world['approved']}/withdraw")] == {409}
    assert statuses[("POST", "/v1/panel/handles")] >= {201}
    assert statuses[("POST", "/v1/requests/{request_id}/content")] == {409}
    assert statuses[("POST", "/v1/requests/{request_id}/rating")] == {409}  # not completed
    assert statuses[("POST", "/v1/requests/{request_id}/shipment")] == {401}
    assert statuses[("GET", "/v1/requests/{request_id}/messages")] >= {200}
    # Every operation of the API document that takes a token is probed.
    document = client.get("/v1/openapi.json").json
    operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete") and path != "/v1/health"
    }
    assert operations == called, f"add to the probe: {operations - called}"


def test_the_profile_offers_addresses_by_city_and_country_only(client, world):
    headers = {"Authorization": f"Bearer {world['token']}", **FORGED["as-panel-get"]}
    profile = client.get("/v1/panel/profile?brand=northwind", headers=headers).json
    assert set(profile) == {"name", "handles", "saved_address", "another_store_address"}
    assert profile["name"] == "Ana Lima"
    assert [h["platform"] for h in profile["handles"]] == ["instagram"]
    assert profile["saved_address"] == {"city": "Lisbon", "country": "PT"}
    # Northwind has an address of its own: Elsewhere's stays Elsewhere's.
    assert profile["another_store_address"] is None


def test_withdrawing_a_decided_request_never_names_who_decided(client, world):
    headers = {"Authorization": f"Bearer {world['token']}", "Origin": STORE}
    approved = client.post(
        f"/v1/requests/{world['approved']}/withdraw", json={"brand": "northwind"}, headers=headers
    )
    assert approved.status_code == 409
    assert approved.json["error"] == "already_approved"
    assert approved.json["message"] == (
        "This request was already approved; it cannot be withdrawn now."
    )
    withdrawn = client.post(
        f"/v1/requests/{world['withdrawn']}/withdraw", json={"brand": "northwind"}, headers=headers
    )
    assert withdrawn.status_code == 409
    assert withdrawn.json["message"] == (
        "This request was already withdrawn; it cannot be withdrawn now."
    )


# --- Shipping to a saved address, by reference ----------------------------------------------


def post_request(client, token, variant_id, shipping_address):
    return client.post(
        "/v1/requests",
        json=request_json(variant_id, shipping_address),
        headers={"Authorization": f"Bearer {token}", "Origin": WIDGET},
    )


def profile_of(client, token):
    headers = {"Authorization": f"Bearer {token}", **FORGED["as-panel-get"]}
    return client.get("/v1/panel/profile?brand=northwind", headers=headers).json


def stored_address(db, request_id):
    with db() as s:
        return s.get(ProductRequest, request_id).shipping_address


def test_use_saved_copies_this_brands_latest_address(client, world, db):
    # Later than Lisbon: Ana's new address at Elsewhere Co, and Ben's at Northwind.
    with db() as s:
        elsewhere_link = s.get(InfluencerLink, world["other_link_id"])
        faro = dict(PORTO, city="Faro", line1="1 Rua do Sol")
        gloves = make_product(elsewhere_link.brand, "gloves").variants[0]
        make_request(elsewhere_link, [gloves], shipping_address=faro)
    bens = dict(LISBON, name="Ben Other", line1="5 Other Street", city="Braga")
    ben = post_request(client, world["ben_token"], world["variants"][5], bens)
    assert ben.status_code == 201, ben.json

    response = post_request(
        client, world["token"], world["variants"][6], {"use_saved": "this_store"}
    )
    assert response.status_code == 201, response.json
    assert stored_address(db, response.json["id"]) == LISBON


def test_another_stores_address_is_offered_and_copied_only_when_chosen(
    client, db, app, frozen_clock
):
    with app.app_context():
        brand = make_brand("northwind", name="Northwind Supply", allowed_origins=[STORE])
        elsewhere = make_brand("elsewhere", name="Elsewhere Co")
        ana = make_influencer("ana@example.com", name="Ana Lima")
        _, token = make_link(brand, ana)
        other_link, _ = make_link(elsewhere, ana)
        make_request(other_link, [make_product(elsewhere).variants[0]], shipping_address=PORTO)
        tee, cap = (make_product(brand).variants[0].id for _ in range(2))

    profile = profile_of(client, token)
    assert profile["saved_address"] is None
    assert profile["another_store_address"] == {"city": "Porto", "country": "PT"}

    # Not at this brand yet: "this_store" has nothing to copy.
    refused = post_request(client, token, tee, {"use_saved": "this_store"})
    assert refused.status_code == 422
    assert refused.json["errors"] == {
        "shipping_address.use_saved": [
            "There is no address you used with Northwind Supply before. Enter the address."
        ]
    }
    chosen = post_request(client, token, tee, {"use_saved": "another_store"})
    assert chosen.status_code == 201, chosen.json
    assert stored_address(db, chosen.json["id"]) == PORTO
    # Now Northwind has it (the influencer gave it): it is this store's address.
    profile = profile_of(client, token)
    assert profile["saved_address"] == {"city": "Porto", "country": "PT"}
    assert profile["another_store_address"] is None
    again = post_request(client, token, cap, {"use_saved": "this_store"})
    assert again.status_code == 201
    assert stored_address(db, again.json["id"]) == PORTO


def test_an_influencer_with_no_address_anywhere_is_offered_none(client, db, app, frozen_clock):
    with app.app_context():
        brand = make_brand("northwind", name="Northwind Supply", allowed_origins=[STORE])
        _, token = make_link(brand, make_influencer())
        tee = make_product(brand).variants[0].id
    assert profile_of(client, token)["another_store_address"] is None
    assert profile_of(client, token)["saved_address"] is None
    refused = post_request(client, token, tee, {"use_saved": "another_store"})
    assert refused.status_code == 422
    assert refused.json["errors"] == {
        "shipping_address.use_saved": [
            "There is no address you used with another store before. Enter the address."
        ]
    }


@pytest.mark.parametrize(
    ("shipping_address", "errors"),
    [
        ({"use_saved": True}, {"shipping_address.use_saved": ["Not a valid string."]}),
        (
            {"use_saved": "last"},
            {"shipping_address.use_saved": ["Use one of: this_store, another_store."]},
        ),
        (
            {"use_saved": "this_store", "line1": "1 Main St"},
            {"shipping_address.line1": ["Unknown field."]},
        ),
        ({"city": "Lisbon"}, None),  # an address, missing its other fields
    ],
)
def test_a_malformed_choice_is_a_422(client, world, shipping_address, errors):
    response = post_request(client, world["token"], world["variants"][7], shipping_address)
    assert response.status_code == 422
    if errors is not None:
        assert response.json["errors"] == errors
    else:
        assert "shipping_address.line1" in response.json["errors"]


# --- What the brand sees ----------------------------------------------------------------------


def test_the_brand_sees_the_street_only_on_approved_requests(client, world, db):
    pending = post_request(
        client, world["token"], world["variants"][8], {"use_saved": "this_store"}
    )
    assert pending.status_code == 201
    login(client, REVIEWER, PASSWORD)
    street = street_of(LISBON)
    shown = {
        "pending": client.get(f"/review/requests/{pending.json['id']}").get_data(as_text=True),
        "withdrawn": client.get(f"/review/requests/{world['withdrawn']}").get_data(as_text=True),
    }
    for status, page in shown.items():
        assert "Lisbon, PT" in page, status
        assert [part for part in street if part in page] == [], status
    assert "The full address appears here once you approve the request." in shown["pending"]
    assert "The full address is shown only on approved requests." in shown["withdrawn"]
    approved = client.get(f"/review/requests/{world['approved']}").get_data(as_text=True)
    for part in street:
        assert part in approved
    index = client.get("/review/").get_data(as_text=True)
    assert [part for part in street if part in index] == []
    exported = client.get("/review/archive.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows and [part for part in street if part in exported] == []


def test_the_new_request_email_has_city_and_country_but_no_street(client, world, db):
    response = post_request(
        client, world["token"], world["variants"][9], {"use_saved": "this_store"}
    )
    assert response.status_code == 201
    with db() as s:
        mail = s.scalar(
            select(OutboxMessage).where(
                OutboxMessage.request_id == response.json["id"],
                OutboxMessage.template == "request_submitted",
            )
        )
        for body in (mail.text_body, mail.html_body):
            assert "Lisbon, PT" in body
            assert [part for part in street_of(LISBON) if part in body] == []
        assert "the full address appears on the review page once you approve" in mail.text_body
