"""JSON answers are compressed as the client accepts; pages and small answers are not."""

from __future__ import annotations

import gzip
import json

import brotli
import pytest

from tests.factories import make_brand, make_influencer, make_link, make_product
from widget_server.db import session

ORIGIN = "https://acme.example"


@pytest.fixture
def token(app):
    """acme with 60 products (a session answer of several KB) and a link."""
    with app.app_context():
        acme = make_brand("acme", allowed_origins=[ORIGIN])
        for n in range(60):
            make_product(acme, f"product-{n}")
        session.commit()
        _, token = make_link(acme, make_influencer("ana@example.com"))
        return token


def ask(client, token, encoding, keys):
    return client.post(
        "/v1/session",
        json={"brand": "acme", "keys": keys},
        headers={"Authorization": f"Bearer {token}", "Origin": ORIGIN, "Accept-Encoding": encoding},
    )


ALL_KEYS = [f"h:product-{n}" for n in range(60)]


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [("gzip, deflate, br", "br", brotli.decompress), ("gzip", "gzip", gzip.decompress)],
)
def test_a_session_answer_is_compressed(client, token, accept, encoding, decode):
    plain = ask(client, token, "identity", ALL_KEYS)
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert len(plain.data) > 5_000

    packed = ask(client, token, accept, ALL_KEYS)
    assert packed.status_code == 200
    assert packed.headers["Content-Encoding"] == encoding
    assert "accept-encoding" in packed.headers["Vary"].lower()
    assert json.loads(decode(packed.data)) == plain.get_json()
    assert len(packed.data) < len(plain.data) / 4


def test_small_answers_and_pages_stay_as_they_are(client, token):
    small = ask(client, token, "br", ["h:product-1"])
    assert small.status_code == 200
    assert len(small.data) < 1024
    assert "Content-Encoding" not in small.headers
    # HTML pages carry CSRF tokens beside what a visitor typed: never compressed (BREACH).
    page = client.get("/review/login", headers={"Accept-Encoding": "br, gzip"})
    assert page.status_code == 200
    assert "Content-Encoding" not in page.headers
