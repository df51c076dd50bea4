"""POST /v1/requests, GET /v1/requests/mine, /v1/catalog and /v1/panel/profile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import empty_tables, make_test_app
from tests.factories import make_brand, make_influencer, make_link, make_product
from widget_server import clock
from widget_server.catalog.models import Product, Variant
from widget_server.product_requests.models import ProductRequest, RequestEvent

PANEL_ORIGIN = "http://localhost"  # the test client's host: the widget's own origin

ADDRESS = {
    "name": "Ana Lima",
    "line1": "12 Rua Augusta",
    "city": "Lisbon",
    "postal_code": "1100-053",
    "country": "pt",
}


@pytest.fixture
def world(app, frozen_clock):
    """A brand with two products and an influencer with a link.

    Built in its own app context, so each API call below runs in a fresh one
    with its own session, as in production.
    """
    with app.app_context():
        return _build_world()


def _build_world():
    brand = make_brand("acme", max_items=3, max_value="150.00")
    influencer = make_influencer(
        handles=[
            {"platform": "instagram", "handle": "ana", "followers": 12000},
            {"platform": "tiktok", "handle": "ana", "followers": 3000},
        ]
    )
    link, token = make_link(brand, influencer)
    shirt = make_product(
        brand, "shirt", prices=(2500, 2500), sizes=("S", "M"), available=(True, False)
    )
    bag = make_product(brand, "bag", prices=(12900,))
    return {
        "brand": brand,
        "token": token,
        "shirt": shirt,
        "bag": bag,
        "origin": brand.allowed_origins[0],
        "foreign_variant": make_product(make_brand("other-co"), "foreign").variants[0].id,
    }


def body(world, items=None, **changes):
    data = {
        "brand": "acme",
        "items": items if items is not None else [{"variant_id": world["shirt"].variants[0].id}],
        "proposal": {
            "content_types": ["reel", "story"],
            "platforms": ["instagram"],
            "publish_on": (clock.now().date() + timedelta(days=14)).isoformat(),
            "message": "I'd love to style this for my autumn series.",
            "links": ["https://instagram.com/p/abc"],
        },
        "shipping_address": dict(ADDRESS),
    }
    data.update(changes)
    return data


def post(client, world, data, origin=None, token=None, headers=None):
    return client.post(
        "/v1/requests",
        json=data,
        headers={
            "Authorization": f"Bearer {token or world['token']}",
            "Origin": origin or PANEL_ORIGIN,
            **(headers or {}),
        },
    )


def test_request_is_stored_with_catalog_prices_and_nine_day_expiry(client, world, db):
    response = post(client, world, body(world))
    assert response.status_code == 201, response.json
    data = response.json
    assert data["status"] == "pending"
    assert data["items"] == [
        {
            "variant_id": world["shirt"].variants[0].id,
            "product_handle": "shirt",
            "product_title": "Shirt",
            "variant_title": "S",
            "option_values": ["S"],
            "image_url": "https://acme.example/images/shirt.svg",
            "quantity": 1,
            "unit_price_minor": 2500,
        }
    ]
    assert data["decided_at"] is None and data["reason"] is None
    assert data["total_minor"] == 2500
    submitted = clock.now()
    assert data["expires_at"] == (submitted + timedelta(days=9)).isoformat()
    with db() as s:
        stored = s.get(ProductRequest, data["id"])
        assert stored.shipping_address["country"] == "PT"
        assert [event.kind for event in stored.events] == ["submitted"]
    assert "shipping_address" not in data and "Lisbon" not in response.get_data(as_text=True)


def test_request_from_the_store_page_is_accepted_too(client, world):
    response = post(client, world, body(world), origin=world["origin"])
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == world["origin"]


def test_a_client_cannot_set_prices_or_titles(client, world):
    data = body(world, items=[{"variant_id": world["shirt"].variants[0].id, "unit_price_minor": 1}])
    response = post(client, world, data)
    assert response.status_code == 422
    assert response.json["errors"] == {"items.0.unit_price_minor": ["Unknown field."]}


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        (lambda w: {"items": [{"variant_id": 999_999}]}, "items.0.variant_id", "not in the brand"),
        (
            lambda w: {"items": [{"variant_id": w["foreign_variant"]}]},
            "items.0.variant_id",
            "not in",
        ),
        (
            lambda w: {"items": [{"variant_id": w["shirt"].variants[1].id}]},
            "items.0.variant_id",
            "sold out",
        ),
        (lambda w: {"items": []}, "items", "at least one"),
        (
            lambda w: {"items": [{"variant_id": w["shirt"].variants[0].id, "quantity": 0}]},
            "items.0.quantity",
            "Must be greater than or equal to 1 and less than or equal to 10.",
        ),
        (
            lambda w: {"items": [{"variant_id": w["shirt"].variants[0].id, "quantity": 11}]},
            "items.0.quantity",
            "Must be greater than or equal to 1 and less than or equal to 10.",
        ),
        (
            lambda w: {"items": [{"variant_id": w["shirt"].variants[0].id, "quantity": 4}]},
            "items",
            "at most 3 items",
        ),
        (
            lambda w: {
                "items": [
                    {"variant_id": w["bag"].variants[0].id},
                    {"variant_id": w["shirt"].variants[0].id},
                ]
            },
            "items",
            "over Acme's limit of 150.00 USD",
        ),
        (
            lambda w: {"items": [{"variant_id": w["shirt"].variants[0].id}] * 2},
            "items.1.variant_id",
            "already in this request",
        ),
    ],
)
def test_item_errors_answer_422_with_the_field(client, world, change, field, fragment):
    response = post(client, world, body(world, **change(world)))
    assert response.status_code == 422, response.json
    assert response.json["error"] == "validation_failed"
    assert field in response.json["errors"]
    assert fragment in " ".join(response.json["errors"][field])


@pytest.mark.parametrize(
    ("proposal_change", "field"),
    [
        ({"links": ["javascript:alert(1)"]}, "proposal.links.0"),
        ({"links": ["https://a.example/x"] * 6}, "proposal.links"),
        ({"message": "x" * 2001}, "proposal.message"),
        ({"message": "   "}, "proposal.message"),
        ({"content_types": ["billboard"]}, "proposal.content_types.0"),
        ({"content_types": []}, "proposal.content_types"),
        ({"platforms": ["youtube"]}, "proposal.platforms.0"),
        ({"publish_on": "2020-01-01"}, "proposal.publish_on"),
        ({"publish_on": "next week"}, "proposal.publish_on"),
    ],
)
def test_proposal_errors_answer_422_with_the_field(client, world, proposal_change, field):
    data = body(world)
    data["proposal"].update(proposal_change)
    response = post(client, world, data)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json


@pytest.mark.parametrize("missing", ["name", "line1", "city", "postal_code", "country"])
def test_missing_address_fields_are_named(client, world, missing):
    data = body(world)
    del data["shipping_address"][missing]
    response = post(client, world, data)
    assert response.status_code == 422
    assert response.json["errors"] == {
        f"shipping_address.{missing}": ["Missing data for required field."]
    }


def test_one_pending_request_per_product(client, world, db):
    assert post(client, world, body(world)).status_code == 201
    again = post(client, world, body(world))
    assert again.status_code == 409
    assert again.json["error"] == "already_requested"
    assert "items.0.variant_id" in again.json["errors"]
    # Once the first one expires (day 9), the product can be requested again.
    with clock.frozen_at(clock.now() + timedelta(days=9)):
        data = body(world)
        assert post(client, world, data).status_code == 201
    with db() as s:
        statuses = s.scalars(select(ProductRequest.status).order_by(ProductRequest.id)).all()
    assert statuses == ["expired", "pending"]


def test_idempotency_key_returns_the_first_result(client, world, db):
    headers = {"Idempotency-Key": "retry-1"}
    first = post(client, world, body(world), headers=headers)
    second = post(client, world, body(world), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    with db() as s:
        assert s.scalar(select(func.count(ProductRequest.id))) == 1
    reused = post(
        client,
        world,
        body(world, items=[{"variant_id": world["bag"].variants[0].id}]),
        headers=headers,
    )
    assert reused.status_code == 422
    assert reused.json["error"] == "idempotency_key_reused"


@pytest.mark.parametrize("key", ["", "   ", "k" * 101], ids=["empty", "blank", "101-chars"])
def test_a_malformed_idempotency_key_is_a_400_and_stores_nothing(client, world, db, key):
    response = post(client, world, body(world), headers={"Idempotency-Key": key})
    assert response.status_code == 400
    assert response.json == {
        "status": 400,
        "error": "bad_idempotency_key",
        "message": "Idempotency-Key must be 1-100 visible ASCII characters, like a UUID.",
    }
    with db() as s:
        assert s.scalar(select(func.count(ProductRequest.id))) == 0
    # The longest allowed key is taken.
    assert (
        post(client, world, body(world), headers={"Idempotency-Key": "k" * 100}).status_code == 201
    )


@pytest.mark.parametrize(
    ("origin", "token", "status", "error"),
    [
        ("https://evil.example", None, 403, "origin_not_allowed"),
        (None, "not-a-token", 401, "invalid_token"),
    ],
)
def test_requests_need_an_allowed_origin_and_a_good_token(
    client, world, db, origin, token, status, error
):
    response = post(client, world, body(world), origin=origin, token=token)
    assert response.status_code == status
    assert response.json["error"] == error
    with db() as s:
        assert s.scalar(select(func.count(ProductRequest.id))) == 0


def test_mine_lists_this_influencers_requests_without_address(client, world, db):
    post(client, world, body(world))
    with db() as s:
        _, other_token = make_link(s.merge(world["brand"]), make_influencer())
    post(
        client,
        world,
        body(world, items=[{"variant_id": world["bag"].variants[0].id}]),
        token=other_token,
    )
    response = client.get(
        "/v1/requests/mine?brand=acme",
        headers={"Authorization": f"Bearer {world['token']}", "Origin": world["origin"]},
    )
    assert response.status_code == 200
    assert [r["items"][0]["product_handle"] for r in response.json["requests"]] == ["shirt"]
    assert "Lisbon" not in response.get_data(as_text=True)
    with clock.frozen_at(clock.now() + timedelta(days=9, seconds=1)):
        later = client.get(
            "/v1/requests/mine?brand=acme",
            headers={"Authorization": f"Bearer {world['token']}", "Origin": world["origin"]},
        )
    assert later.json["requests"][0]["status"] == "expired"  # never a stale "pending"


def test_profile_is_for_the_panel_only(client, world):
    post(client, world, body(world))
    auth = {"Authorization": f"Bearer {world['token']}"}
    from_store = client.get(
        "/v1/panel/profile?brand=acme", headers={**auth, "Origin": world["origin"]}
    )
    assert from_store.status_code == 403
    assert "Access-Control-Allow-Origin" not in from_store.headers
    from_panel = client.get(
        "/v1/panel/profile?brand=acme", headers={**auth, "Sec-Fetch-Site": "same-origin"}
    )
    assert from_panel.status_code == 200
    # No email, no street: a summary of the address last used at this brand.
    assert set(from_panel.json) == {"name", "handles", "saved_address", "another_store_address"}
    assert from_panel.json["saved_address"] == {"city": "Lisbon", "country": "PT"}
    assert from_panel.json["another_store_address"] is None
    assert {h["platform"] for h in from_panel.json["handles"]} == {"instagram", "tiktok"}


def test_catalog_lists_active_products_and_variants(client, world, db):
    with db() as s:
        s.get(Product, world["bag"].id).active = False
        s.get(Variant, world["shirt"].variants[1].id).active = False
        s.commit()
    response = client.get(
        "/v1/catalog?brand=acme",
        headers={"Authorization": f"Bearer {world['token']}", "Origin": world["origin"]},
    )
    assert response.status_code == 200
    products = response.json["products"]
    assert [p["handle"] for p in products] == ["shirt"]
    assert [v["title"] for v in products[0]["variants"]] == ["S"]
    assert response.json["currency"] == "USD"
    assert (
        client.get("/v1/catalog?brand=acme", headers={"Origin": world["origin"]}).status_code == 401
    )


def test_submissions_are_rate_limited_per_token(client, world, db):
    statuses = [post(client, world, body(world)).status_code for _ in range(11)]
    assert statuses[0] == 201
    assert statuses[-1] == 429
    limited = post(client, world, body(world))
    assert limited.json["error"] == "too_many_requests"
    assert "Retry-After" in limited.headers
    with db() as s:
        assert s.scalar(select(func.count(RequestEvent.id))) == 1


@pytest.mark.redis
def test_rate_limits_in_redis_hold_across_instances(
    database_url, tmp_path, frozen_clock, redis_url
):
    """Two app instances on one Redis share the counters (as several servers would)."""
    import redis

    first = make_test_app(database_url, tmp_path / "a", RATELIMIT_STORAGE_URI=redis_url)
    try:
        world = {}
        with first.app_context():
            world.update(_build_world())
        codes = [post(first.test_client(), world, body(world)).status_code for _ in range(10)]
        assert codes[0] == 201 and set(codes[1:]) == {409}
        assert redis.Redis.from_url(redis_url).keys("*/dots/*"), "no counters in Redis"
        second = make_test_app(database_url, tmp_path / "b", RATELIMIT_STORAGE_URI=redis_url)
        assert post(second.test_client(), world, body(world)).status_code == 429
    finally:
        empty_tables(first)
