"""Bad input is a 4xx, never a 500: sizes, depth, bounds, NUL bytes, lone surrogates,
ids and cursors out of range, stray arguments; and stored bad text shows safely.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
from tests.review_helpers import csrf_token, login
from widget_server import clock
from widget_server.brands.services import add_brand_user
from widget_server.catalog.models import Variant
from widget_server.db import session
from widget_server.influencers.models import InfluencerLink
from widget_server.product_requests import states
from widget_server.product_requests.models import ProductRequest
from widget_server.validation import BIDI_CONTROLS, display_text, json_depth

ORIGIN = "https://acme.example"
PASSWORD = "correct horse battery"


@pytest.fixture
def acme(app, frozen_clock):
    """Brand acme with a link and a few products."""
    with app.app_context():
        brand = make_brand("acme", max_items=5, max_value="1000.00")
        add_brand_user(brand, "team@acme.example", PASSWORD)
        link, token = make_link(
            brand,
            make_influencer(
                handles=[{"platform": "instagram", "handle": "ana", "followers": 1200}]
            ),
        )
        variants = [make_product(brand).variants[0].id for _ in range(3)]
        return SimpleNamespace(token=token, link_id=link.id, variants=variants)


def _body(acme, **changes):
    body = {
        "brand": "acme",
        "items": [{"variant_id": acme.variants[0], "quantity": 1}],
        "proposal": {
            "content_types": ["reel"],
            "platforms": ["instagram"],
            "publish_on": (clock.now().date() + timedelta(days=10)).isoformat(),
            "message": "Autumn looks.",
            "links": ["https://instagram.com/p/abc"],
        },
        "shipping_address": {
            "name": "Ana Lima",
            "line1": "12 Rua Augusta",
            "line2": "",
            "city": "Lisbon",
            "region": "",
            "postal_code": "1100-053",
            "country": "PT",
            "phone": "",
        },
    }
    body.update(changes)
    return body


def _post_raw(client, acme, raw: str | bytes, path: str = "/v1/requests", **headers):
    return client.post(
        path,
        data=raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {acme.token}", "Origin": ORIGIN, **headers},
    )


def _assert_error(response, status: int, error: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["status"] == status and body["message"]
    if error:
        assert body["error"] == error
    return body


# --- sizes and depth --------------------------------------------------------------


def test_a_large_body_is_413_before_it_is_read(client, acme):
    response = _post_raw(client, acme, b"x" * (2 * 1024 * 1024))
    _assert_error(response, 413, "request_entity_too_large")
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN  # the overlay can read it


def test_a_deeply_nested_body_is_400(client, acme):
    raw = '{"brand": "acme", "items": ' + "[" * 20_000 + "]" * 20_000 + "}"
    _assert_error(_post_raw(client, acme, raw), 400, "bad_request")
    session_raw = '{"brand": ' + "[" * 11 + "]" * 11 + "}"
    _assert_error(_post_raw(client, acme, session_raw, "/v1/session"), 400, "bad_request")


def test_json_depth_skips_strings():
    assert json_depth(b'{"a": [1, {"b": "[[[{{{"}]}') == 3
    assert json_depth(b'"\\"[["') == 0
    assert json_depth(b"[]") == 1


# --- bounds -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["proposal"].update(platforms=["instagram"] * 20_000), "proposal.platforms"),
        (lambda b: b["proposal"].update(content_types=["reel"] * 7), "proposal.content_types"),
        (lambda b: b.update(items=[{"variant_id": 1}] * 101), "items"),
        (lambda b: b.update(items=[{"variant_id": 2**31}]), "items.0.variant_id"),
        (lambda b: b.update(items=[{"variant_id": 10**30}]), "items.0.variant_id"),
        (lambda b: b.update(items=[{"variant_id": 0}]), "items.0.variant_id"),
        (lambda b: b["proposal"].update(message="x" * 2001), "proposal.message"),
        (lambda b: b["proposal"].update(links=["https://a.example/"] * 6), "proposal.links"),
    ],
    ids=[
        "20,000 platforms",
        "7 content types",
        "101 items",
        "variant id past int4",
        "variant id of 31 digits",
        "variant id 0",
        "message of 2,001",
        "6 links",
    ],
)
def test_every_list_and_number_is_bounded(client, acme, change, field):
    body = _body(acme)
    change(body)
    errors = _assert_error(_post_raw(client, acme, json.dumps(body)), 422, "validation_failed")
    assert field in errors["errors"], errors


# --- NUL bytes and lone surrogates in every text field ----------------------------


def _address(key: str):
    return lambda b, v: b["shipping_address"].update({key: v})


TEXT_FIELDS = {
    "brand": lambda b, v: b.update(brand=v),
    "proposal.message": lambda b, v: b["proposal"].update(message=v),
    "proposal.platforms.0": lambda b, v: b["proposal"].update(platforms=[v]),
    "proposal.content_types.0": lambda b, v: b["proposal"].update(content_types=[v]),
    "proposal.links.0": lambda b, v: b["proposal"].update(links=[v]),
    **{
        f"shipping_address.{key}": _address(key)
        for key in ("name", "line1", "line2", "city", "region", "postal_code", "country", "phone")
    },
}
BAD_TEXT = {"NUL": "Rua\u0000Augusta", "lone surrogate": "Rua \ud800 Augusta"}


@pytest.mark.parametrize("bad", BAD_TEXT.values(), ids=BAD_TEXT.keys())
@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_bad_text_in_any_field_is_422_with_its_path(client, acme, field, bad):
    body = _body(acme)
    TEXT_FIELDS[field](body, bad)
    raw = json.dumps(body)  # ensure_ascii: the surrogate travels as \\ud800, as attackers send it
    errors = _assert_error(_post_raw(client, acme, raw), 422, "validation_failed")
    assert field in errors["errors"], errors


@pytest.mark.parametrize("bad", BAD_TEXT.values(), ids=BAD_TEXT.keys())
def test_bad_text_in_the_session_call_is_422(client, acme, bad):
    raw = json.dumps({"brand": bad})
    errors = _assert_error(_post_raw(client, acme, raw, "/v1/session"), 422)
    assert "brand" in errors["errors"]


@pytest.mark.parametrize("path", ["/v1/catalog?brand=acme%00", "/v1/requests/mine?brand=%00"])
def test_nul_in_a_query_string_is_400(client, acme, path):
    response = client.get(path, headers={"Authorization": f"Bearer {acme.token}", "Origin": ORIGIN})
    _assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("key", ["k\u0001ey", "é-key", "x" * 101, "  "])
def test_an_idempotency_key_must_be_visible_ascii(client, acme, key):
    response = _post_raw(client, acme, json.dumps(_body(acme)), **{"Idempotency-Key": key})
    _assert_error(response, 400, "bad_idempotency_key")


# --- review pages ------------------------------------------------------------------


@pytest.fixture
def reviewer(client, acme, app):
    """Signed in as acme's team, with one decided request in the archive."""
    with app.app_context():
        link = session.get(InfluencerLink, acme.link_id)
        decided = make_request(link, [session.get(Variant, acme.variants[2])])
        states.transition(decided.id, states.APPROVED, "team@acme.example")
        session.commit()
    login(client, "team@acme.example", PASSWORD)
    return client


REVIEW_CASES = {
    # ids past what a column holds
    "/review/requests/2147483648": 404,
    "/review/requests/9223372036854775808": 404,
    "/review/requests/99999999999999999999": 404,
    # cursors this server never wrote
    "/review/?after=2026-01-01T00:00:00~5": 400,
    "/review/?after=2026-01-01T00:00:00%2B00:00~99999999999999999999": 400,
    "/review/?after=2026-01-01T00:00:00%2B00:00~2147483648": 400,
    "/review/?after=0001-01-01T00:00:00%2B14:00~5": 400,
    "/review/?after=garbage": 400,
    "/review/archive?after=2026-01-01~%C2%B2": 400,
    # dates a datetime cannot hold (or nobody means)
    "/review/archive?end=9999-12-31": 400,
    "/review/archive?start=0001-01-01": 400,
    "/review/archive?start=yesterday": 400,
    "/review/archive.csv?end=9999-12-31": 400,
    # NUL bytes
    "/review/archive?q=a%00b": 400,
    "/review/archive?status=%00": 400,
    "/review/archive?after=%00": 400,
    "/review/archive.csv?influencer=%00": 400,
    "/review/?after=%00": 400,
    # arguments url_for would take as its own, and other strays
    "/review/archive?_method=POST": 400,
    "/review/archive?_external=1": 400,
    "/review/archive?_scheme=javascript": 400,
    "/review/archive?_anchor=x": 400,
    "/review/archive.csv?_method=POST": 400,
    "/review/?_method=POST": 400,
    "/review/archive?status=bogus": 400,
    "/review/archive?q=" + "x" * 201: 400,
}


@pytest.mark.parametrize(("path", "status"), REVIEW_CASES.items(), ids=list(REVIEW_CASES))
def test_hostile_review_urls_are_4xx(reviewer, path, status):
    response = reviewer.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status == 400:  # a page of the review's own (a URL no route matches is the app's 404)
        assert response.mimetype == "text/html"


def test_the_archive_shows_what_is_wrong_with_its_filters(reviewer):
    response = reviewer.get("/review/archive?end=9999-12-31&q=shirt")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Use a date from 1900-01-01 to 9998-12-31." in page
    assert 'value="shirt"' in page  # the rest of the form is kept


def test_links_carry_only_the_filters(reviewer):
    page = reviewer.get("/review/archive?status=approved&q=").get_data(as_text=True)
    assert 'href="/review/archive.csv?status=approved"' in page


def test_nul_in_a_review_form_is_400(reviewer, app):
    with app.app_context():
        request_id = session.scalar(select(ProductRequest.id))
    token = csrf_token(reviewer, f"/review/requests/{request_id}")
    response = reviewer.post(
        f"/review/requests/{request_id}/email",
        data={"csrf_token": token, "message": "Hello\u0000there"},
    )
    assert response.status_code == 400


# --- stored bad rows, and bidirectional controls -----------------------------------

RLO = "\u202e"


@pytest.fixture
def hostile_rows(app, acme):
    """A request stored before input was checked (a lone surrogate in its address),
    and names, titles, messages and links with bidirectional controls."""
    with app.app_context():
        link = session.get(InfluencerLink, acme.link_id)
        link.influencer.name = f"Ana {RLO}gpj.exe"
        product = session.get(Variant, acme.variants[0]).product
        product.title = f"Shirt {RLO}\u2066evil\u2069"
        session.commit()
        request = make_request(link, [product.variants[0]])
        # Written straight to the row, as the API let through before input was checked.
        request.shipping_address = {
            **request.shipping_address,
            "line1": "12 Rua \ud800 Augusta",
            "city": "Lis\udc00bon",
        }
        request.proposal = {
            **request.proposal,
            "platforms": [f"instagram{RLO}\ud800"],
            "message": f"Look {RLO}here\u202a and \udc00 there",
            "links": [f"https://instagram.com/{RLO}p/abc"],
        }
        session.commit()
        return request.id


def _assert_shown_safely(text: str) -> None:
    assert not BIDI_CONTROLS.search(text)
    assert "\x00" not in text
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def test_stored_bad_text_shows_safely_on_every_page(reviewer, app, hostile_rows):
    detail = reviewer.get(f"/review/requests/{hostile_rows}")
    assert detail.status_code == 200
    html = detail.get_data(as_text=True)
    _assert_shown_safely(html)
    assert "Lis\ufffdbon" in html  # pending: the brand sees city and country only
    assert "Ana \ufffdgpj.exe" in html
    assert "Look \ufffdhere\ufffd and \ufffd there" in html
    assert "https://instagram.com/\ufffdp/abc" in html
    index = reviewer.get("/review/")
    assert index.status_code == 200
    _assert_shown_safely(index.get_data(as_text=True))
    assert "Shirt \ufffd\ufffdevil\ufffd" in index.get_data(as_text=True)


def test_stored_bad_text_exports_safely(reviewer, app, hostile_rows):
    with app.app_context():
        states.transition(hostile_rows, states.APPROVED, "team@acme.example")
        session.commit()
    archive = reviewer.get("/review/archive")
    assert archive.status_code == 200
    _assert_shown_safely(archive.get_data(as_text=True))
    export = reviewer.get("/review/archive.csv")
    assert export.status_code == 200
    text = export.get_data(as_text=True)
    _assert_shown_safely(text)
    rows = list(csv.DictReader(io.StringIO(text)))
    row = next(r for r in rows if r["id"] == str(hostile_rows))
    assert row["influencer"] == "Ana \ufffdgpj.exe"
    assert row["platforms"] == "instagram\ufffd\ufffd"
    assert "Shirt \ufffd\ufffdevil\ufffd" in row["items"]


def test_display_text():
    assert display_text("a\u202ab\u2069c\u0000d\ud800") == "a\ufffdb\ufffdc\ufffdd\ufffd"
    assert display_text("مرحبا Ana") == "مرحبا Ana"  # right-to-left text itself is left alone


def test_the_widget_api_hands_the_browser_no_bidi_controls(client, app, acme, hostile_rows):
    """The overlay and panel render with textContent, which stops markup but not a
    right-to-left override: titles, names and options reach them neutralised."""
    with app.app_context():
        variant = session.get(Variant, acme.variants[0])
        variant.option_values = [f"M{RLO}"]
        states.transition(hostile_rows, states.DENIED, "team@acme.example", f"No {RLO}thanks")
        session.commit()
    headers = {"Authorization": f"Bearer {acme.token}", "Origin": ORIGIN}
    bodies = [
        client.post("/v1/session", json={"brand": "acme"}, headers=headers),
        client.get("/v1/catalog?brand=acme", headers=headers),
        client.get("/v1/requests/mine?brand=acme", headers=headers),
    ]
    for response in bodies:
        assert response.status_code == 200, response.get_data(as_text=True)
        _assert_shown_safely(json.dumps(response.json, ensure_ascii=False))
    catalog, mine = bodies[1].json, bodies[2].json
    assert "Shirt \ufffd\ufffdevil\ufffd" in [p["title"] for p in catalog["products"]]
    assert bodies[0].json["influencer"]["name"] == "Ana \ufffdgpj.exe"
    (denied,) = mine["requests"]
    assert denied["reason"] == "No \ufffdthanks"
    assert denied["items"][0]["product_title"] == "Shirt \ufffd\ufffdevil\ufffd"
