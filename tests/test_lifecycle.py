"""The request lifecycle under time and concurrency: expiry sweeps, racing decisions, load."""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from tests.factories import (
    make_brand,
    make_influencer,
    make_link,
    make_product,
    make_request,
    request_body,
)
from tests.review_helpers import login
from widget_server import clock
from widget_server.brands.services import add_brand_user
from widget_server.db import session
from widget_server.influencers.tokens import sign_link
from widget_server.notifications.models import OutboxMessage
from widget_server.product_requests import states
from widget_server.product_requests.models import ProductRequest, RequestEvent
from widget_server.review.queries import summary

DECISIONS = ("approved", "denied", "expired")


def _one_request(app: Flask) -> int:
    with app.app_context():
        brand = make_brand("race")
        link, _ = make_link(brand)
        return make_request(link, [make_product(brand).variants[0]]).id


def _outcome(app: Flask, request_id: int) -> tuple[str, Counter, Counter]:
    with app.app_context():
        status = session.get(ProductRequest, request_id).status
        events = Counter(
            session.scalars(select(RequestEvent.kind).where(RequestEvent.request_id == request_id))
        )
        mails = Counter(session.scalars(select(OutboxMessage.template)))
        return status, events, mails


def test_expiry_sweep_with_now(runner, app, frozen_clock):
    request_id = _one_request(app)
    day = frozen_clock
    result = runner.invoke(args=["expire", "--now", (day + timedelta(days=8)).isoformat()])
    assert result.exit_code == 0, result.output
    assert "Expired 0 request(s)." in result.output
    assert _outcome(app, request_id)[0] == "pending"

    result = runner.invoke(args=["expire", "--now", (day + timedelta(days=9)).isoformat()])
    assert "Expired 1 request(s)." in result.output
    status, events, mails = _outcome(app, request_id)
    assert status == "expired" and events["expired"] == 1
    assert mails["request_expired"] == 1

    again = runner.invoke(args=["expire", "--now", (day + timedelta(days=10)).isoformat()])
    assert "Expired 0 request(s)." in again.output
    assert _outcome(app, request_id)[2]["request_expired"] == 1


def _status_everywhere(
    runner: FlaskCliRunner, client: FlaskClient, token: str, request_id: int, now: datetime
) -> dict[str, object]:
    """What every reader says about one request at ``now``: the influencer's API, the
    brand's pages (pending list, summary, detail, archive), then the sweeper."""
    with clock.frozen_at(now):
        # Review sessions end after 12 hours: the brand signs in at each moment.
        login(client, "team@race.example", "correct horse battery")
        mine = client.get(
            "/v1/requests/mine?brand=race",
            headers={"Authorization": f"Bearer {token}", "Origin": "https://race.example"},
        ).json["requests"]
        index = client.get("/review/").get_data(as_text=True)
        detail = client.get(f"/review/requests/{request_id}").get_data(as_text=True)
        archive = client.get("/review/archive").get_data(as_text=True)
    sweep = runner.invoke(args=["expire", "--now", now.isoformat()])
    assert sweep.exit_code == 0, sweep.output

    def count(testid: str) -> str:
        return index.split(f'data-testid="{testid}">', 1)[1].split("<", 1)[0]

    return {
        "api": [r["status"] for r in mine],
        "pending list": f'id="req-{request_id}"' in index,
        "summary": (count("pending-count"), count("expired-all-count")),
        "detail": re.findall(r'<h1>.*<span class="status (\w+)">', detail),
        "archive": f'/review/requests/{request_id}"' in archive,
        "sweeper": sweep.output.strip(),
    }


def test_a_request_is_pending_everywhere_until_its_expiry_and_expired_from_then(
    app, client, runner, frozen_clock
):
    """Never expired early, by a page or by the sweeper: one second before
    ``expires_at`` every reader says pending and the sweeper leaves it; at
    ``expires_at`` every reader says expired and the sweeper expires it."""
    with app.app_context():
        brand = make_brand("race")
        add_brand_user(brand, "team@race.example", "correct horse battery")
        link, token = make_link(brand)
        request = make_request(link, [make_product(brand).variants[0]])
        request_id, expires_at = request.id, request.expires_at
    assert expires_at == frozen_clock + timedelta(days=9)

    before = _status_everywhere(
        runner, client, token, request_id, expires_at - timedelta(seconds=1)
    )
    assert before == {
        "api": ["pending"],
        "pending list": True,
        "summary": ("1", "0"),
        "detail": ["pending"],
        "archive": False,
        "sweeper": "Expired 0 request(s).",
    }
    assert _outcome(app, request_id)[0] == "pending"

    at = _status_everywhere(runner, client, token, request_id, expires_at)
    assert at == {
        "api": ["expired"],
        "pending list": False,
        "summary": ("0", "1"),
        "detail": ["expired"],
        "archive": True,
        "sweeper": "Expired 1 request(s).",
    }
    status, events, mails = _outcome(app, request_id)
    assert (status, events["expired"], mails["request_expired"]) == ("expired", 1, 1)


@pytest.mark.parametrize("value", ["tomorrow", "2026-03-10T12:00:00"])
def test_expire_refuses_a_bad_now(runner, value):
    result = runner.invoke(args=["expire", "--now", value])
    assert result.exit_code == 2
    assert "--now" in result.output


def _race(app: Flask, request_id: int, targets: list[str]) -> None:
    """Run one transition per target, all released at the same instant."""
    barrier = threading.Barrier(len(targets))

    def attempt(target: str) -> None:
        with app.app_context():
            barrier.wait()
            try:
                states.transition(request_id, target, actor=f"{target}@brand.example")
                session.commit()
            except states.TransitionRefused:
                session.rollback()

    with ThreadPoolExecutor(len(targets)) as pool:
        list(pool.map(attempt, targets))


@pytest.mark.postgres
@pytest.mark.parametrize("overdue", [False, True], ids=["before-expiry", "after-expiry"])
def test_twenty_racing_decisions_give_one_transition_and_one_email(pg_app, overdue):
    request_id = _one_request(pg_app)
    with pg_app.app_context():
        expires_at = session.get(ProductRequest, request_id).expires_at
    targets = ["approved", "denied", "expired", "withdrawn"] * 5
    with clock.frozen_at(expires_at if overdue else expires_at - timedelta(seconds=1)):
        if not overdue:
            # Sweepers racing each other a second early: every one is refused.
            _race(pg_app, request_id, ["expired"] * 5)
            assert _outcome(pg_app, request_id)[:2] == ("pending", Counter({"submitted": 1}))
        _race(pg_app, request_id, targets)
    status, events, mails = _outcome(pg_app, request_id)
    assert sum(events[kind] for kind in (*DECISIONS, "withdrawn")) == 1
    # Before its expiry a request cannot expire: one of the people's decisions wins.
    assert status in ({"expired"} if overdue else {"approved", "denied", "withdrawn"})
    influencer_mails = sum(mails[f"request_{kind}"] for kind in DECISIONS)
    assert influencer_mails == (0 if status == "withdrawn" else 1)


def test_decisions_race_on_the_embedded_database_too(app):
    request_id = _one_request(app)
    _race(app, request_id, ["approved", "denied"] * 4)
    _status, events, mails = _outcome(app, request_id)
    assert events["approved"] + events["denied"] == 1
    assert mails["request_approved"] + mails["request_denied"] == 1


@pytest.mark.postgres
def test_a_thousand_concurrent_submissions_are_all_stored_and_counted(pg_app):
    """1,000 requests through the HTTP API from 8 threads: none lost, all summed."""
    with pg_app.app_context():
        brand = make_brand("load", max_items=1, max_value="100.00")
        products = [make_product(brand, f"item-{i}", prices=(1000 + i,)) for i in range(20)]
        jobs = []
        for _ in range(50):
            link, _ = make_link(brand, make_influencer())
            token = sign_link(link)
            for product in products:
                jobs.append((token, request_body(brand, [product.variants[0]])))
        origin = brand.allowed_origins[0]
        expected_value = sum(1000 + i for i in range(20)) * 50

    def submit(job: tuple[str, dict]) -> int:
        token, body = job
        body = {
            **body,
            "proposal": {**body["proposal"], "publish_on": str(body["proposal"]["publish_on"])},
        }
        response = pg_app.test_client().post(
            "/v1/requests",
            json=body,
            headers={"Authorization": f"Bearer {token}", "Origin": origin},
        )
        return response.status_code

    with ThreadPoolExecutor(8) as pool:
        codes = Counter(pool.map(submit, jobs))
    assert codes == Counter({201: 1000})
    with pg_app.app_context():
        assert session.scalar(select(func.count(ProductRequest.id))) == 1000
        totals = summary(session.scalar(select(ProductRequest.brand_id).limit(1)))
        assert totals.pending.count == 1000
        assert totals.pending.value_minor == expected_value
        assert (
            session.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.template == "request_submitted"
                )
            )
            == 1000
        )
