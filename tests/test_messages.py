"""Messages on a request: both sides, scoping, the rules of a message, unread counts, emails."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
from tests.review_helpers import csrf_token, login
from widget_server import clock
from widget_server.brands.services import add_brand_user
from widget_server.db import session
from widget_server.notifications.models import OutboxMessage
from widget_server.notifications.sender import send_due
from widget_server.product_requests import states
from widget_server.product_requests.models import RequestEvent, RequestMessage

PASSWORD = "correct horse battery"
PANEL = {"Sec-Fetch-Site": "same-origin"}  # the panel's same-origin calls


@pytest.fixture
def north(app, frozen_clock):
    """North with a pending request from Ana; Ben has a link too; Rival has a request of Ana's."""
    with app.app_context():
        brand = make_brand("north", name="North")
        add_brand_user(brand, "team@north.example", PASSWORD)
        ana = make_influencer("ana@example.com", name="Ana Lima")
        link, token = make_link(brand, ana, ttl="120d")  # outlives the closed thread
        _ben_link, ben_token = make_link(brand, make_influencer("ben@example.com", name="Ben"))
        products = [make_product(brand, f"north-p{i}") for i in range(2)]
        request = make_request(link, [products[0].variants[0]])
        other = make_request(link, [products[1].variants[0]])
        rival = make_brand("rival", name="Rival")
        add_brand_user(rival, "team@rival.example", PASSWORD)
        rival_link, rival_token = make_link(rival, ana)
        rival_request = make_request(rival_link, [make_product(rival, "rival-p").variants[0]])
        session.commit()
        return SimpleNamespace(
            request_id=request.id,
            other_id=other.id,
            rival_request_id=rival_request.id,
            token=token,
            ben_token=ben_token,
            rival_token=rival_token,
        )


def headers(token):
    return {"Authorization": f"Bearer {token}", **PANEL}


def thread(client, token, request_id, brand="north"):
    return client.get(f"/v1/requests/{request_id}/messages?brand={brand}", headers=headers(token))


def write(client, token, request_id, body, brand="north"):
    return client.post(
        f"/v1/requests/{request_id}/messages",
        json={"brand": brand, "body": body},
        headers=headers(token),
    )


def unread_in_mine(client, token):
    response = client.get("/v1/requests/mine?brand=north", headers=headers(token))
    assert response.status_code == 200
    return {r["id"]: r["unread_messages"] for r in response.json["requests"]}


def brand_writes(client, request_id, text):
    token = csrf_token(client, f"/review/requests/{request_id}")
    return client.post(
        f"/review/requests/{request_id}/messages", data={"csrf_token": token, "message": text}
    )


@pytest.fixture
def team(client, north):
    login(client, "team@north.example", PASSWORD)
    return client


def test_a_brand_and_an_influencer_write_both_ways_with_unread_counts_and_emails(
    smtp_app, smtp, team, north
):
    client, rid = team, north.request_id
    sent = brand_writes(client, rid, "Hi Ana!\nWhich size do you wear?")
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/review/requests/{rid}#messages")

    assert unread_in_mine(client, north.token) == {rid: 1, north.other_id: 0}
    answer = thread(client, north.token, rid)
    assert answer.status_code == 200
    assert answer.json["unread_before"] == 1 and answer.json["open"] is True
    (message,) = answer.json["messages"]
    assert message["side"] == "brand"
    assert message["body"] == "Hi Ana!\nWhich size do you wear?"
    assert "team@north.example" not in answer.get_data(as_text=True)  # sides, never people
    assert unread_in_mine(client, north.token) == {rid: 0, north.other_id: 0}

    reply = write(client, north.token, rid, "  Size M, thanks!  ")
    assert reply.status_code == 201
    assert [(m["side"], m["body"]) for m in reply.json["messages"]] == [
        ("brand", "Hi Ana!\nWhich size do you wear?"),
        ("influencer", "Size M, thanks!"),
    ]
    write(client, north.token, north.other_id, "And this one?")

    pending = client.get("/review/").get_data(as_text=True)
    assert "(2 unread messages)" in pending  # the nav's total
    assert pending.count(">1 unread message<") == 2  # each request's badge
    page = client.get(f"/review/requests/{rid}").get_data(as_text=True)
    assert "Size M, thanks!" in page and '<span class="new">New</span>' in page
    again = client.get("/review/").get_data(as_text=True)
    assert "(1 unread message)" in again and again.count(">1 unread message<") == 1
    assert '<span class="new">' not in client.get(f"/review/requests/{rid}").get_data(True)

    with smtp_app.app_context():
        assert send_due().counts["failed"] == 0
    mails = {m.message["Subject"]: m for m in smtp.messages}
    to_ana = mails["North wrote about your request for North P0"]
    assert list(to_ana.rcpt_tos) == ["ana@example.com"]
    assert "Which size do you wear?" in to_ana.part("plain")
    assert re.search(r"http://\S+/v1/me/north#dots=\S+", to_ana.part("plain"))
    assert "Hi Ana!<br>" in to_ana.part("html")
    to_team = mails[f"Ana Lima wrote about request {rid}"]
    assert list(to_team.rcpt_tos) == ["team@north.example"]
    assert to_team.message["Reply-To"] == "ana@example.com"
    assert "Size M, thanks!" in to_team.part("plain")
    assert f"/review/requests/{rid}#messages" in to_team.part("plain")


def test_messages_are_on_both_timelines_with_the_text_stored_once(team, north, app):
    rid = north.request_id
    brand_writes(team, rid, "Welcome!")
    write(team, north.token, rid, "Thank you")
    response = team.get("/v1/requests/mine?brand=north", headers=headers(north.token))
    (request,) = [r for r in response.json["requests"] if r["id"] == rid]
    entries = [(e["kind"], e["by"], e["note"]) for e in request["timeline"]]
    assert entries == [("submitted", "you", None), ("message", "the brand", None),
                       ("message", "you", None)]  # fmt: skip
    page = team.get(f"/review/requests/{rid}").get_data(as_text=True)
    assert "<strong>message</strong> by team@north.example" in page
    assert "<strong>message</strong> by ana@example.com" in page
    with app.app_context():
        assert session.scalar(select(func.count()).select_from(RequestMessage)) == 2
        kinds = session.scalars(select(RequestEvent.kind).where(RequestEvent.request_id == rid))
        assert list(kinds) == ["submitted"]


def test_someone_elses_request_is_a_404_on_both_sides(team, north, app):
    # Ben at North, and Ana's own link at Rival, on Ana's request at North.
    assert thread(team, north.ben_token, north.request_id).status_code == 404
    assert write(team, north.ben_token, north.request_id, "hi").status_code == 404
    assert thread(team, north.rival_token, north.request_id, brand="rival").status_code == 404
    assert thread(team, north.token, north.rival_request_id).status_code == 404
    assert write(team, north.token, north.rival_request_id, "hi").status_code == 404
    # North's team on Rival's request.
    assert brand_writes(team, north.rival_request_id, "hi").status_code == 404
    assert team.get(f"/review/requests/{north.rival_request_id}").status_code == 404
    with app.app_context():
        assert session.scalar(select(func.count()).select_from(RequestMessage)) == 0


def test_a_store_page_cannot_read_or_write_a_thread(client, north):
    store = {"Authorization": f"Bearer {north.token}", "Origin": "https://north.example"}
    url = f"/v1/requests/{north.request_id}/messages"
    assert client.get(url + "?brand=north", headers=store).status_code == 403
    response = client.post(url, json={"brand": "north", "body": "hi"}, headers=store)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write a message."),
        ("   \n\t ", "Write a message."),
        ("x" * 2001, "Write at most 2,000 characters (this is 2,001)."),
        ("ring \x07 the bell", "Remove the control characters from the message."),
        ("reversed \u202e text", "Remove the control characters from the message."),
        ("escape \x1b[31m", "Remove the control characters from the message."),
    ],
    ids=["empty", "blank", "too-long", "bell", "bidi", "escape"],
)
def test_the_api_refuses_a_message_that_breaks_the_rules(client, north, app, body, error):
    response = write(client, north.token, north.request_id, body)
    assert response.status_code == 422
    assert error in str(response.json["errors"]["body"])
    with app.app_context():
        assert session.scalar(select(func.count()).select_from(RequestMessage)) == 0


def test_the_longest_message_and_line_breaks_are_kept(client, north):
    longest = "y" * 1998 + "\r\nz"
    response = write(client, north.token, north.request_id, longest)
    assert response.status_code == 201
    assert response.json["messages"][0]["body"] == "y" * 1998 + "\nz"


@pytest.mark.parametrize(
    ("text", "error"),
    [("   ", "Write a message."), ("x" * 2001, "Write at most 2,000 characters")],
    ids=["blank", "too-long"],
)
def test_the_brands_form_shows_why_and_keeps_the_text(team, north, app, text, error):
    response = brand_writes(team, north.request_id, text)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error in html and 'role="alert"' in html and 'aria-invalid="true"' in html
    assert ("x" * 2001 in html) is (text.startswith("x"))
    with app.app_context():
        assert session.scalar(select(func.count()).select_from(RequestMessage)) == 0
        mails = select(func.count()).where(OutboxMessage.template == "brand_message")
        assert session.scalar(mails) == 0


def test_the_brands_form_needs_its_csrf_token(team, north, app):
    for path in ("messages", "email"):
        response = team.post(
            f"/review/requests/{north.request_id}/{path}", data={"message": "no token"}
        )
        assert response.status_code == 400
    with app.app_context():
        assert session.scalar(select(func.count()).select_from(RequestMessage)) == 0


def test_the_old_email_influencer_form_writes_on_the_thread(team, north, app):
    token = csrf_token(team, f"/review/requests/{north.request_id}")
    response = team.post(
        f"/review/requests/{north.request_id}/email",
        data={"csrf_token": token, "message": "From an old page"},
    )
    assert response.headers["Location"].endswith("#messages")
    with app.app_context():
        (message,) = session.scalars(select(RequestMessage)).all()
        assert (message.side, message.author, message.body) == (
            "brand",
            "team@north.example",
            "From an old page",
        )
    lists = team.get("/review/").get_data(as_text=True)
    assert '#messages">Message influencer</a>' in lists and "#email" not in lists


def test_a_thread_closes_thirty_days_after_the_request_ended(team, north, app):
    rid = north.request_id
    with app.app_context():
        states.transition(rid, states.DENIED, "team@north.example", "Not now")
        session.commit()
    assert write(team, north.token, rid, "Why not?").status_code == 201  # after the end: fine
    with clock.frozen_at(clock.now() + timedelta(days=30)):
        assert write(team, north.token, rid, "Still there?").status_code == 201
    with clock.frozen_at(clock.now() + timedelta(days=30, minutes=1)):
        refused = write(team, north.token, rid, "Hello?")
        assert refused.status_code == 409 and refused.json["error"] == "thread_closed"
        assert thread(team, north.token, rid).json["open"] is False
        login(team, "team@north.example", PASSWORD)  # sessions end after hours
        page = team.get(f"/review/requests/{rid}").get_data(as_text=True)
        assert "its messages are closed" in page and "Send message" not in page
        closed = brand_writes(team, rid, "Late answer")
        assert closed.status_code == 302
        flashed = team.get(closed.headers["Location"]).get_data(as_text=True)
        assert "more than 30 days ago" in flashed
    with app.app_context():
        assert session.scalar(select(func.count()).select_from(RequestMessage)) == 2


def test_an_expiry_not_swept_yet_counts_from_the_expiry(client, north, app):
    with app.app_context():
        expires = session.get(states.ProductRequest, north.request_id).expires_at
    with clock.frozen_at(expires + timedelta(days=31)):
        assert write(client, north.token, north.request_id, "Hi").status_code == 409


def test_both_sides_writing_is_rate_limited(team, north, app):
    app.config["RATELIMIT_SUBMIT_PER_TOKEN"] = "2/minute"
    app.config["RATELIMIT_MESSAGES_PER_USER"] = "2/minute"
    codes = [write(team, north.token, north.request_id, f"n{i}").status_code for i in range(3)]
    assert codes == [201, 201, 429]
    codes = [brand_writes(team, north.request_id, f"b{i}").status_code for i in range(3)]
    assert codes == [302, 302, 429]


def test_the_thread_api_is_in_the_openapi_document(client):
    spec = client.get("/v1/openapi.json").json
    operations = spec["paths"]["/v1/requests/{request_id}/messages"]
    assert set(operations) >= {"get", "post"}
    assert "unread_messages" in spec["components"]["schemas"]["RequestOut"]["properties"]
