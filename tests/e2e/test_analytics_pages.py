"""The analytics page and the metrics survey in a real browser (#12 items 3 and 4).

A brand of its own on the shared stack, with requests spread over the last
twelve weeks (seeded as they stand after their history) and one
collaboration taken to completion through the real steps. Each page is
scanned with axe and shot at 1280 and 390 px, neither scrolling sideways;
the good shots go to docs/img.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import on_every_database
from tests.e2e.stack import Stack
from tests.e2e.test_console_pages import check_page, console_brand, sign_in
from tests.factories import make_influencer
from tests.test_analytics import seed
from widget_server import clock
from widget_server.brands.services import find_brand
from widget_server.db import session
from widget_server.product_requests import lifecycle, states
from widget_server.product_requests.models import ProductRequest

TEE = "everyday-organic-tee"  # a product of the demo store
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
#: (weeks ago, status, retail value in cents, hours to decision) of the seeded requests.
HISTORY = [
    (w, status, 4500 + 1500 * (w % 4), 6 + 5 * w)
    for w in range(12)
    for status in ("completed", "approved", "denied", "expired", "pending")[: 2 + w % 4]
]


def seed_history(stack: Stack, slug: str) -> None:
    now = clock.now()
    with stack.widget_app.app_context():
        brand = find_brand(slug)
        who = make_influencer()
        for weeks, status, total, hours in HISTORY:
            submitted = now - timedelta(weeks=weeks, days=1)
            decided = None if status == "pending" else submitted + timedelta(hours=hours)
            seed(
                brand, who, submitted, status, total, decided_at=decided,
                expires_at=now + timedelta(days=3 if status == "pending" else -3),
            )  # fmt: skip
        session.commit()


def completed_collaboration(stack: Stack, slug: str, owner: str) -> int:
    invite = stack.invite(brand=slug)
    request_id = stack.submit_request(invite.link_id, [TEE])
    with stack.widget_app.app_context():
        states.transition(request_id, states.APPROVED, owner)
        lifecycle.ship(request_id, owner, "DHL", "JD0142", None)
        lifecycle.mark_delivered(request_id, owner)
        request = session.get(ProductRequest, request_id)
        lifecycle.submit_content(request.link, request_id, ["https://instagram.com/p/harbor1"])
        lifecycle.accept_content(request_id, owner)
        session.commit()
    return request_id


@on_every_database
def test_analytics_page_shows_charts_and_tables_and_takes_a_period(
    page: Page, stack: Stack
) -> None:
    slug, owner = console_brand(stack)
    seed_history(stack, slug)
    sign_in(page, stack, owner)
    page.get_by_role("link", name="Analytics").click()
    expect(page.get_by_role("heading", name="Analytics", exact=True)).to_be_visible()
    # Two charts, each an image with a name, each with its numbers in a captioned table.
    expect(
        page.get_by_role("img", name=re.compile("^Bar chart: requests submitted per week"))
    ).to_be_visible()
    expect(
        page.get_by_role("img", name=re.compile("^Bar chart: retail value approved"))
    ).to_be_visible()
    weekly = page.get_by_role("table", name="Requests per week")
    expect(weekly).to_be_visible()
    expect(weekly.locator("tfoot td").last).to_have_text(str(len(HISTORY)))
    expect(page.locator("svg.chart rect.bar")).not_to_have_count(0)
    check_page(page, "analytics")
    page.screenshot(path=str(DOCS_IMG / "analytics.png"), full_page=True)

    # Keyboard only: a preset, then a period typed in, then a wrong one.
    page.get_by_role("link", name="30 days").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/review/analytics\?from=\d{4}-\d\d-\d\d&to="))
    page.get_by_label("From").fill("2026-03-10")
    page.get_by_label("To").fill("2026-03-01")
    page.get_by_role("button", name="Show").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("The first day comes after the last one.")
    expect(page.get_by_label("From")).to_have_attribute("aria-invalid", "true")
    check_page(page, "analytics-error")


@on_every_database
def test_the_survey_is_answered_from_the_request_page(page: Page, stack: Stack) -> None:
    slug, owner = console_brand(stack)
    request_id = completed_collaboration(stack, slug, owner)
    sign_in(page, stack, owner)
    page.goto(f"{stack.widget_url}/review/requests/{request_id}")
    page.get_by_role("link", name="Answer the survey").click()
    expect(
        page.get_by_role("heading", name=re.compile("^Results of the collaboration"))
    ).to_be_visible()
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_role("alert")).to_have_text("Answer at least one question.")
    page.goto(f"{stack.widget_url}/review/requests/{request_id}/survey")  # the docs shot: no error
    page.get_by_label(re.compile("^Reach")).fill("18,400")
    page.get_by_label("Clicks to your store").fill("620")
    page.get_by_label("Orders").fill("14")
    page.get_by_label(re.compile("^Revenue attributed")).fill("1120.00")
    page.get_by_label(re.compile("^Notes")).fill("The olive jacket sold out in two days.")
    check_page(page, "survey")
    page.screenshot(path=str(DOCS_IMG / "survey.png"), full_page=True)
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_role("status")).to_have_text("Thank you: the answers are saved.")
    results = page.locator("#survey")
    expect(results).to_contain_text("18,400")
    expect(results).to_contain_text("1,120.00 USD")
    expect(page.get_by_text("survey_answered")).to_be_visible()
    check_page(page, "survey-answered")
