"""The metrics survey: emailed once, ``survey_days`` after completion, by ``remind``; answered
(and edited) on the brand's signed-in page, kept with the request, on its timeline.

Every test runs on SQLite and, with DOTS_TEST_DATABASE_URL, on PostgreSQL (``app``).
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from tests.factories import make_request
from tests.review_helpers import csrf_token, login
from tests.test_review_pages import PASSWORD, _brand_with_requests
from widget_server.analytics.models import SurveyAnswer
from widget_server.brands.models import Brand
from widget_server.db import session
from widget_server.notifications.sender import send_due
from widget_server.product_requests import lifecycle, states
from widget_server.product_requests.models import ProductRequest, ReminderSent, RequestEvent

TEAM = "team@acme.example"


def completed_request(slug: str) -> SimpleNamespace:
    """A brand (with a user) and one collaboration taken to completion, at the frozen clock."""
    shop = _brand_with_requests(slug)
    team = f"team@{slug}.example"
    request_id = make_request(shop.link, [shop.products[0].variants[0]]).id
    states.transition(request_id, states.APPROVED, team)
    lifecycle.ship(request_id, team, "DHL", "TRK1", None)
    lifecycle.mark_delivered(request_id, team)
    lifecycle.submit_content(shop.link, request_id, ["https://instagram.com/p/abc"])
    # Another request of the brand that is not completed: it gets no survey.
    other = make_request(shop.link, [shop.products[1].variants[0]]).id
    states.transition(other, states.APPROVED, team)
    lifecycle.accept_content(request_id, team)
    session.commit()
    return SimpleNamespace(brand_id=shop.brand.id, id=request_id, other=other)


@pytest.fixture
def shop(app, frozen_clock):
    with app.app_context():
        acme = completed_request("acme")
        rival = completed_request("rival")
    return SimpleNamespace(acme=acme, rival=rival, completed_at=frozen_clock)


def remind_at(runner, moment) -> str:
    result = runner.invoke(args=["remind", "--now", moment.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def surveys_sent(db) -> list[int]:
    with db() as s:
        return list(
            s.scalars(
                select(ReminderSent.request_id)
                .where(ReminderSent.kind == "metrics_survey")
                .order_by(ReminderSent.request_id)
            )
        )


def set_survey_days(db, days: int, slug: str = "acme") -> None:
    with db() as s:
        s.execute(update(Brand).where(Brand.slug == slug).values(survey_days=days))
        s.commit()


def test_accepting_content_records_when_the_collaboration_was_completed(shop, db):
    with db() as s:
        request = s.get(ProductRequest, shop.acme.id)
        assert request.completed_at == shop.completed_at


def test_the_survey_goes_out_survey_days_after_completion_once_over_smtp(
    shop, db, runner, smtp_app, smtp
):
    done = shop.completed_at
    assert remind_at(runner, done + timedelta(days=3, seconds=-1)).endswith("0 metrics survey(s).")
    assert surveys_sent(db) == []
    # The day after the setting's day (as the scheduler would find it), both brands' surveys.
    assert remind_at(runner, done + timedelta(days=4)).endswith(", 2 metrics survey(s).")
    assert remind_at(runner, done + timedelta(days=4)).endswith(", 0 metrics survey(s).")
    assert remind_at(runner, done + timedelta(days=9)).endswith(", 0 metrics survey(s).")
    assert surveys_sent(db) == sorted([shop.acme.id, shop.rival.id])

    with smtp_app.app_context():
        assert send_due().counts["failed"] == 0
    surveys = [m for m in smtp.messages if "How did the collaboration" in m.message["Subject"]]
    assert sorted(m.rcpt_tos[0] for m in surveys) == [TEAM, "team@rival.example"]
    acme = next(m for m in surveys if m.rcpt_tos[0] == TEAM)
    assert acme.message["Subject"] == "How did the collaboration with Ana Lima go?"
    link = f"http://widget.test/review/requests/{shop.acme.id}/survey"
    assert link in acme.part("plain") and f'href="{link}"' in acme.part("html")
    assert "completed 3 days ago" in acme.part("plain")
    # The brand signs in to answer: no token in the link.
    assert "dots=" not in acme.part("plain")


def test_the_brands_survey_days_setting_decides_when(shop, db, runner):
    set_survey_days(db, 5)
    done = shop.completed_at
    assert remind_at(runner, done + timedelta(days=3)).endswith(", 1 metrics survey(s).")
    assert surveys_sent(db) == [shop.rival.id]  # rival kept the default 3 days
    assert remind_at(runner, done + timedelta(days=5, seconds=-1)).endswith(
        ", 0 metrics survey(s)."
    )
    assert remind_at(runner, done + timedelta(days=5)).endswith(", 1 metrics survey(s).")
    assert surveys_sent(db) == sorted([shop.acme.id, shop.rival.id])


def test_no_survey_with_0_days_when_already_answered_or_long_overdue(shop, db, runner, client):
    set_survey_days(db, 0)
    login(client, "team@rival.example", PASSWORD)
    page = f"/review/requests/{shop.rival.id}/survey"
    answered = client.post(page, data={"orders": "2", "csrf_token": csrf_token(client, page)})
    assert answered.status_code == 302
    assert remind_at(runner, shop.completed_at + timedelta(days=4)).endswith(
        ", 0 metrics survey(s)."
    )
    assert surveys_sent(db) == []
    # Set back to 3 days much later: a survey 14 days overdue is no longer sent.
    set_survey_days(db, 3)
    assert remind_at(runner, shop.completed_at + timedelta(days=3 + 14)).endswith(
        ", 0 metrics survey(s)."
    )
    assert remind_at(runner, shop.completed_at + timedelta(days=3 + 13)).endswith(
        ", 1 metrics survey(s)."
    )


@pytest.fixture
def acme_client(client, shop):
    login(client, TEAM, PASSWORD)
    return client


def survey_post(client, request_id: int, **data: str):
    page = f"/review/requests/{request_id}/survey"
    return client.post(page, data={**data, "csrf_token": csrf_token(client, page)})


def answer_row(db, request_id: int) -> SurveyAnswer | None:
    with db() as s:
        return s.scalar(select(SurveyAnswer).where(SurveyAnswer.request_id == request_id))


def survey_events(db, request_id: int) -> list[tuple[str, str, str | None]]:
    with db() as s:
        return [
            (e.kind, e.actor, e.note)
            for e in s.scalars(
                select(RequestEvent)
                .where(RequestEvent.request_id == request_id, RequestEvent.kind.like("survey%"))
                .order_by(RequestEvent.id)
            )
        ]


def test_the_survey_is_answered_kept_with_the_request_and_edited(acme_client, shop, db):
    rid = shop.acme.id
    detail = acme_client.get(f"/review/requests/{rid}").get_data(as_text=True)
    assert f'href="/review/requests/{rid}/survey"' in detail and "Answer the survey" in detail
    form = acme_client.get(f"/review/requests/{rid}/survey")
    assert form.status_code == 200
    assert "Revenue attributed" in form.get_data(as_text=True)

    saved = survey_post(
        acme_client, rid, reach="12,500", clicks="340", orders="12", revenue="1,480.50",
        notes="Sold out the <b>olive</b> jacket.",
    )  # fmt: skip
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/{rid}#survey")
    row = answer_row(db, rid)
    assert (row.reach, row.clicks, row.orders, row.revenue_minor, row.currency) == (
        12500, 340, 12, 148050, "USD",
    )  # fmt: skip
    assert row.answered_by == TEAM
    assert survey_events(db, rid) == [
        ("survey_answered", TEAM, "reach 12,500 · clicks 340 · orders 12 · revenue 1,480.50 USD")
    ]
    detail = acme_client.get(f"/review/requests/{rid}").get_data(as_text=True)
    assert "12,500" in detail and "1,480.50 USD" in detail
    assert "Sold out the &lt;b&gt;olive&lt;/b&gt; jacket." in detail  # inert text
    assert "Change the answers" in detail

    # Edited later: the form shows the answers; clearing one keeps the others.
    again = acme_client.get(f"/review/requests/{rid}/survey").get_data(as_text=True)
    assert 'value="12500"' in again and 'value="1480.50"' in again
    edited = survey_post(acme_client, rid, reach="13000", orders="12", revenue="")
    assert edited.status_code == 302
    row = answer_row(db, rid)
    assert (row.reach, row.clicks, row.revenue_minor, row.notes) == (13000, None, None, None)
    assert [kind for kind, *_ in survey_events(db, rid)] == ["survey_answered", "survey_edited"]
    # The same answers again: nothing to record.
    same = survey_post(acme_client, rid, reach="13,000", orders="12")
    assert same.status_code == 302
    assert "Nothing changed." in acme_client.get(f"/review/requests/{rid}").get_data(as_text=True)
    assert len(survey_events(db, rid)) == 2
    with db() as s:
        assert s.scalar(select(SurveyAnswer.id).where(SurveyAnswer.request_id == rid)) == row.id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Answer at least one question."),
        ({"notes": "   "}, "Answer at least one question."),
        ({"reach": "-5"}, "from 0 to 1,000,000,000,000"),
        ({"clicks": "lots"}, "Not a valid integer value"),
        ({"orders": "10000001"}, "from 0 to 10,000,000"),
        ({"revenue": "12.345"}, "no more decimals than it has"),
        ({"revenue": "-3"}, "Use an amount in USD"),
        ({"revenue": "99999999"}, "at most 21,474,836.47 USD"),
        ({"notes": "x" * 2001}, "at most 2,000 characters"),
    ],
)
def test_bad_answers_are_refused_with_a_reason_and_nothing_kept(
    acme_client, shop, db, data, message
):
    response = survey_post(acme_client, shop.acme.id, **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert answer_row(db, shop.acme.id) is None
    assert survey_events(db, shop.acme.id) == []


def test_the_survey_needs_csrf_sign_in_the_brand_and_a_completed_request(
    acme_client, client, shop, db, app
):
    rid = shop.acme.id
    forged = acme_client.post(f"/review/requests/{rid}/survey", data={"orders": "1"})
    assert forged.status_code == 400
    # Another brand's request: 404 for reading and for answering, nothing kept.
    assert acme_client.get(f"/review/requests/{shop.rival.id}/survey").status_code == 404
    page = f"/review/requests/{rid}/survey"
    token = csrf_token(acme_client, page)
    stolen = acme_client.post(
        f"/review/requests/{shop.rival.id}/survey", data={"orders": "1", "csrf_token": token}
    )
    assert stolen.status_code == 404
    assert answer_row(db, shop.rival.id) is None
    # Not completed yet: no survey.
    early = acme_client.get(f"/review/requests/{shop.acme.other}/survey")
    assert early.status_code == 409 and "once the collaboration is completed" in early.get_data(
        as_text=True
    )
    # Signed out: to the sign-in page, then back.
    with app.test_client() as anonymous:
        answer = anonymous.get(page)
        assert answer.status_code == 302 and "/review/login" in answer.headers["Location"]
