"""``POST /v1/session``: the answer, the refusals, origins and CORS."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.factories import make_brand, make_influencer, make_link

ORIGIN = "https://acme.example"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


def post_session(client, token=None, body=None, origin=ORIGIN, headers=None):
    sent = dict(headers or {})
    if origin is not None:
        sent["Origin"] = origin
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return client.post(
        "/v1/session", json={"brand": "acme"} if body is None else body, headers=sent
    )


def assert_error(response, status, error):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == status
    assert body["error"] == error
    assert isinstance(body["message"], str) and body["message"]
    return body


@pytest.fixture
def acme(app, frozen_clock):
    """Brand acme (two store origins), Ana with two handles, and her link."""
    with app.app_context():
        brand = make_brand(
            "acme",
            name="Acme Outdoor",
            allowed_origins=[ORIGIN, "http://127.0.0.1:5001"],
        )
        ana = make_influencer(
            "ana@example.com",
            name="Ana Lima",
            handles=[
                {"platform": "instagram", "handle": "ana.lima", "followers": 12500},
                {"platform": "tiktok", "handle": "analima", "followers": 1_000_000},
            ],
        )
        link, token = make_link(brand, ana, ttl="30d")
        return SimpleNamespace(token=token, link_id=link.id)


def test_session_answers_influencer_brand_and_expiry(client, acme):
    response = post_session(client, acme.token)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["influencer"] == {
        "name": "Ana Lima",
        "handles": [
            {"platform": "instagram", "handle": "ana.lima", "followers": 12500, "stated_at": None},
            {"platform": "tiktok", "handle": "analima", "followers": 1_000_000, "stated_at": None},
        ],
    }
    assert body["brand"]["slug"] == "acme"
    assert body["brand"]["name"] == "Acme Outdoor"
    assert body["brand"]["currency"] == "USD"
    assert body["brand"]["policy"] == {"expiry_days": 9, "max_items": 3, "max_value_minor": 30000}
    assert body["link_expires_at"] == "2026-03-31T12:00:00+00:00"


def test_session_never_reveals_the_influencer_email(client, acme):
    response = post_session(client, acme.token)
    assert response.status_code == 200
    assert "ana@example.com" not in response.get_data(as_text=True)
    assert "email" not in response.get_json()["influencer"]
    assert "notify_email" not in response.get_json()["brand"]


def test_session_shows_the_brand_policy(app, client):
    with app.app_context():
        brand = make_brand("acme", currency="JPY", expiry_days=14, max_items=5, max_value="8000")
        _, token = make_link(brand)
    body = post_session(client, token).get_json()
    assert body["brand"]["currency"] == "JPY"
    assert body["brand"]["policy"] == {"expiry_days": 14, "max_items": 5, "max_value_minor": 8000}


@pytest.mark.parametrize(
    "origin",
    [ORIGIN, "http://127.0.0.1:5001", "https://ACME.example"],
    ids=["first origin", "second origin with port", "host case differs"],
)
def test_session_accepts_each_allowed_origin(client, acme, origin):
    response = post_session(client, acme.token, origin=origin)
    assert response.status_code == 200, response.get_json()
    assert response.headers["Access-Control-Allow-Origin"] == origin


@pytest.mark.parametrize(
    "origin",
    [
        None,
        "null",
        "",
        "https://evil.example",
        "https://acme.example.evil.com",
        "https://evilacme.example",
        "https://shop.acme.example",
        "http://acme.example",
        "https://acme.example:8443",
        "http://127.0.0.1:5002",
        "http://127.0.0.1",
        "https://acme.example/extra",
    ],
    ids=[
        "missing",
        "null",
        "empty",
        "foreign",
        "suffix attack",
        "prefix attack",
        "subdomain",
        "other scheme",
        "other port",
        "neighbour port",
        "port dropped",
        "with a path",
    ],
)
def test_session_refuses_foreign_origins(client, acme, origin):
    response = post_session(client, acme.token, origin=origin)
    assert_error(response, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_origin_of_another_brand_is_refused(app, client, acme):
    with app.app_context():
        make_brand("globex")
    response = post_session(client, acme.token, origin="https://globex.example")
    assert_error(response, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer ", "Bearer    ", "Basic {token}", "Token {token}", "{token}"],
    ids=["no header", "scheme only", "empty", "blank", "basic", "token scheme", "no scheme"],
)
def test_missing_token_is_401(client, acme, authorization):
    headers = {} if authorization is None else {"Authorization": authorization.format(**vars(acme))}
    response = post_session(client, headers=headers)
    assert_error(response, 401, "missing_token")


def test_bearer_scheme_is_case_insensitive(client, acme):
    response = post_session(client, headers={"Authorization": f"bearer {acme.token}"})
    assert response.status_code == 200


def test_refusals_to_an_allowed_origin_are_readable_by_the_overlay(client, acme):
    response = post_session(client, "not-a-token")
    assert_error(response, 401, "invalid_token")
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_unknown_brand_is_404(client, acme):
    response = post_session(client, acme.token, body={"brand": "no-such-brand"})
    body = assert_error(response, 404, "unknown_brand")
    assert "no-such-brand" in body["message"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"brand": ""},
        {"brand": "Not A Slug"},
        {"brand": 42},
        {"brand": None},
        {"brand": ["acme"]},
    ],
    ids=["missing", "empty", "not a slug", "number", "null", "list"],
)
def test_bad_body_is_422_with_field_errors(client, acme, body):
    response = post_session(client, acme.token, body=body)
    payload = assert_error(response, 422, "validation_failed")
    assert set(payload["errors"]) == {"brand"}
    assert all(isinstance(m, str) and m for m in payload["errors"]["brand"])


def test_body_that_is_not_a_json_object_is_422(client, acme):
    response = post_session(client, acme.token, body=["acme"])
    assert_error(response, 422, "validation_failed")


def test_form_encoded_body_is_422(client, acme):
    response = client.post(
        "/v1/session",
        data={"brand": "acme"},
        headers={"Origin": ORIGIN, "Authorization": f"Bearer {acme.token}"},
    )
    payload = assert_error(response, 422, "validation_failed")
    assert "brand" in payload["errors"]


def test_broken_json_is_400_in_the_error_shape(client, acme):
    response = client.post(
        "/v1/session",
        data='{"brand": "acme"',
        content_type="application/json",
        headers={"Origin": ORIGIN, "Authorization": f"Bearer {acme.token}"},
    )
    assert_error(response, 400, "bad_request")


def test_allowed_origin_gets_cors_without_credentials(client, acme):
    response = post_session(client, acme.token)
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Set-Cookie" not in response.headers
    assert "Origin" in response.headers["Vary"]  # caches must not share it across stores


def test_foreign_origin_gets_no_cors(client, acme):
    response = post_session(client, acme.token, origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("origin", [ORIGIN, "http://127.0.0.1:5001"])
def test_preflight_is_answered_for_the_brand_origins(client, acme, origin):
    response = client.options("/v1/session", headers={"Origin": origin, **PREFLIGHT})
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == origin
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert "POST" in methods
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {"authorization", "content-type"} <= allowed
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "https://acme.example.evil.com", "http://acme.example", "null"],
)
def test_preflight_is_not_answered_for_foreign_origins(client, acme, origin):
    response = client.options("/v1/session", headers={"Origin": origin, **PREFLIGHT})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


def test_preflight_without_any_brand_is_not_answered(client):
    response = client.options("/v1/session", headers={"Origin": ORIGIN, **PREFLIGHT})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_non_api_paths_get_no_cors(client, acme):
    response = client.get("/v1/health", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_get_on_session_is_405(client, acme):
    response = client.get("/v1/session", headers={"Origin": ORIGIN})
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]
