"""Signed link tokens: tampering, expiry, revocation, other brands, reset databases.

Every case goes through ``POST /v1/session`` from the brand's own store origin,
so what is checked is the status and reason the overlay would see.
"""

from __future__ import annotations

import base64
import json
import string
from datetime import timedelta
from types import SimpleNamespace

import pytest
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode

from tests.conftest import make_test_app
from tests.factories import make_brand, make_influencer, make_link
from widget_server import clock
from widget_server.db import engine, session
from widget_server.influencers.models import InfluencerLink
from widget_server.influencers.services import issue_link, revoke_link
from widget_server.influencers.tokens import LINK_SALT, sign_link

ORIGIN = "https://acme.example"
SECRET = "test-secret-key"  # what conftest.make_test_app configures


def post_session(client, token, brand="acme", origin=ORIGIN):
    headers = {"Origin": origin}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post("/v1/session", json={"brand": brand}, headers=headers)


def assert_refused(response, status, error):
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["status"] == status
    assert body["error"] == error
    assert body["message"]


@pytest.fixture
def acme(app):
    """Brand ``acme`` with one active link (valid 30 days from now)."""
    with app.app_context():
        brand = make_brand("acme")
        link, token = make_link(brand, ttl="30d")
        return SimpleNamespace(brand_id=brand.id, link_id=link.id, nonce=link.nonce, token=token)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _payload(link_id, nonce) -> str:
    return _b64(json.dumps([link_id, nonce], separators=(",", ":")).encode())


def _flip(text: str, index: int) -> str:
    """Change one base64url character (never the last one of a signature, whose
    low bits are padding: changing them can decode to the very same bytes)."""
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


def _split(token):
    payload, _, signature = token.rpartition(".")
    return payload, signature


TAMPERED = {
    "payload names the next link id": lambda t, i, n: f"{_payload(i + 1, n)}.{_split(t)[1]}",
    "payload has another nonce": lambda t, i, n: f"{_payload(i, 'x' * len(n))}.{_split(t)[1]}",
    "payload first character": lambda t, i, n: _flip(t, 0),
    "payload middle character": lambda t, i, n: _flip(t, len(_split(t)[0]) // 2),
    "signature first character": lambda t, i, n: _flip(t, len(_split(t)[0]) + 1),
    "signature middle character": lambda t, i, n: _flip(t, len(_split(t)[0]) + 10),
    "signature removed": lambda t, i, n: _split(t)[0] + ".",
    "signature and separator removed": lambda t, i, n: _split(t)[0],
    "payload removed": lambda t, i, n: "." + _split(t)[1],
    "separator replaced": lambda t, i, n: t.replace(".", "_"),
    "separator doubled": lambda t, i, n: t.replace(".", ".."),
    "last character cut": lambda t, i, n: t[:-1],
    "cut in half": lambda t, i, n: t[: len(t) // 2],
    "character appended": lambda t, i, n: t + "A",
    "signed with another secret": lambda t, i, n: URLSafeSerializer(
        "another-secret", salt=LINK_SALT
    ).dumps([i, n]),
    "right secret, another salt": lambda t, i, n: URLSafeSerializer(
        SECRET, salt="dots.password-reset.v1"
    ).dumps([i, n]),
    "right secret, no salt": lambda t, i, n: URLSafeSerializer(SECRET).dumps([i, n]),
    "right secret and salt, timed format": lambda t, i, n: URLSafeTimedSerializer(
        SECRET, salt=LINK_SALT
    ).dumps([i, n]),
    "right secret and salt, payload not base64": lambda t, i, n: (
        URLSafeSerializer(SECRET, salt=LINK_SALT).make_signer().sign(b"!!not-base64!!").decode()
    ),
    "garbage": lambda t, i, n: "garbage",
    "garbage with a dot": lambda t, i, n: "abc.def",
    "only dots": lambda t, i, n: "...",
    "two tokens glued": lambda t, i, n: t + t,
}


@pytest.mark.parametrize("tamper", TAMPERED.values(), ids=TAMPERED.keys())
def test_tampered_token_is_invalid(client, acme, tamper):
    token = tamper(acme.token, acme.link_id, acme.nonce)
    assert token != acme.token
    assert_refused(post_session(client, token), 401, "invalid_token")


def test_untampered_token_is_accepted(client, acme):
    # The control for the cases above: the same request with the real token works.
    response = post_session(client, acme.token)
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    "payload",
    [
        {"id": 1},
        "1",
        1,
        None,
        [],
        ["not-a-number", "nonce"],
        [None, "nonce"],
        [[1], "nonce"],
    ],
    ids=repr,
)
def test_well_signed_token_with_a_malformed_payload_is_invalid(app, client, acme, payload):
    token = URLSafeSerializer(SECRET, salt=LINK_SALT).dumps(payload)
    assert_refused(post_session(client, token), 401, "invalid_token")


def test_well_signed_token_with_only_a_link_id_is_invalid(client, acme):
    token = URLSafeSerializer(SECRET, salt=LINK_SALT).dumps([acme.link_id])
    assert_refused(post_session(client, token), 401, "invalid_token")


def test_token_from_a_reset_database_is_invalid(app, client, acme):
    """The link id exists again, but the row is a new link with another nonce."""
    with app.app_context():
        old_token = URLSafeSerializer(SECRET, salt=LINK_SALT).dumps([acme.link_id, "old-nonce"])
        assert session.get(InfluencerLink, acme.link_id).nonce != "old-nonce"
    assert_refused(post_session(client, old_token), 401, "invalid_token")
    assert post_session(client, acme.token).status_code == 200


def test_token_of_a_link_that_no_longer_exists_is_invalid(app, client, acme):
    with app.app_context():
        token = URLSafeSerializer(SECRET, salt=LINK_SALT).dumps([acme.link_id + 1000, acme.nonce])
    assert_refused(post_session(client, token), 401, "invalid_token")


def test_each_link_gets_its_own_nonce_and_token(app):
    with app.app_context():
        brand = make_brand("acme")
        influencer = make_influencer()
        links = [make_link(brand, influencer) for _ in range(3)]
        assert len({link.nonce for link, _ in links}) == 3
        assert len({token for _, token in links}) == 3
        assert all(sign_link(link) == token for link, token in links)


@pytest.mark.parametrize(
    "offset, error",
    [
        (-timedelta(days=29), None),
        (-timedelta(seconds=1), None),
        (timedelta(0), "link_expired"),
        (timedelta(seconds=1), "link_expired"),
        (timedelta(days=400), "link_expired"),
    ],
    ids=["a day after issue", "1s before expiry", "at expiry", "1s after", "a year after"],
)
def test_expiry_follows_the_clock(app, client, frozen_clock, offset, error):
    with app.app_context():
        link, token = make_link(make_brand("acme"), ttl="30d")
        assert link.expires_at == frozen_clock + timedelta(days=30)
    with clock.frozen_at(frozen_clock + timedelta(days=30) + offset):
        response = post_session(client, token)
    if error is None:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["link_expires_at"] == "2026-03-31T12:00:00+00:00"
    else:
        assert_refused(response, 401, error)


@pytest.mark.parametrize(
    "ttl, lifetime",
    [("90s", timedelta(seconds=90)), ("12h", timedelta(hours=12)), ("2w", timedelta(weeks=2))],
)
def test_short_and_long_ttls_expire_exactly(app, client, frozen_clock, ttl, lifetime):
    with app.app_context():
        _, token = make_link(make_brand("acme"), ttl=ttl)
    with clock.frozen_at(frozen_clock + lifetime - timedelta(seconds=1)):
        assert post_session(client, token).status_code == 200
    with clock.frozen_at(frozen_clock + lifetime):
        assert_refused(post_session(client, token), 401, "link_expired")


def test_revoking_one_link_leaves_the_others_working(app, client, frozen_clock):
    with app.app_context():
        brand = make_brand("acme")
        influencer = make_influencer()
        first, first_token = make_link(brand, influencer)
        _, second_token = make_link(brand, influencer)
        revoke_link(session.get(InfluencerLink, first.id))
        session.commit()
    assert_refused(post_session(client, first_token), 401, "link_revoked")
    second = post_session(client, second_token)
    assert second.status_code == 200
    assert second.get_json()["influencer"]["name"] == influencer.name


def test_revocation_is_immediate_and_keeps_the_first_time(app, client, frozen_clock):
    with app.app_context():
        link, token = make_link(make_brand("acme"))
    assert post_session(client, token).status_code == 200
    with app.app_context():
        revoke_link(session.get(InfluencerLink, link.id))
        session.commit()
    with clock.frozen_at(frozen_clock + timedelta(hours=1)), app.app_context():
        row = session.get(InfluencerLink, link.id)
        revoke_link(row)
        session.commit()
        assert row.revoked_at == frozen_clock
        assert row.status == "revoked"
    assert_refused(post_session(client, token), 401, "link_revoked")


def test_revoked_reason_wins_over_expired(app, client, frozen_clock):
    with app.app_context():
        link, token = make_link(make_brand("acme"), ttl="1h")
        revoke_link(session.get(InfluencerLink, link.id))
        session.commit()
    with clock.frozen_at(frozen_clock + timedelta(days=2)):
        assert_refused(post_session(client, token), 401, "link_revoked")


def test_link_of_another_brand_is_refused(app, client):
    with app.app_context():
        make_brand("acme")
        other = make_brand("globex")
        _, token = make_link(other)
    assert_refused(post_session(client, token, brand="acme"), 403, "wrong_brand")
    # The same token works for its own brand, from that brand's store.
    own = post_session(client, token, brand="globex", origin="https://globex.example")
    assert own.status_code == 200
    assert own.get_json()["brand"]["slug"] == "globex"


def test_same_influencer_linked_to_two_brands_gets_two_separate_links(app, client):
    with app.app_context():
        acme, globex = make_brand("acme"), make_brand("globex")
        influencer = make_influencer()
        acme_link, acme_token = make_link(acme, influencer)
        _, globex_token = make_link(globex, influencer)
        revoke_link(session.get(InfluencerLink, acme_link.id))
        session.commit()
    assert_refused(post_session(client, acme_token), 401, "link_revoked")
    ok = post_session(client, globex_token, brand="globex", origin="https://globex.example")
    assert ok.status_code == 200


def test_tokens_survive_a_secret_rotation(app, client, acme, database_url, tmp_path):
    rotated = make_test_app(
        database_url,
        tmp_path / "rotated",
        SECRET_KEY="the-new-secret",
        SECRET_KEY_FALLBACKS=[SECRET],
    )
    try:
        rotated_client = rotated.test_client()
        assert post_session(rotated_client, acme.token).status_code == 200
        with rotated.app_context():
            new_token = sign_link(session.get(InfluencerLink, acme.link_id))
        assert new_token != acme.token
        assert post_session(rotated_client, new_token).status_code == 200
        # The old key alone does not accept what the new key signed.
        assert_refused(post_session(client, new_token), 401, "invalid_token")
    finally:
        with rotated.app_context():
            engine().dispose()


def test_token_is_url_safe_and_short(app, acme):
    assert set(acme.token) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    )
    assert len(acme.token) < 80


def test_issue_link_uses_the_brand_store_by_default(app):
    with app.app_context():
        brand = make_brand("acme")
        link = issue_link(brand, make_influencer())
        session.commit()
        assert link.store_url == "https://acme.example/"


def _respellings(token: str) -> dict[str, str]:
    """Other spellings of ``token`` that lenient base64 decodes to the same bytes.

    Only the signature can be respelled: it is checked over the payload text
    exactly as presented.
    """
    payload, signature = _split(token)
    alphabet = string.ascii_letters + string.digits + "-_"
    decoded = base64_decode(signature)
    last = [
        c for c in alphabet if c != signature[-1] and base64_decode(signature[:-1] + c) == decoded
    ]
    return {
        **{f"signature ends in {c!r} instead": f"{payload}.{signature[:-1]}{c}" for c in last},
        "'!!!!' inside the signature": f"{payload}.{signature[:5]}!!!!{signature[5:]}",
        "'é' inside the signature": f"{payload}.{signature[:3]}é{signature[3:]}",
        "padding after the signature": f"{token}==",
    }


def test_a_token_has_several_spellings_that_itsdangerous_accepts(app, acme):
    """The premise of the test below: each respelling verifies with itsdangerous alone."""
    respelled = _respellings(acme.token)
    assert sum(name.startswith("signature ends") for name in respelled) == 3
    plain = URLSafeSerializer(SECRET, salt=LINK_SALT)
    for token in respelled.values():
        assert token != acme.token
        assert plain.loads(token) == [acme.link_id, acme.nonce]


def test_only_the_exact_issued_spelling_is_accepted(client, acme):
    for name, token in _respellings(acme.token).items():
        response = post_session(client, token)
        assert response.status_code == 401, name
        assert response.get_json()["error"] == "invalid_token", name
    assert post_session(client, acme.token).status_code == 200


def test_a_token_signed_with_an_older_key_is_still_exact(app, acme, database_url, tmp_path):
    """Re-signing checks every key, so rotation keeps old tokens and still refuses respellings."""
    rotated = make_test_app(
        database_url,
        tmp_path / "rotated",
        SECRET_KEY="the-new-secret",
        SECRET_KEY_FALLBACKS=[SECRET],
    )
    try:
        rotated_client = rotated.test_client()
        assert post_session(rotated_client, acme.token).status_code == 200
        for name, token in _respellings(acme.token).items():
            assert post_session(rotated_client, token).status_code == 401, name
    finally:
        with rotated.app_context():
            engine().dispose()


def test_a_token_read_before_is_no_key_to_its_respellings(client, acme):
    """Verified tokens are remembered per process; a respelling is another string,
    so it is checked (and refused) on its own however often the real one came."""
    for _ in range(2):
        assert post_session(client, acme.token).status_code == 200
    for name, token in _respellings(acme.token).items():
        assert_refused(post_session(client, token), 401, "invalid_token")
        assert post_session(client, acme.token).status_code == 200, name


def test_a_retired_key_stops_a_token_verified_with_it_before(
    app, client, acme, database_url, tmp_path
):
    """What a token says is remembered per signing keys: an app whose keys no
    longer include the one that signed it refuses it at once."""
    assert post_session(client, acme.token).status_code == 200
    retired = make_test_app(database_url, tmp_path / "retired", SECRET_KEY="only-the-new-secret")
    try:
        assert_refused(post_session(retired.test_client(), acme.token), 401, "invalid_token")
    finally:
        with retired.app_context():
            engine().dispose()
