"""The analytics page and its CSV, checked against a seeded data set whose answers are
written out by hand below (not computed by the code under test).

The period is 2026-03-02 (a Monday) to 2026-03-15 (a Sunday): ISO weeks W10 and
W11. The clock stands at 2026-03-20 12:00 UTC. Rows just outside the period
(a second before, the first instant after) and another brand's rows must not
count. Every test runs on SQLite and, with DOTS_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from tests.factories import make_brand, make_influencer
from tests.review_helpers import login
from widget_server import clock
from widget_server.analytics.models import SurveyAnswer
from widget_server.brands.services import add_brand_user
from widget_server.db import session
from widget_server.product_requests.models import ProductRequest

PASSWORD = "correct horse battery"
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
PERIOD = "from=2026-03-02&to=2026-03-15"


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def seed(brand, influencer, submitted, status, total=0, currency="USD", **columns) -> int:
    """One request as it stands after its history (the state machine is tested elsewhere)."""
    request = ProductRequest(
        brand_id=brand.id,
        influencer_id=influencer.id,
        status=status,
        submitted_at=submitted,
        expires_at=columns.pop("expires_at", at(28)),
        currency=currency,
        total_minor=total,
        proposal={},
        shipping_address={},
        **columns,
    )
    session.add(request)
    session.flush()
    return request.id


def survey(request_id: int, **answers) -> None:
    session.add(
        SurveyAnswer(
            request_id=request_id, answered_by="team@north.example", currency="USD", **answers
        )
    )


def seed_brand(slug: str) -> None:
    brand = make_brand(slug)
    add_brand_user(brand, f"team@{slug}.example", PASSWORD)
    who = make_influencer()
    # 1: submitted a second before the period; approved (and completed) inside it.
    r1 = seed(
        brand, who, at(1, 23, 59, 59), "completed", 10000, decided_at=at(2, 10),
        content_due_at=at(5), content_submitted_at=at(4), completed_at=at(8),
    )  # fmt: skip
    # 2: the period's first instant; approved 6 h later; content sent a day late.
    seed(
        brand, who, at(2), "delivered", 5000, decided_at=at(2, 6),
        content_due_at=at(10), content_submitted_at=at(11),
    )  # fmt: skip
    seed(brand, who, at(3, 12), "denied", 4000, decided_at=at(4, 12))  # 3: 24 h
    seed(brand, who, at(4, 9), "pending", 1000, expires_at=at(13))  # 4: expired, not swept yet
    seed(brand, who, at(5, 9), "expired", 1000, decided_at=at(14), expires_at=at(14))  # 5
    # 11: approved in 48 h, priced in another currency (the brand changed its own).
    seed(brand, who, at(6, 10), "shipped", 2000, "EUR", decided_at=at(8, 10))
    seed(brand, who, at(9, 8), "cancelled", 7000, decided_at=at(9, 10))  # 6: approved in 2 h
    seed(brand, who, at(10, 8), "withdrawn", 1000)  # 7
    seed(brand, who, at(12, 8), "pending", 1000, expires_at=at(21))  # 8: still pending
    # 9: the period's last second; approved after it (its value is not the period's).
    r9 = seed(
        brand, who, at(15, 23, 59, 59), "completed", 3000, decided_at=at(16, 0, 30),
        completed_at=at(16),
    )  # fmt: skip
    seed(brand, who, at(16), "approved", 9000, decided_at=at(16, 1))  # 10: after the period
    # 12: from February, content due in the period and never sent.
    seed(
        brand,
        who,
        at(20, month=2),
        "delivered",
        500,
        decided_at=at(21, month=2),
        content_due_at=at(14),
    )
    # 13: completed on the period's last second, content sent before it was due.
    r13 = seed(
        brand, who, at(10, month=2), "completed", 500, decided_at=at(11, month=2),
        content_due_at=at(15, 23, 59, 59), content_submitted_at=at(15, 20),
        completed_at=at(15, 23, 59, 59),
    )  # fmt: skip
    # 14: completed in the period without a survey; content due after it.
    seed(
        brand, who, at(1, month=2), "completed", 500, decided_at=at(5, month=2),
        content_due_at=at(16), content_submitted_at=at(1), completed_at=at(3),
    )  # fmt: skip
    survey(r1, reach=1000, clicks=50, orders=3, revenue_minor=12050)
    survey(r13, reach=500, orders=1, revenue_minor=3000, notes="Good.")
    survey(r9, reach=999, clicks=999, orders=999, revenue_minor=99900)  # completed after the period
    session.commit()


@pytest.fixture
def north(app):
    with clock.frozen_at(NOW):
        with app.app_context():
            seed_brand("north")
            seed_brand("south")  # the same rows at another brand: never counted for north
        yield


@pytest.fixture
def north_client(client, north):
    login(client, "team@north.example", PASSWORD)
    return client


def figure(html: str, name: str) -> str:
    start = html.index(f'data-figure="{name}">') + len(f'data-figure="{name}">')
    return html[start : html.index("<", start)]


def test_the_figures_of_a_period_match_the_hand_counted_answers(north_client):
    response = north_client.get(f"/review/analytics?{PERIOD}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Submitted in the period: 2, 3, 4, 5, 11 (W10); 6, 7, 8, 9 (W11).
    assert figure(html, "submitted") == "9"
    # Approved 2, 11, 6 (cancelled later), 9; decided: those 4 + denied 3 + expired 4, 5.
    assert figure(html, "approval-rate") == "57%"  # 4 / 7
    assert "4 approved of 7 decided" in html
    # Waits: 30 min 1 s (9), 2 h (6), 6 h (2), 24 h (3), 48 h (11): the median is 6 h.
    assert figure(html, "median-decision") == "6 h 0 min"
    assert "over 5 approved or denied" in html
    # Approved inside the period and not cancelled: 1 (100.00) and 2 (50.00); 11 is in EUR.
    assert figure(html, "value") == "150.00 USD"
    assert "2 requests; also 20.00 EUR" in html
    # Content due in the period: 1 (on time), 2 (late), 12 (never sent), 13 (on time).
    assert figure(html, "delivery-rate") == "50%"
    assert "2 on time of 4 due" in html
    # Surveys of requests completed in the period (1, 13, 14): two answered.
    assert "2 answered of 3 completed" in html
    assert 'data-survey="reach">1,500<' in html
    assert 'data-survey="clicks">50<' in html
    assert 'data-survey="orders">4<' in html
    assert 'data-survey="revenue">150.50 USD<' in html
    # The weekly table: approved, denied, expired, withdrawn, pending, total.
    assert "<td>2</td><td>1</td><td>2</td><td>0</td><td>0</td><td>5</td>" in html  # W10
    assert "<td>2</td><td>0</td><td>0</td><td>1</td><td>1</td><td>4</td>" in html  # W11
    assert html.count('<th scope="row"><time datetime=') == 4  # two weeks, two tables
    # The charts are images with a name, drawn here: no script anywhere.
    assert html.count('role="img" aria-label="Bar chart') == 2
    assert "<script" not in html


def test_the_csv_has_the_same_figures_with_a_bom(north_client):
    response = north_client.get(f"/review/analytics.csv?{PERIOD}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "north-analytics-" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == [
        "week", "week starts", "submitted", "approved", "denied", "expired", "withdrawn",
        "pending", "value approved", "currency",
    ]  # fmt: skip
    assert rows[1] == ["2026-W10", "2026-03-02", "5", "2", "1", "2", "0", "0", "150.00", "USD"]
    assert rows[2] == ["2026-W11", "2026-03-09", "4", "2", "0", "0", "1", "1", "0.00", "USD"]
    assert rows[3][:3] == ["total", "2026-03-02 to 2026-03-15", "9"]
    figures = {row[0]: row[1] for row in rows[4:]}
    assert figures == {
        "approval rate": "0.5714",
        "decided": "7",
        "median hours to decision": "6.0",
        "content due": "4",
        "content on time": "2",
        "content delivery rate": "0.5000",
        "completed": "3",
        "surveys answered": "2",
        "survey reach": "1500",
        "survey clicks": "50",
        "survey orders": "4",
        "survey revenue": "150.50",
    }


def test_period_boundaries_are_whole_utc_days_and_weeks_start_on_monday(north_client):
    # Only the 15th: request 9 (its last second) is in, 10 (the 16th at midnight) is not.
    html = north_client.get("/review/analytics?from=2026-03-15&to=2026-03-15").get_data(
        as_text=True
    )
    assert figure(html, "submitted") == "1"
    assert "<td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td>" in html
    assert '<time datetime="2026-03-09">' in html  # the week it falls in starts on Monday
    # Only the 1st: request 1's last second.
    html = north_client.get("/review/analytics?from=2026-03-01&to=2026-03-01").get_data(
        as_text=True
    )
    assert figure(html, "submitted") == "1"
    assert figure(html, "value") == "0.00 USD"  # approved on the 2nd


def test_an_empty_period_shows_zeros_and_dashes(north_client):
    response = north_client.get("/review/analytics?from=2025-01-01&to=2025-01-31")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert figure(html, "submitted") == "0"
    assert figure(html, "approval-rate") == "—"
    assert figure(html, "median-decision") == "—"
    assert figure(html, "delivery-rate") == "—"
    assert figure(html, "value") == "0.00 USD"
    assert "0 answered of 0 completed" in html
    csv_text = north_client.get("/review/analytics.csv?from=2025-01-01&to=2025-01-31").get_data(
        as_text=True
    )
    assert "approval rate,," in csv_text and "total,2025-01-01 to 2025-01-31,0," in csv_text


def test_the_default_period_is_the_last_90_days_with_presets(north_client):
    with clock.frozen_at(NOW):
        html = north_client.get("/review/analytics").get_data(as_text=True)
    assert "Dec 21, 2025 to Mar 20, 2026" in html
    assert figure(html, "submitted") == "14"  # every north request: all since Feb 1
    assert 'href="/review/analytics?from=2026-02-19&amp;to=2026-03-20"' in html  # 30 days
    assert 'href="/review/analytics?from=2025-03-21&amp;to=2026-03-20"' in html  # 365 days
    assert 'aria-current="page">Analytics</a>' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-01", "Use a date like 2026-03-01."),
        ("from=2026-03-10&to=2026-03-01", "The first day comes after the last one."),
        ("from=2020-01-01&to=2026-03-01", "at most 731 days"),
    ],
)
def test_bad_periods_are_refused_with_a_clear_message(north_client, query, message):
    page = north_client.get(f"/review/analytics?{query}")
    assert page.status_code == 400 and message in page.get_data(as_text=True)
    assert 'aria-invalid="true"' in page.get_data(as_text=True)
    export = north_client.get(f"/review/analytics.csv?{query}")
    assert export.status_code == 400 and message in export.get_data(as_text=True)
    assert north_client.get(f"/review/analytics?{PERIOD}&brand=south").status_code == 400


def test_another_brands_data_never_counts_and_sign_in_is_needed(client, north):
    # south has the very same rows: signed in as south, south's own figures.
    login(client, "team@south.example", PASSWORD)
    html = client.get(f"/review/analytics?{PERIOD}").get_data(as_text=True)
    assert figure(html, "submitted") == "9" and figure(html, "value") == "150.00 USD"
    with client.application.test_client() as anonymous:
        for path in ("/review/analytics", "/review/analytics.csv"):
            answer = anonymous.get(path)
            assert answer.status_code == 302 and "/review/login" in answer.headers["Location"]
