"""The influencer's side of the API (#7): my requests, withdraw, stated handles, refused links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import (
    make_brand,
    make_influencer,
    make_link,
    make_product,
    make_request,
    request_body,
)
from widget_server import clock
from widget_server.db import session
from widget_server.influencers.models import InfluencerLink
from widget_server.influencers.services import revoke_link
from widget_server.product_requests import states
from widget_server.product_requests.models import ProductRequest, RequestItem

PANEL = {"Sec-Fetch-Site": "same-origin"}  # how the panel's same-origin calls arrive
STORE = "https://northwind.example"


@pytest.fixture
def world(app, frozen_clock):
    """Northwind Supply, a tee in two colours and sizes, Ana with a link, and Ben with one."""
    with app.app_context():
        brand = make_brand(
            "northwind", name="Northwind Supply", allowed_origins=[STORE], max_value="200.00"
        )
        ana = make_influencer("ana@example.com", name="Ana Lima")
        link, token = make_link(brand, ana)
        ben_link, ben_token = make_link(brand, make_influencer("ben@example.com", name="Ben"))
        tee = make_product(brand, "oxford-tee", prices=(2500, 2500, 2700), sizes=("XS", "M", "L"))
        for variant, colour in zip(tee.variants, ("Oat", "Charcoal", "Charcoal"), strict=True):
            variant.option_values = [variant.title, colour]
            variant.title = f"{variant.title} / {colour}"
        tee.option_names = ["Size", "Colour"]
        cap = make_product(brand, "cap", prices=(1500,))
        session.commit()
        return {
            "brand": brand,
            "link_id": link.id,
            "token": token,
            "ben_token": ben_token,
            "ben_link_id": ben_link.id,
            "tee": tee,
            "cap": cap,
        }


def auth(token, origin=STORE):
    headers = {"Authorization": f"Bearer {token}"}
    return {**headers, "Origin": origin} if origin else {**headers, **PANEL}


def mine(client, token, origin=STORE):
    response = client.get("/v1/requests/mine?brand=northwind", headers=auth(token, origin))
    assert response.status_code == 200, response.json
    return response.json["requests"]


def request_for(app, world, variant_index=1, token_key="link_id", product="tee", quantity=2):
    """A pending request made through the real service; returns its id."""
    with app.app_context():
        link = session.get(InfluencerLink, world[token_key])
        variant = session.get(type(world[product]), world[product].id).variants[variant_index]
        items = [{"variant_id": variant.id, "quantity": quantity}]
        return make_request(link, [variant], items=items).id


# --- GET /v1/requests/mine -------------------------------------------------------------


def test_mine_names_the_variant_and_its_options(client, world, app):
    request_for(app, world, variant_index=1)
    (request,) = mine(client, world["token"])
    (item,) = request["items"]
    assert item["variant_id"] == world["tee"].variants[1].id
    assert item["option_values"] == ["M", "Charcoal"]
    assert item["variant_title"] == "M / Charcoal"
    assert item["quantity"] == 2
    assert request["decided_at"] is None and request["reason"] is None


def test_option_values_are_a_snapshot_with_the_variant_as_fallback(client, world, app, db):
    request_id = request_for(app, world, variant_index=1)
    with db() as s:
        variant = s.get(type(world["tee"]), world["tee"].id).variants[1]
        variant.option_values = ["M", "Graphite"]  # the store renamed the colour since
        s.commit()
    assert mine(client, world["token"])[0]["items"][0]["option_values"] == ["M", "Charcoal"]
    with db() as s:  # a row written before the snapshot existed
        s.scalar(
            select(RequestItem).where(RequestItem.request_id == request_id)
        ).option_values = None
        s.commit()
    assert mine(client, world["token"])[0]["items"][0]["option_values"] == ["M", "Graphite"]


def test_a_denied_request_carries_the_brands_reason_and_when(client, world, app, db):
    request_id = request_for(app, world)
    decided = clock.now() + timedelta(days=2)
    with db() as s, clock.frozen_at(decided):
        states.transition(
            request_id, states.DENIED, actor="team@northwind.example", note="Sold out"
        )
        s.commit()
    (request,) = mine(client, world["token"])
    assert request["status"] == "denied"
    assert request["reason"] == "Sold out"
    assert request["decided_at"] == decided.isoformat()


def test_an_approval_has_a_date_and_no_reason(client, world, app, db):
    request_id = request_for(app, world)
    with db() as s:
        states.transition(request_id, states.APPROVED, actor="team@northwind.example")
        s.commit()
    (request,) = mine(client, world["token"])
    assert request["status"] == "approved" and request["reason"] is None
    assert request["decided_at"] == clock.now().isoformat()


def test_an_overdue_request_shows_when_it_expired_before_the_sweep(client, world, app):
    request_for(app, world)
    (pending,) = mine(client, world["token"])
    with clock.frozen_at(clock.now() + timedelta(days=10)):
        (request,) = mine(client, world["token"])
    assert request["status"] == "expired"
    assert request["decided_at"] == pending["expires_at"]


# --- POST /v1/requests/<id>/withdraw ---------------------------------------------------------


def withdraw(client, request_id, token, origin=STORE, brand="northwind"):
    return client.post(
        f"/v1/requests/{request_id}/withdraw", json={"brand": brand}, headers=auth(token, origin)
    )


def outbox(db):
    from widget_server.notifications.models import OutboxMessage

    with db() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.mark.parametrize("origin", [STORE, None], ids=["store", "panel"])
def test_withdraw_moves_a_pending_request_and_tells_the_brand(client, world, app, db, origin):
    request_id = request_for(app, world)
    response = withdraw(client, request_id, world["token"], origin)
    assert response.status_code == 200, response.json
    assert response.json["id"] == request_id
    assert response.json["status"] == "withdrawn"
    assert response.json["decided_at"] == clock.now().isoformat()
    assert response.json["items"][0]["option_values"] == ["M", "Charcoal"]
    if origin:
        assert response.headers["Access-Control-Allow-Origin"] == STORE
    with db() as s:
        stored = s.get(ProductRequest, request_id)
        assert stored.status == "withdrawn"
        assert [(e.kind, e.actor) for e in stored.events][-1] == ("withdrawn", "ana@example.com")
        assert all(item.pending_claim is None for item in stored.items)
    emails = [row for row in outbox(db) if row.template == "request_withdrawn"]
    assert [(row.to_addr, row.reply_to) for row in emails] == [
        ("team@northwind.example", "ana@example.com")
    ]
    assert emails[0].subject == "Ana Lima withdrew their product request"
    for part in (emails[0].text_body, emails[0].html_body):
        assert "Oxford Tee" in part and "M / Charcoal" in part
        assert f"http://widget.test/review/requests/{request_id}" in part
    assert mine(client, world["token"])[0]["status"] == "withdrawn"


def test_the_withdrawn_product_can_be_requested_again(client, world, app):
    first = request_for(app, world)
    assert withdraw(client, first, world["token"]).status_code == 200
    assert request_for(app, world) != first


def test_withdrawing_twice_is_409_naming_the_state(client, world, app, db):
    request_id = request_for(app, world)
    assert withdraw(client, request_id, world["token"]).status_code == 200
    again = withdraw(client, request_id, world["token"])
    assert again.status_code == 409
    assert again.json["error"] == "already_withdrawn"
    assert set(again.json) == {"status", "error", "message"}
    assert len([r for r in outbox(db) if r.template == "request_withdrawn"]) == 1


@pytest.mark.parametrize(
    ("decision", "error"),
    [(states.APPROVED, "already_approved"), (states.DENIED, "already_denied")],
)
def test_a_decided_request_cannot_be_withdrawn(client, world, app, db, decision, error):
    request_id = request_for(app, world)
    with db() as s:
        states.transition(request_id, decision, actor="team@northwind.example")
        s.commit()
    response = withdraw(client, request_id, world["token"])
    assert response.status_code == 409 and response.json["error"] == error
    with db() as s:
        assert s.get(ProductRequest, request_id).status == decision


def test_an_overdue_request_cannot_be_withdrawn(client, world, app):
    request_id = request_for(app, world)
    with clock.frozen_at(clock.now() + timedelta(days=10)):
        response = withdraw(client, request_id, world["token"])
    assert response.status_code == 409 and response.json["error"] == "already_expired"


def test_another_influencers_request_is_404(client, world, app, db):
    bens = request_for(app, world, token_key="ben_link_id")
    response = withdraw(client, bens, world["token"])
    assert response.status_code == 404
    assert response.json == {
        "status": 404,
        "error": "not_found",
        "message": "There is no such request.",
    }
    missing = withdraw(client, 999_999, world["token"])
    assert missing.status_code == 404 and missing.json == response.json
    with db() as s:
        assert s.get(ProductRequest, bens).status == "pending"
    assert [r.template for r in outbox(db)] == ["request_submitted"]


def test_a_request_at_another_brand_is_404(client, world, app, db):
    with app.app_context():
        other = make_brand("other-co")
        ana = session.get(InfluencerLink, world["link_id"]).influencer
        other_link, other_token = make_link(other, ana)
        elsewhere = make_request(other_link, [make_product(other, "mug").variants[0]]).id
    # Ana's own request, but at another brand: not through Northwind's link...
    assert withdraw(client, elsewhere, world["token"]).status_code == 404
    # ...nor by naming the other brand with Northwind's token.
    wrong = withdraw(client, elsewhere, world["token"], origin=None, brand="other-co")
    assert wrong.status_code == 403 and wrong.json["error"] == "wrong_brand"
    with db() as s:
        assert s.get(ProductRequest, elsewhere).status == "pending"


def test_withdraw_needs_a_good_link_and_origin(client, world, app):
    request_id = request_for(app, world)
    no_token = client.post(
        f"/v1/requests/{request_id}/withdraw",
        json={"brand": "northwind"},
        headers={"Origin": STORE},
    )
    assert no_token.status_code == 401
    foreign = withdraw(client, request_id, world["token"], origin="https://evil.example")
    assert foreign.status_code == 403 and foreign.json["error"] == "origin_not_allowed"
    bad_body = client.post(
        f"/v1/requests/{request_id}/withdraw",
        json={"brand": "northwind", "extra": 1},
        headers=auth(world["token"]),
    )
    assert bad_body.status_code == 422 and "extra" in bad_body.json["errors"]


def test_the_email_is_written_in_the_same_transaction(client, world, app, db, monkeypatch):
    """If writing the email fails, the withdrawal does not happen either."""
    from widget_server.product_requests import emails

    request_id = request_for(app, world)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(emails, "enqueue_email", broken)
    response = withdraw(client, request_id, world["token"])
    assert response.status_code == 500
    with db() as s:
        stored = s.get(ProductRequest, request_id)
        assert stored.status == "pending" and [e.kind for e in stored.events] == ["submitted"]
    assert [r.template for r in outbox(db)] == ["request_submitted"]


WRITES = {
    "withdraw": ("/v1/requests/999999/withdraw", {"brand": "northwind"}, 404),
    "handles": (
        "/v1/panel/handles",
        {"brand": "northwind", "platform": "x", "handle": "ana", "followers": 1},
        201,
    ),
    "send": ("/v1/requests", {"brand": "northwind", "items": []}, 422),
}


@pytest.mark.parametrize("endpoint", sorted(WRITES))
@pytest.mark.parametrize("per", ["TOKEN", "IP"])
def test_write_endpoints_are_rate_limited_per_token_and_per_ip(client, world, app, endpoint, per):
    other = "IP" if per == "TOKEN" else "TOKEN"
    app.config[f"RATELIMIT_SUBMIT_PER_{per}"] = "2/minute"
    app.config[f"RATELIMIT_SUBMIT_PER_{other}"] = "100/minute"
    path, body, status = WRITES[endpoint]
    statuses = [
        client.post(path, json=body, headers=auth(world["token"], None)).status_code
        for _ in range(3)
    ]
    assert statuses == [status, status, 429]
    # Counters are per endpoint: the other writes still go through.
    for name, (other_path, other_body, other_status) in WRITES.items():
        if name != endpoint:
            response = client.post(other_path, json=other_body, headers=auth(world["token"], None))
            assert response.status_code == other_status, name


def test_withdraw_is_in_the_openapi_document(client):
    spec = client.get("/v1/openapi.json").json
    operation = spec["paths"]["/v1/requests/{request_id}/withdraw"]["post"]
    assert "200" in operation["responses"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "BrandBody"
    )
    handles = spec["paths"]["/v1/panel/handles"]["post"]
    assert "201" in handles["responses"]


# --- refused links speak in the brand's name ---------------------------------------------


REFUSALS = {
    "link_expired": "This invitation from Northwind Supply has expired. Ask them for a new link.",
    "link_revoked": (
        "This invitation from Northwind Supply is no longer active. Ask them for a new link."
    ),
    "invalid_token": (
        "This invitation link to Northwind Supply is not valid. Ask them for a new link."
    ),
}


def _refused_token(app, world, kind):
    with app.app_context():
        link = session.get(InfluencerLink, world["link_id"])
        if kind == "link_revoked":
            revoke_link(link)
            session.commit()
        elif kind == "link_expired":
            link.expires_at = clock.now() - timedelta(seconds=1)
            session.commit()
    return world["token"] + ("x" if kind == "invalid_token" else "")


def _calls(world):
    """Every endpoint that takes a link token, as (method, path, body, origin)."""
    return [
        ("post", "/v1/session", {"brand": "northwind"}, STORE),
        ("get", "/v1/catalog?brand=northwind", None, STORE),
        ("get", "/v1/requests/mine?brand=northwind", None, STORE),
        ("post", "/v1/requests/1/withdraw", {"brand": "northwind"}, STORE),
        ("get", "/v1/panel/profile?brand=northwind", None, None),
        (
            "post",
            "/v1/panel/handles",
            {"brand": "northwind", "platform": "tiktok", "handle": "ana", "followers": 10},
            None,
        ),
    ]


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_refused_links_say_so_in_the_brands_name_everywhere(client, world, app, kind):
    token = _refused_token(app, world, kind)
    for method, path, body, origin in _calls(world):
        response = getattr(client, method)(path, json=body, headers=auth(token, origin))
        assert response.status_code == 401, path
        assert response.json == {"status": 401, "error": kind, "message": REFUSALS[kind]}, path


def test_a_link_of_another_store_is_403_wrong_brand(client, world, app):
    with app.app_context():
        make_brand("other-co", name="Other Co", allowed_origins=[STORE.replace("northwind", "o")])
    for method, path, body, _origin in _calls(world):
        path = path.replace("northwind", "other-co")
        body = {**body, "brand": "other-co"} if body else None
        response = getattr(client, method)(path, json=body, headers=auth(world["token"], None))
        assert response.status_code == 403, path
        assert response.json == {
            "status": 403,
            "error": "wrong_brand",
            "message": "This invitation is for another store.",
        }


# --- POST /v1/panel/handles ------------------------------------------------------------------


def state(client, token, origin=None, **fields):
    body = {"brand": "northwind", "platform": "tiktok", "handle": "@ana.lima", "followers": 3200}
    return client.post("/v1/panel/handles", json={**body, **fields}, headers=auth(token, origin))


def test_an_influencer_with_no_account_states_one_and_can_send(client, world, app):
    with app.app_context():
        brand = session.get(type(world["brand"]), world["brand"].id)
        link, token = make_link(brand, make_influencer("cleo@example.com", name="Cleo", handles=[]))
    response = state(client, token)
    assert response.status_code == 201, response.json
    assert response.json == {
        "handles": [
            {
                "platform": "tiktok",
                "handle": "ana.lima",
                "followers": 3200,
                "stated_at": clock.now().isoformat(),
            }
        ]
    }
    with app.app_context():
        tee = session.get(type(world["tee"]), world["tee"].id)
        data = request_body(brand, [tee.variants[0]])
    data["proposal"]["platforms"] = ["tiktok"]
    data["proposal"]["publish_on"] = data["proposal"]["publish_on"].isoformat()
    sent = client.post("/v1/requests", json=data, headers=auth(token, None))
    assert sent.status_code == 201, sent.json
    session_handles = client.post(
        "/v1/session", json={"brand": "northwind"}, headers=auth(token)
    ).json["influencer"]["handles"]
    assert session_handles == response.json["handles"]


def test_stating_the_same_account_again_updates_its_followers(client, world):
    first = state(client, world["token"], followers=3200)
    assert first.status_code == 201
    later = clock.now() + timedelta(days=3)
    with clock.frozen_at(later):
        again = state(client, world["token"], handle="ANA.LIMA", followers=4100)
    assert again.status_code == 201
    handles = again.json["handles"]
    # Ana's Instagram handle was entered for her: it is not marked as stated.
    assert [(h["platform"], h["followers"], h["stated_at"]) for h in handles] == [
        ("instagram", 12000, None),
        ("tiktok", 4100, later.isoformat()),
    ]
    profile = client.get("/v1/panel/profile?brand=northwind", headers=auth(world["token"], None))
    assert profile.json["handles"] == handles


def test_stating_an_account_on_file_marks_it_as_stated(client, world, app):
    with app.app_context():
        ana = session.get(InfluencerLink, world["link_id"]).influencer
        instagram = ana.handles[0].handle
    response = state(client, world["token"], platform="Instagram", handle=instagram, followers=1)
    assert [(h["platform"], h["followers"]) for h in response.json["handles"]] == [("instagram", 1)]
    assert response.json["handles"][0]["stated_at"] == clock.now().isoformat()


def test_handles_are_for_the_panel_only(client, world, db):
    response = state(client, world["token"], origin=STORE)
    assert response.status_code == 403
    assert response.json["error"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response.headers
    with db() as s:
        ana = s.get(InfluencerLink, world["link_id"]).influencer
        assert [h.platform for h in ana.handles] == ["instagram"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"platform": "myspace"}, "platform"),
        ({"platform": None}, "platform"),
        ({"followers": -1}, "followers"),
        ({"followers": 10**10 + 1}, "followers"),
        ({"followers": 12.5}, "followers"),
        ({"followers": "1200"}, "followers"),
        ({"handle": "@"}, "handle"),
        ({"handle": "a" * 101}, "handle"),
        ({"brand": "Not A Slug"}, "brand"),
        ({"verified": True}, "verified"),
    ],
)
def test_stated_handles_are_validated(client, world, db, fields, field):
    response = state(client, world["token"], **fields)
    assert response.status_code == 422
    assert response.json["error"] == "validation_failed"
    assert field in response.json["errors"]
    with db() as s:
        assert len(s.get(InfluencerLink, world["link_id"]).influencer.handles) == 1


def test_the_largest_stated_audience_is_accepted(client, world):
    response = state(client, world["token"], platform="youtube", followers=10**10)
    assert response.status_code == 201
    assert response.json["handles"][-1]["followers"] == 10**10


def test_the_brand_is_told_the_account_was_stated(client, world, app, db):
    assert state(client, world["token"]).status_code == 201
    request_for(app, world)
    with db() as s:
        from widget_server.notifications.models import OutboxMessage

        row = s.scalar(select(OutboxMessage).where(OutboxMessage.template == "request_submitted"))
    line = "TikTok: @ana.lima (3.2k followers, stated by the influencer on 1 Mar 2026)"
    assert line in row.text_body and line in row.html_body
    assert "Instagram: @" in row.text_body
    assert "Instagram: @creator" in row.text_body and "12k followers)" in row.text_body


def test_a_twin_call_that_added_the_account_first_is_updated_not_doubled(world, app):
    """A double click: the other call commits the account between our read and our insert."""
    from widget_server.influencers.models import SocialHandle
    from widget_server.influencers.services import state_handle

    with app.app_context():
        ana = session.get(InfluencerLink, world["link_id"]).influencer
        assert [h.platform for h in ana.handles] == ["instagram"]  # read before the twin
        with app.app_context():  # the twin call, in a session of its own
            twin = session.get(type(ana), ana.id)
            twin.handles.append(SocialHandle(platform="tiktok", handle="ana.lima", followers=1))
            session.commit()
        handle = state_handle(ana, {"platform": "tiktok", "handle": "ana.lima", "followers": 5})
        session.commit()
        assert (handle.followers, handle.stated_at) == (5, clock.now())
    with app.app_context():
        rows = session.scalars(
            select(SocialHandle)
            .where(SocialHandle.influencer_id == handle.influencer_id)
            .order_by(SocialHandle.id)
        ).all()
        assert [(h.platform, h.followers) for h in rows] == [("instagram", 12000), ("tiktok", 5)]
