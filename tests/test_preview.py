"""Preview links: the brand sees its store as an influencer would, with requests off."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeSerializer

from tests.factories import make_brand, make_influencer, make_link, make_product, request_body
from widget_server import clock
from widget_server.db import session
from widget_server.influencers.preview import PreviewError, issue_preview_url
from widget_server.influencers.tokens import LINK_SALT, PREVIEW_SALT, sign_preview

ORIGIN = "https://acme.example"


def token_of(url: str) -> str:
    return urlsplit(url).fragment.split("dots=", 1)[1]


@pytest.fixture
def acme(app, frozen_clock):
    with app.app_context():
        brand = make_brand("acme", name="Acme Outdoor", allowed_origins=[ORIGIN])
        other = make_brand("globex")
        tee = make_product(brand, "tee")
        excluded = make_product(brand, "hidden")
        excluded.excluded = True
        make_product(brand, "sold-out", available=(False,))
        gone = make_product(brand, "gone")
        gone.active = False
        session.commit()
        link, link_token = make_link(brand, make_influencer("ana@example.com"))
        return SimpleNamespace(
            preview=token_of(issue_preview_url(brand)),
            other_preview=token_of(issue_preview_url(other)),
            link_token=link_token,
            variant=tee.variants[0],
            brand=brand,
        )


def call(client, method, url, token, body=None, origin=ORIGIN):
    return client.open(
        url,
        method=method,
        json=body,
        headers={"Authorization": f"Bearer {token}", "Origin": origin},
    )


def error_of(response):
    return response.status_code, response.get_json()["error"]


def test_session_answers_as_a_preview_with_misses_and_diagnostics(client, acme):
    keys = ["h:tee", "h:hidden", "h:sold-out", "h:gone", "h:unknown"]
    body = call(client, "POST", "/v1/session", acme.preview, {"brand": "acme", "keys": keys})
    assert body.status_code == 200, body.get_data(as_text=True)
    answer = body.get_json()
    assert answer["preview"] is True
    assert answer["influencer"] == {"name": "Preview", "handles": []}
    assert "statuses" not in answer
    assert answer["matches"] == {"h:tee": "tee"}
    assert answer["misses"] == {
        "h:hidden": "excluded",
        "h:sold-out": "sold_out",
        "h:gone": "inactive",
    }
    assert answer["diagnostics"] == {"origin_allowed": True, "origin": ORIGIN, "origins": [ORIGIN]}


def test_a_link_session_has_no_misses_or_diagnostics(client, acme):
    answer = call(client, "POST", "/v1/session", acme.link_token, {"brand": "acme"}).get_json()
    assert answer["preview"] is False and "misses" not in answer and "diagnostics" not in answer


def test_writes_are_refused_with_preview_only(client, acme, app):
    with app.app_context():
        body = request_body(acme.brand, [acme.variant])
        body["proposal"]["publish_on"] = body["proposal"]["publish_on"].isoformat()
    handles = {"brand": "acme", "platform": "tiktok", "handle": "x", "followers": 1}
    for method, url, payload, origin in [
        ("POST", "/v1/requests", body, ORIGIN),
        ("POST", "/v1/requests/1/withdraw", {"brand": "acme"}, ORIGIN),
        ("POST", "/v1/panel/handles", handles, "http://localhost"),
    ]:
        response = call(client, method, url, acme.preview, payload, origin)
        assert error_of(response) == (403, "preview_only"), url
        assert response.get_json()["message"] == "This is a preview: requests are turned off."


def test_reads_work_and_hold_nothing_personal(client, acme):
    mine = call(client, "GET", "/v1/requests/mine?brand=acme", acme.preview).get_json()
    assert mine["requests"] == []
    catalog = call(client, "GET", "/v1/catalog?brand=acme", acme.preview)
    assert [p["handle"] for p in catalog.get_json()["products"]] == ["tee"]
    profile = call(
        client, "GET", "/v1/panel/profile?brand=acme", acme.preview, origin="http://localhost"
    )
    assert profile.get_json() == {
        "name": "Preview", "handles": [], "saved_address": None, "another_store_address": None,
    }  # fmt: skip


def test_expired_and_tampered_previews_are_401(client, acme, app):
    with app.app_context():
        expired = sign_preview(acme.brand, clock.now() - timedelta(seconds=1))
    assert error_of(call(client, "POST", "/v1/session", expired, {"brand": "acme"})) == (
        401, "link_expired",
    )  # fmt: skip
    tampered = acme.preview[:-2] + ("AA" if not acme.preview.endswith("AA") else "BB")
    assert error_of(call(client, "POST", "/v1/session", tampered, {"brand": "acme"})) == (
        401, "invalid_token",
    )  # fmt: skip


def test_a_preview_expires_after_its_minutes(client, acme, app):
    with app.app_context():
        token = token_of(issue_preview_url(acme.brand, minutes=5))
    with clock.frozen_at(clock.now() + timedelta(minutes=5, seconds=1)):
        response = call(client, "POST", "/v1/session", token, {"brand": "acme"})
    assert error_of(response) == (401, "link_expired")


def test_another_brands_preview_is_wrong_brand(client, acme):
    response = call(client, "POST", "/v1/session", acme.other_preview, {"brand": "acme"})
    assert error_of(response) == (403, "wrong_brand")


def test_salts_keep_link_and_preview_tokens_apart(client, acme, app):
    # The same payload shapes signed under the other salt verify as neither.
    with app.app_context():
        brand_id = acme.brand.id
        secret = app.config["SECRET_KEY"]
    exp = int((clock.now() + timedelta(hours=1)).timestamp())
    preview_as_link = URLSafeSerializer(secret, salt=LINK_SALT).dumps([brand_id, exp])
    link_as_preview = URLSafeSerializer(secret, salt=PREVIEW_SALT).dumps([1, "nonce"])
    for token in (preview_as_link, link_as_preview):
        response = call(client, "POST", "/v1/session", token, {"brand": "acme"})
        assert error_of(response) == (401, "invalid_token")
    # A real preview token names no link; a real link token is no preview.
    assert call(client, "POST", "/v1/session", acme.preview, {"brand": "acme"}).get_json()[
        "preview"
    ]
    assert not call(client, "POST", "/v1/session", acme.link_token, {"brand": "acme"}).get_json()[
        "preview"
    ]


def test_issue_preview_url_checks_url_and_minutes(app, acme):
    with app.app_context():
        assert issue_preview_url(acme.brand).startswith(f"{ORIGIN}/#dots=")
        url = issue_preview_url(acme.brand, "https://staging.acme.example/c/all#top", 1440)
        assert url.startswith("https://staging.acme.example/c/all#top&dots=")
        for bad_url in ("ftp://acme.example/", "javascript:alert(1)", "acme.example"):
            with pytest.raises(PreviewError):
                issue_preview_url(acme.brand, bad_url)
        for minutes in (0, 1441, -5):
            with pytest.raises(PreviewError):
                issue_preview_url(acme.brand, minutes=minutes)


def test_cli_prints_a_working_preview_url(app, acme, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["link", "preview", "--brand", "acme", "--minutes", "30"])
    assert result.exit_code == 0, result.output
    url = result.output.strip().splitlines()[-1]
    assert url.startswith(f"{ORIGIN}/#dots=")
    answer = call(client, "POST", "/v1/session", token_of(url), {"brand": "acme"}).get_json()
    assert answer["preview"] is True
    for args, message in [
        (["--minutes", "0"], "0"),
        (["--minutes", "1441"], "1441"),
        (["--url", "ftp://x.example/"], "not an http(s) URL"),
    ]:
        result = runner.invoke(args=["link", "preview", "--brand", "acme", *args])
        assert result.exit_code != 0 and message in result.output
    result = runner.invoke(args=["link", "preview", "--brand", "nobody"])
    assert result.exit_code != 0 and "unknown brand" in result.output
