"""Ratings (#12 item 2): each side rates a completed collaboration once, by the API
(influencer) and the request page (brand); the timeline and the other side's email follow.

Runs on every configured database (the ``app`` fixture), so the unique (request,
side) index is what refuses the second rating on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import empty_tables, make_test_app
from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
from tests.review_helpers import csrf_token, login
from widget_server.brands.services import add_brand_user
from widget_server.db import session
from widget_server.influencers.models import InfluencerLink
from widget_server.notifications.models import OutboxMessage
from widget_server.notifications.sender import send_due
from widget_server.product_requests import lifecycle, states
from widget_server.product_requests.models import RequestEvent
from widget_server.ratelimit import DEFAULT_LIMITS
from widget_server.ratings.models import Rating

STORE = "https://northwind.example"
PASSWORD = "correct horse battery"
TEAM = "team@northwind.example"
RIVAL_TEAM = "team@rival.example"


def completed(link: InfluencerLink) -> int:
    """A new request of ``link`` walked to ``completed`` through the one state machine."""
    request = make_request(link, [make_product(link.brand).variants[0]])
    states.transition(request.id, states.APPROVED, TEAM)
    lifecycle.ship(request.id, TEAM, "UPS", f"1Z{request.id}", None)
    lifecycle.mark_delivered(request.id, "store")
    session.commit()
    lifecycle.submit_content(link, request.id, ["https://instagram.com/p/dots"])
    lifecycle.accept_content(request.id, TEAM)
    session.commit()
    return request.id


@pytest.fixture
def world(app, frozen_clock):
    """Northwind with Ana (one completed, one delivered request) and Ben; a rival brand with
    Ana too (its own completed request)."""
    with app.app_context():
        north = make_brand("northwind", name="Northwind Supply", allowed_origins=[STORE])
        add_brand_user(north, TEAM, PASSWORD)
        rival = make_brand("rival", name="Rival Goods")
        add_brand_user(rival, RIVAL_TEAM, PASSWORD)
        ana = make_influencer("ana@example.com", name="Ana Lima")
        link, token = make_link(north, ana)
        _ben_link, ben_token = make_link(north, make_influencer("ben@example.com", name="Ben"))
        rival_link, rival_token = make_link(rival, ana)
        done = completed(link)
        delivered = make_request(link, [make_product(north).variants[0]])
        states.transition(delivered.id, states.APPROVED, TEAM)
        lifecycle.ship(delivered.id, TEAM, "UPS", "1Z2", None)
        lifecycle.mark_delivered(delivered.id, "store")
        rival_done = completed(rival_link)
        session.commit()
        return {
            "token": token,
            "ben_token": ben_token,
            "rival_token": rival_token,
            "done": done,
            "delivered": delivered.id,
            "rival_done": rival_done,
        }


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Origin": STORE}


def rate_by_api(client, request_id, token, brand="northwind", **body):
    return client.post(
        f"/v1/requests/{request_id}/rating",
        json={"brand": brand, **{"stars": 5, **body}},
        headers=auth(token),
    )


def ratings_of(db, request_id: int) -> list[tuple[str, int, str | None]]:
    with db() as s:
        rows = s.scalars(select(Rating).where(Rating.request_id == request_id).order_by(Rating.id))
        return [(r.side, r.stars, r.comment) for r in rows]


def outbox(db, template: str) -> list[OutboxMessage]:
    with db() as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.template == template)))
        s.expunge_all()
        return rows


def events(db, request_id: int) -> list[tuple[str, str, str | None]]:
    with db() as s:
        rows = s.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == request_id, RequestEvent.kind == "rated")
            .order_by(RequestEvent.id)
        )
        return [(e.kind, e.actor, e.note) for e in rows]


def flashes(html: str, kind: str) -> list[str]:
    return [
        " ".join(f.split())
        for f in re.findall(rf'<p class="flash {kind}"[^>]*>(.*?)</p>', html, re.S)
    ]


def brand_rates(client, request_id, stars="4", comment="Great reel, on time.") -> str:
    """POST the detail page's form; the page it lands on."""
    token = csrf_token(client, f"/review/requests/{request_id}")
    data = {"csrf_token": token, "comment": comment}
    if stars is not None:
        data["stars"] = stars
    response = client.post(f"/review/requests/{request_id}/rating", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/review/requests/{request_id}#rating")
    return client.get(f"/review/requests/{request_id}").get_data(as_text=True)


# --- the influencer's side (API) -------------------------------------------------------------


def test_the_influencer_rates_once_and_the_brand_hears_of_it(client, world, db):
    mine = client.get("/v1/requests/mine?brand=northwind", headers=auth(world["token"])).json
    by_id = {r["id"]: r for r in mine["requests"]}
    assert (by_id[world["done"]]["can_rate"], by_id[world["done"]]["my_rating"]) == (True, None)
    assert by_id[world["delivered"]]["can_rate"] is False

    response = rate_by_api(client, world["done"], world["token"], stars=4, comment="  Lovely team ")
    assert response.status_code == 200, response.json
    assert response.json["can_rate"] is False
    assert response.json["my_rating"]["stars"] == 4
    assert response.json["my_rating"]["comment"] == "Lovely team"
    assert response.json["timeline"][-1]["kind"] == "rated"
    assert response.json["timeline"][-1]["by"] == "you"
    assert ratings_of(db, world["done"]) == [("influencer", 4, "Lovely team")]
    assert events(db, world["done"]) == [("rated", "ana@example.com", "4 of 5 stars\nLovely team")]
    [email] = outbox(db, "rated_by_influencer")
    assert email.to_addr == "team@northwind.example"
    assert email.subject == "Ana Lima rated your collaboration 4 of 5"
    assert "Lovely team" in email.text_body

    again = rate_by_api(client, world["done"], world["token"], stars=1)
    assert again.status_code == 409
    assert again.json["error"] == "already_rated"
    assert "already rated" in again.json["message"]
    assert ratings_of(db, world["done"]) == [("influencer", 4, "Lovely team")]
    assert len(outbox(db, "rated_by_influencer")) == 1
    mine = client.get("/v1/requests/mine?brand=northwind", headers=auth(world["token"])).json
    shown = next(r for r in mine["requests"] if r["id"] == world["done"])
    assert shown["can_rate"] is False and shown["my_rating"]["stars"] == 4


def test_rating_before_completion_is_409_with_the_reason(client, world, db):
    response = rate_by_api(client, world["delivered"], world["token"])
    assert response.status_code == 409
    assert response.json["error"] == "not_completed"
    assert response.json["message"] == (
        "This request is delivered; it can be rated once the collaboration is completed."
    )
    assert ratings_of(db, world["delivered"]) == []
    assert outbox(db, "rated_by_influencer") == []


def test_another_influencers_or_another_brands_request_is_404(client, world, db):
    ben = rate_by_api(client, world["done"], world["ben_token"])
    assert (ben.status_code, ben.json["error"]) == (404, "not_found")
    # Ana's own request, but at the rival brand: not through Northwind's link.
    other = rate_by_api(client, world["rival_done"], world["token"])
    assert other.status_code == 404
    assert ratings_of(db, world["done"]) == ratings_of(db, world["rival_done"]) == []


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"stars": 0}, "stars", "Give 1 to 5 stars."),
        ({"stars": 6}, "stars", "Give 1 to 5 stars."),
        ({"stars": "abc"}, "stars", "Give 1 to 5 stars."),
        ({"stars": "4"}, "stars", "Give 1 to 5 stars."),
        ({"stars": 4.5}, "stars", "Give 1 to 5 stars."),
        ({"stars": 4, "comment": "x" * 1001}, "comment", "Keep the comment to 1,000 characters."),
    ],
)
def test_bad_ratings_are_422_by_field(client, world, db, body, field, message):
    response = rate_by_api(client, world["done"], world["token"], **body)
    assert response.status_code == 422
    assert response.json["errors"] == {field: [message]}
    assert ratings_of(db, world["done"]) == []


def test_a_comment_of_exactly_1000_characters_is_kept(client, world, db):
    assert rate_by_api(client, world["done"], world["token"], comment="é" * 1000).status_code == 200
    assert ratings_of(db, world["done"]) == [("influencer", 5, "é" * 1000)]


def test_stars_are_required(client, world):
    response = client.post(
        f"/v1/requests/{world['done']}/rating",
        json={"brand": "northwind"},
        headers=auth(world["token"]),
    )
    assert response.status_code == 422 and response.json["errors"] == {
        "stars": ["Give 1 to 5 stars."]
    }


def test_the_rating_endpoint_is_rate_limited_per_token(client, world, app):
    app.config["RATELIMIT_SUBMIT_PER_TOKEN"] = "2/minute"
    codes = [rate_by_api(client, world["done"], world["token"]).status_code for _ in range(3)]
    assert codes == [200, 409, 429]


def test_the_rating_endpoint_is_in_the_openapi_document(client):
    spec = client.get("/v1/openapi.json").json
    operation = spec["paths"]["/v1/requests/{request_id}/rating"]["post"]
    assert {"200", "404", "409", "422", "429"} <= set(operation["responses"])
    body = spec["components"]["schemas"]["RatingIn"]
    assert body["properties"]["stars"]["minimum"] == 1
    assert body["properties"]["stars"]["maximum"] == 5
    assert body["properties"]["comment"]["maxLength"] == 1000


# --- the brand's side (the request page) -----------------------------------------------------


def test_the_brand_rates_on_the_page_once_and_the_influencer_is_emailed(client, world, db):
    login(client, TEAM, PASSWORD)
    before = client.get(f"/review/requests/{world['done']}").get_data(as_text=True)
    assert f'action="/review/requests/{world["done"]}/rating"' in before
    assert before.count('type="radio" name="stars"') == 5
    assert "Ana Lima has not rated Northwind Supply yet." in before

    html = brand_rates(client, world["done"], stars="4", comment="Great reel, on time.")
    assert flashes(html, "success") == [
        "Thank you: you rated Ana Lima 4 of 5. We emailed Ana Lima."
    ]
    assert 'name="stars"' not in html  # the form gives way to the rating given
    assert "You rated Ana Lima" in html and "Great reel, on time." in html
    assert ratings_of(db, world["done"]) == [("brand", 4, "Great reel, on time.")]
    assert events(db, world["done"]) == [("rated", TEAM, "4 of 5 stars\nGreat reel, on time.")]
    [email] = outbox(db, "rated_by_brand")
    assert email.to_addr == "ana@example.com"
    assert email.subject == "Northwind Supply rated your collaboration 4 of 5"

    again = brand_rates(client, world["done"], stars="1")
    assert flashes(again, "error") == [
        "This collaboration is already rated; a rating is given once."
    ]
    assert ratings_of(db, world["done"]) == [("brand", 4, "Great reel, on time.")]
    assert len(events(db, world["done"])) == 1 and len(outbox(db, "rated_by_brand")) == 1

    # The influencer's rating of the brand shows once given.
    rate_by_api(client, world["done"], world["token"], stars=5, comment="Fast shipping")
    page = client.get(f"/review/requests/{world['done']}").get_data(as_text=True)
    shown = re.search(r'data-testid="influencer-rating">(.*?)</div>', page, re.S).group(1)
    assert "Ana Lima rated Northwind Supply" in shown and "5 of 5 stars" in shown
    assert "Fast shipping" in shown


@pytest.mark.parametrize(
    ("stars", "comment", "error"),
    [
        (None, "", "Give 1 to 5 stars."),
        ("0", "", "Give 1 to 5 stars."),
        ("6", "", "Give 1 to 5 stars."),
        ("abc", "", "Give 1 to 5 stars."),
        ("5", "x" * 1001, "Keep the comment to 1,000 characters."),
    ],
)
def test_the_page_refuses_bad_ratings_with_a_message(client, world, db, stars, comment, error):
    login(client, TEAM, PASSWORD)
    html = brand_rates(client, world["done"], stars=stars, comment=comment)
    assert flashes(html, "error") == [error]
    assert ratings_of(db, world["done"]) == []


def test_the_page_refuses_before_completion_and_without_csrf(client, world, db):
    login(client, TEAM, PASSWORD)
    page = client.get(f"/review/requests/{world['delivered']}").get_data(as_text=True)
    assert 'name="stars"' not in page and 'id="rating"' not in page
    html = brand_rates(client, world["delivered"])
    assert flashes(html, "error") == [
        "This request is delivered; it can be rated once the collaboration is completed."
    ]
    no_token = client.post(f"/review/requests/{world['done']}/rating", data={"stars": "5"})
    assert no_token.status_code == 400
    assert ratings_of(db, world["done"]) == ratings_of(db, world["delivered"]) == []


def test_another_brands_request_is_404_on_the_page(client, world, db):
    login(client, RIVAL_TEAM, PASSWORD)
    token = csrf_token(client, f"/review/requests/{world['rival_done']}")
    response = client.post(
        f"/review/requests/{world['done']}/rating", data={"csrf_token": token, "stars": "1"}
    )
    assert response.status_code == 404
    assert ratings_of(db, world["done"]) == []


def test_the_completed_tab_says_whether_the_brand_rated(client, world):
    login(client, TEAM, PASSWORD)

    def rated_lines() -> list[str]:
        html = client.get("/review/tab/completed").get_data(as_text=True)
        found = re.findall(r'data-testid="brand-rated">(.*?)</p>', html, re.S)
        return [" ".join(re.sub(r"<[^>]+>", "", line).split()) for line in found]

    assert rated_lines() == ["Not rated yet: rate Ana Lima"]
    brand_rates(client, world["done"], stars="5")
    assert rated_lines() == ["You rated ★★★★★ 5 of 5 stars."]


# --- the emails, over SMTP -------------------------------------------------------------------


def test_both_emails_arrive_over_smtp(smtp_app, smtp, world):
    client = smtp_app.test_client()
    login(client, TEAM, PASSWORD)
    brand_rates(client, world["done"], stars="3", comment="Good <b>work</b>")
    assert rate_by_api(client, world["done"], world["token"], stars=5).status_code == 200
    with smtp_app.app_context():
        assert send_due().counts["failed"] == 0
    got = {
        (m.rcpt_tos[0], m.message["Subject"]): m.message
        for m in smtp.messages
        if "rated" in m.message["Subject"]
    }
    to_ana = got[("ana@example.com", "Northwind Supply rated your collaboration 3 of 5")]
    text = to_ana.get_body(("plain",)).get_content()
    assert "Good <b>work</b>" in text and "You can rate Northwind Supply too" in text
    html = to_ana.get_body(("html",)).get_content()
    assert "Good &lt;b&gt;work&lt;/b&gt;" in html  # escaped, never markup
    to_brand = got[("team@northwind.example", "Ana Lima rated your collaboration 5 of 5")]
    brand_text = to_brand.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert f"See the request:\nhttp://widget.test/review/requests/{world['done']}" in brand_text


def test_the_first_email_invites_the_other_side_to_rate_back(client, world, db):
    rate_by_api(client, world["done"], world["token"], stars=2)
    [to_brand] = outbox(db, "rated_by_influencer")
    assert "rate Ana back" in to_brand.text_body and "rate Ana back" in to_brand.html_body


def test_no_rating_without_its_email(client, world, db, monkeypatch):
    """The email goes in the same transaction: if writing it fails, no rating is kept."""
    from widget_server.product_requests import emails

    def broken(*_args, **_kwargs):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(emails, "enqueue_email", broken)
    assert rate_by_api(client, world["done"], world["token"]).status_code == 500
    assert ratings_of(db, world["done"]) == []
    assert events(db, world["done"]) == []


# --- the race -----------------------------------------------------------------------------


@pytest.fixture
def racing_app(database_url: str, tmp_path: Path):
    """The app on each database with limits raised (this is about the race, not limits)."""
    app = make_test_app(
        database_url, tmp_path / "instance", **{key: "100000/minute" for key in DEFAULT_LIMITS}
    )
    yield app
    empty_tables(app)


COPIES = 4


def test_racing_ratings_make_one_row_and_the_rest_409(racing_app, frozen_clock):
    with racing_app.app_context():
        brand = make_brand("northwind", name="Northwind Supply", allowed_origins=[STORE])
        link, token = make_link(brand, make_influencer("ana@example.com"))
        request_ids = [completed(link) for _ in range(3)]

    def race(request_id: int) -> Counter:
        barrier = threading.Barrier(COPIES)

        def send(n: int) -> int:
            client = racing_app.test_client()  # its own session and connection
            barrier.wait()
            return rate_by_api(client, request_id, token, stars=1 + n).status_code

        with ThreadPoolExecutor(COPIES) as pool:
            return Counter(pool.map(send, range(COPIES)))

    outcomes = [race(request_id) for request_id in request_ids]
    assert outcomes == [Counter({200: 1, 409: COPIES - 1})] * len(request_ids)
    with racing_app.app_context():
        stored = session.execute(
            select(Rating.request_id, func.count()).group_by(Rating.request_id)
        ).all()
        emailed = session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.template == "rated_by_influencer"
            )
        )
    assert sorted(stored) == [(request_id, 1) for request_id in sorted(request_ids)]
    assert emailed == len(request_ids)
