"""The brand's review pages in a real browser: what only a browser shows.

Sign-in through the form, the summary tiles against the database, approve,
deny and email by clicking, the archive's filter form and CSV download, and
hostile influencer input rendered inert. The e2e stack is shared by the whole
session (other tests add requests for the same brand), so expected numbers
are read from the database at the time of each check, or taken as deltas.
The summary, approve/deny and the archive (``@on_every_database``) run on
PostgreSQL too when it is configured, as in CI: their SQL differs by database.
"""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from playwright.sync_api import Dialog, Locator, Page, expect
from sqlalchemy import select

from tests.e2e.conftest import ARTIFACTS, on_every_database
from tests.e2e.stack import BRAND, BRAND_USER, Stack
from widget_server import clock
from widget_server.brands.services import find_brand
from widget_server.db import session
from widget_server.influencers.models import Influencer, InfluencerLink
from widget_server.notifications.models import OutboxMessage
from widget_server.product_requests import states
from widget_server.product_requests.models import ProductRequest, RequestEvent

EMAIL, PASSWORD = BRAND_USER
NOTIFY = "requests@northwind.example"  # the brand's notify address (stack.py)
SUMMARY_IDS = ["pending-count", "pending-value"] + [
    f"{status}-{span}-{what}"
    for status in ("approved", "denied", "expired")
    for span in ("30d", "all")
    for what in ("count", "value")
]


# --- helpers -------------------------------------------------------------------------


def sign_in(page: Page, stack: Stack) -> None:
    """Through the real form; fails unless it lands on the requests page."""
    page.goto(f"{stack.widget_url}/review/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{stack.widget_url}/review/")


def influencer(stack: Stack, role: str, **fields: object) -> tuple[int, str, str]:
    """A new influencer with a unique name: ``(link_id, name, email)``."""
    name = fields.pop("name", None) or f"{role} {uuid4().hex[:6]}"
    _url, link_id = stack.influencer_link(name=name, **fields)
    with stack.widget_app.app_context():
        person = session.get(InfluencerLink, link_id).influencer
        return link_id, person.name, person.email


def decide(
    stack: Stack, request_id: int, target: str, note: str | None = None, actor: str = EMAIL
) -> None:
    """Approve, deny or expire a request through the state machine."""
    with stack.widget_app.app_context():
        states.transition(request_id, target, actor=actor, note=note)
        session.commit()


def money(minor: int, currency: str = "USD") -> str:
    return f"{Decimal(minor) / 100:,.2f} {currency}"


def parse_money(text: str) -> int:
    return int(Decimal(text.split()[0].replace(",", "")) * 100)


def db_summary(stack: Stack) -> dict[str, str]:
    """The summary tiles as the database says they must read now.

    Computed row by row here, independently of the page's SQL aggregate: an
    overdue pending request counts as expired; "last 30 days" is by when a
    request was decided (or, if overdue and not yet swept, when it expired).
    """
    with stack.widget_app.app_context():
        brand = find_brand(BRAND)
        currency = brand.currency
        now = clock.now()
        rows = session.execute(
            select(
                ProductRequest.status,
                ProductRequest.expires_at,
                ProductRequest.decided_at,
                ProductRequest.total_minor,
            ).where(ProductRequest.brand_id == brand.id)
        ).all()
    tally = dict.fromkeys(SUMMARY_IDS, 0)
    for status, expires_at, decided_at, total in rows:
        if status == states.PENDING and expires_at <= now:
            status = states.EXPIRED
        if status in states.WAS_APPROVED:  # shipped, delivered, … still count as approved
            status = states.APPROVED
        if status == states.PENDING:
            keys = ["pending"]
        elif status in (states.APPROVED, states.DENIED, states.EXPIRED):
            keys = [f"{status}-all"]
            if (decided_at or expires_at) >= now - timedelta(days=30):
                keys.append(f"{status}-30d")
        else:  # withdrawn: not in the summary
            keys = []
        for key in keys:
            tally[f"{key}-count"] += 1
            tally[f"{key}-value"] += total
    return {
        key: money(value, currency) if key.endswith("-value") else str(value)
        for key, value in tally.items()
    }


def shown_summary(page: Page) -> dict[str, str]:
    tiles = page.get_by_role("region", name="Summary")
    return {key: tiles.get_by_test_id(key).inner_text().strip() for key in SUMMARY_IDS}


def card(page: Page, request_id: int) -> Locator:
    """The pending list's card of one request."""
    return page.locator(f'article[aria-labelledby="req-{request_id}"]')


def total_of(stack: Stack, request_id: int) -> int:
    with stack.widget_app.app_context():
        return session.get(ProductRequest, request_id).total_minor


def outbox(stack: Stack, request_id: int) -> list[OutboxMessage]:
    with stack.widget_app.app_context():
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.request_id == request_id)
            .order_by(OutboxMessage.id)
        ).all()
        session.expunge_all()
        return list(rows)


def archive_rows(page: Page) -> list[dict[str, str]]:
    """The archive table as ``{id, influencer, status, total}`` per row."""
    return page.locator("table.archive tbody tr:has(a)").evaluate_all(
        """rows => rows.map(row => ({
            id: row.querySelector('a').getAttribute('href').split('/').pop(),
            influencer: row.querySelector('a').textContent.trim(),
            total: row.cells[2].textContent.trim(),
            status: row.cells[3].textContent.trim(),
        }))"""
    )


def screenshots(page: Page, name: str) -> None:
    """Full-page shots at desktop and phone width; the layout never scrolls sideways."""
    ARTIFACTS.mkdir(exist_ok=True)
    desktop = page.viewport_size
    for suffix, size in (("", desktop), ("-mobile", {"width": 390, "height": 844})):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"{name}{suffix}.png"), full_page=True)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name}{suffix}: the page is {overflow}px too wide"
    page.set_viewport_size(desktop)


# --- 1. sign-in -------------------------------------------------------------------------


def test_sign_in_through_the_form_and_sign_out(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.widget_url}/review/archive")
    expect(page).to_have_url(f"{stack.widget_url}/review/login?next=/review/archive?")

    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("That email and password do not match.")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)

    # The form keeps the email; the password is typed again. Back to where we were going.
    expect(page.get_by_label("Email")).to_have_value(EMAIL)
    expect(page.get_by_label("Password")).to_have_value("")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{stack.widget_url}/review/archive")
    expect(page.locator(".who")).to_contain_text(f"Northwind Supply · {EMAIL}")
    assert "dots_review" not in page.evaluate("document.cookie"), "cookie readable by scripts"

    page.get_by_role("link", name="Requests").click()
    expect(page).to_have_url(f"{stack.widget_url}/review/")
    expect(page.get_by_role("heading", name="Pending requests")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{stack.widget_url}/review/login")
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.goto(f"{stack.widget_url}/review/")
    expect(page).to_have_url(f"{stack.widget_url}/review/login?next=/review/?")
    expect(page.get_by_role("heading", name="Sign in to review requests")).to_be_visible()


# --- 2. summary -------------------------------------------------------------------------


@on_every_database
def test_summary_numbers_match_the_database(page: Page, stack: Stack) -> None:
    link_id, _name, _email = influencer(stack, "Summary Sam")
    now = clock.now()
    # Old enough to count all-time only: approved 40 days ago, expired 41 days ago.
    with clock.frozen_at(now - timedelta(days=40)):
        old_approved = stack.submit_request(link_id, ["harbour-rain-jacket"])
        decide(stack, old_approved, states.APPROVED)
    with clock.frozen_at(now - timedelta(days=50)):
        old_expired = stack.submit_request(link_id, ["weekend-oat-jacket"])
    with clock.frozen_at(now - timedelta(days=41, hours=-1)):
        decide(stack, old_expired, states.EXPIRED, actor="system")  # as the sweeper would
    denied = stack.submit_request(link_id, ["nordic-blush-scarf"])
    decide(stack, denied, states.DENIED, "Budget")
    pending = stack.submit_request(link_id, ["crew-sock-3-pack"])
    # Submitted last (a new submission expires the influencer's overdue ones):
    # overdue since yesterday and not swept, so still "pending" in the table.
    with clock.frozen_at(now - timedelta(days=10)):
        overdue = stack.submit_request(link_id, ["meadow-sky-backpack"])
    with stack.widget_app.app_context():
        assert session.get(ProductRequest, overdue).status == states.PENDING

    sign_in(page, stack)
    shown = shown_summary(page)
    expected = db_summary(stack)
    assert shown == expected
    # The seeded data tells "last 30 days" from "all time" apart.
    assert parse_money(shown["approved-all-value"]) - parse_money(shown["approved-30d-value"]) >= (
        total_of(stack, old_approved)
    )
    assert int(shown["expired-all-count"]) >= int(shown["expired-30d-count"]) + 1
    # The pending list agrees: the fresh request is there, the overdue one is not.
    expect(card(page, pending)).to_be_visible()
    expect(card(page, pending).locator(".expires")).to_have_text("expires in 9 days")
    expect(card(page, overdue)).to_have_count(0)
    expect(page.locator("article.request")).to_have_count(min(int(shown["pending-count"]), 25))
    screenshots(page, "review-requests")


# --- 3. approve, deny, email ------------------------------------------------------------


@on_every_database
def test_approve_deny_and_email_from_the_page(page: Page, stack: Stack) -> None:
    link_id, name, email = influencer(stack, "Decision Dana")
    to_approve = stack.submit_request(link_id, ["everyday-organic-tee", "market-canvas-tote"])
    to_deny = stack.submit_request(link_id, ["aero-wool-scarf"])
    to_email = stack.submit_request(link_id, ["harbor-wool-beanie"])
    sign_in(page, stack)
    before = shown_summary(page)
    assert before == db_summary(stack)

    # Approve: a success message, the card leaves the list, the summary moves by one.
    expect(card(page, to_approve)).to_contain_text("Everyday Organic Tee")
    card(page, to_approve).get_by_role("link", name="Approve…").click()
    page.get_by_role("button", name=f"Approve and email {name}").click()
    expect(page.get_by_role("status")).to_have_text(f"Approved. We emailed {name}.")
    expect(page).to_have_url(f"{stack.widget_url}/review/")
    expect(card(page, to_approve)).to_have_count(0)
    expect(card(page, to_deny)).to_be_visible()
    after = shown_summary(page)
    value = total_of(stack, to_approve)
    assert int(after["pending-count"]) == int(before["pending-count"]) - 1
    assert int(after["approved-30d-count"]) == int(before["approved-30d-count"]) + 1
    assert int(after["approved-all-count"]) == int(before["approved-all-count"]) + 1
    assert parse_money(after["pending-value"]) == parse_money(before["pending-value"]) - value
    assert parse_money(after["approved-30d-value"]) == parse_money(before["approved-30d-value"]) + (
        value
    )
    assert after == db_summary(stack)

    # Deny: the form is behind the "Deny…" disclosure; a reason from the list plus a note.
    deny = card(page, to_deny)
    expect(deny.get_by_role("button", name="Deny request")).to_be_hidden()
    deny.get_by_text("Deny…").click()
    deny.get_by_label("Reason").select_option(label="Gifting budget used up")
    deny.get_by_label("Note (optional)").fill("Try us again in spring!")
    deny.get_by_role("button", name="Deny request").click()
    expect(page.get_by_role("status")).to_have_text(f"Denied. We emailed {name}.")
    expect(card(page, to_deny)).to_have_count(0)
    denied = shown_summary(page)
    assert int(denied["pending-count"]) == int(after["pending-count"]) - 1
    assert int(denied["denied-30d-count"]) == int(after["denied-30d-count"]) + 1
    assert int(denied["denied-all-count"]) == int(after["denied-all-count"]) + 1
    assert denied == db_summary(stack)

    # Message: from the card to the detail page's thread; kept on the timeline.
    card(page, to_email).get_by_role("link", name="Message influencer").click()
    expect(page).to_have_url(f"{stack.widget_url}/review/requests/{to_email}#messages")
    expect(page.get_by_role("heading", name=f"Messages with {name}")).to_be_visible()
    message = "Hi! Which size do you usually wear?\nWe have the beanie in Rust and Sky."
    page.get_by_role("textbox", name=re.compile("^Message to")).fill(message)
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("status")).to_have_text(
        f"Message sent. We emailed {name} a link to it."
    )
    expect(page.locator(".thread .thread-body")).to_have_text(message)
    written = page.locator("ol.timeline li").filter(has_text="message by")
    expect(written).to_have_count(1)
    expect(written).to_contain_text(f"message by {EMAIL}")
    screenshots(page, "review-detail")

    # The approved request's own page shows who approved it, and no actions any more.
    page.goto(f"{stack.widget_url}/review/requests/{to_approve}")
    expect(page.locator("h1 .status")).to_have_text("approved")
    expect(page.locator("ol.timeline li").filter(has_text="approved")).to_contain_text(
        f"approved by {EMAIL}"
    )
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)

    with stack.widget_app.app_context():
        statuses = {
            rid: session.get(ProductRequest, rid).status for rid in (to_approve, to_deny, to_email)
        }
    assert statuses == {to_approve: "approved", to_deny: "denied", to_email: "pending"}
    approved_mail = [m for m in outbox(stack, to_approve) if m.template != "request_submitted"]
    assert [(m.template, m.to_addr, m.reply_to) for m in approved_mail] == [
        ("request_approved", email, NOTIFY)
    ]
    denied_mail = [m for m in outbox(stack, to_deny) if m.template != "request_submitted"]
    assert [(m.template, m.to_addr) for m in denied_mail] == [("request_denied", email)]
    assert "Our gifting budget for this period is used up" in denied_mail[0].text_body
    assert "Try us again in spring!" in denied_mail[0].text_body
    brand_mail = [m for m in outbox(stack, to_email) if m.template != "request_submitted"]
    assert [(m.template, m.to_addr, m.reply_to) for m in brand_mail] == [
        ("brand_message", email, NOTIFY)
    ]
    assert message in brand_mail[0].text_body.replace("\r\n", "\n")


# --- 4. archive -------------------------------------------------------------------------


@pytest.fixture
def archived(stack: Stack) -> dict[str, object]:
    """One influencer with an approved, a denied and an (unswept) expired request."""
    link_id, name, email = influencer(stack, "Archive Avery")
    approved = stack.submit_request(link_id, ["everyday-organic-tee"])
    decide(stack, approved, states.APPROVED)
    denied = stack.submit_request(link_id, ["aero-wool-scarf", "crew-sock-3-pack"])
    decide(stack, denied, states.DENIED, "Not the right fit for our brand right now")
    with clock.frozen_at(clock.now() - timedelta(days=10)):  # overdue, not swept
        expired = stack.submit_request(link_id, ["market-canvas-tote"])
    with stack.widget_app.app_context():
        expired_day = session.get(ProductRequest, expired).submitted_at.date()
    return {
        "name": name,
        "email": email,
        "approved": approved,
        "denied": denied,
        "expired": expired,
        "expired_day": expired_day.isoformat(),
    }


FILTER_LABELS = {
    "start": "From",
    "end": "To",
    "influencer": "Influencer",
    "product": "Product",
    "q": "Search",
}


def filter_archive(page: Page, **fields: str) -> None:
    """Fill the filter form (an empty string clears a field) and submit it."""
    form = page.get_by_role("search")
    for key, value in fields.items():
        if key == "status":
            form.get_by_label("Status").select_option(value=value)
        else:
            form.get_by_label(FILTER_LABELS[key]).fill(value)
    with page.expect_navigation():
        form.get_by_role("button", name="Filter").click()


def ids(page: Page) -> list[int]:
    return [int(row["id"]) for row in archive_rows(page)]


@on_every_database
def test_archive_filters_and_csv_export(page: Page, stack: Stack, archived: dict) -> None:
    sign_in(page, stack)
    page.get_by_role("link", name="Archive").click()
    expect(page.get_by_role("heading", name="Archive")).to_be_visible()
    # Newest first: the two decided today lead the unfiltered archive.
    shown = ids(page)
    assert shown[:2] == [archived["denied"], archived["approved"]]
    with stack.widget_app.app_context():
        brand_id = find_brand(BRAND).id
        pending_ids = set(
            session.scalars(
                select(ProductRequest.id).where(
                    ProductRequest.brand_id == brand_id,
                    ProductRequest.status == states.PENDING,
                    ProductRequest.expires_at > clock.now(),
                )
            )
        )
    assert not pending_ids & set(shown), "a pending request is in the archive"

    mine = [archived["denied"], archived["approved"], archived["expired"]]
    filter_archive(page, influencer=archived["name"])
    assert ids(page) == mine
    assert {row["influencer"] for row in archive_rows(page)} == {archived["name"]}
    assert [row["status"] for row in archive_rows(page)] == ["denied", "approved", "expired"]

    filter_archive(page, status="denied")
    assert ids(page) == [archived["denied"]]
    expect(page.get_by_role("search").get_by_label("Influencer")).to_have_value(archived["name"])
    filter_archive(page, status="expired")
    assert ids(page) == [archived["expired"]]

    filter_archive(page, status="", product="wool scarf")
    assert ids(page) == [archived["denied"]]
    filter_archive(page, product="everyday-organic")  # by handle too
    assert ids(page) == [archived["approved"]]

    filter_archive(page, product="", start=archived["expired_day"], end=archived["expired_day"])
    assert ids(page) == [archived["expired"]]
    filter_archive(page, start="", end="", influencer="")

    # Search matches the influencer's email or a product, across the whole archive.
    filter_archive(page, q=archived["email"])
    assert ids(page) == mine
    filter_archive(page, q="no such thing anywhere")
    expect(page.locator("table.archive td.empty")).to_have_text("No decided requests match.")

    # The CSV holds exactly the filtered list.
    filter_archive(page, q="", influencer=archived["email"], status="")
    table = archive_rows(page)
    screenshots(page, "review-archive")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert download.value.suggested_filename.startswith(f"{BRAND}-requests-")
    assert download.value.suggested_filename.endswith(".csv")
    with open(download.value.path(), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [
        (int(r["id"]), r["influencer"], r["status"], f"{r['total']} {r['currency']}") for r in rows
    ] == [(int(t["id"]), t["influencer"], t["status"], t["total"]) for t in table]
    assert {r["email"] for r in rows} == {archived["email"]}
    denied_row = next(r for r in rows if int(r["id"]) == archived["denied"])
    assert "Ærø Wool Scarf" in denied_row["items"] and "Crew Sock 3-Pack" in denied_row["items"]

    filter_archive(page, status="approved")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    with open(download.value.path(), newline="", encoding="utf-8") as f:
        assert [int(r["id"]) for r in csv.DictReader(f)] == [archived["approved"]]


# --- 5. hostile input -------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'
HOSTILE_NAME = f"Eve {SCRIPT}{IMG}{SVG}"
HOSTILE_MESSAGE = f"Hello {SCRIPT}\n{IMG}\n{SVG} ' onmouseover='alert(1)"
HOSTILE_LINKS = [
    'https://example.com/?q="><svg/onload=alert(1)>',
    "https://example.com/'\"><script>alert(1)</script>",
]


def assert_inert(page: Page, dialogs: list[str]) -> None:
    """No dialog fired and nothing the payloads could inject exists in the DOM."""
    assert dialogs == []
    expect(page.locator("script")).to_have_count(0)  # the review pages use no script
    expect(page.locator('img[src="x"]')).to_have_count(0)
    expect(page.locator("svg")).to_have_count(0)
    expect(page.locator("[onerror], [onload], [onmouseover]")).to_have_count(0)
    assert page.evaluate("() => window.__xss === undefined")


def test_hostile_influencer_input_is_inert_text(page: Page, stack: Stack) -> None:
    # A payload that does not need a dialog to be seen.
    flag = "<img src=x onerror=window.__xss=1>"
    link_id, _name, _email = influencer(
        stack,
        "",
        name=HOSTILE_NAME,
        handles=[
            {"platform": "instagram", "handle": f"eve{IMG}", "followers": 1200},
            {"platform": "tiktok", "handle": SVG, "followers": 99},
        ],
    )
    publish_on = clock.now().date() + timedelta(days=5)
    request_id = stack.submit_request(
        link_id,
        ["coastline-6-panel-cap"],
        proposal={
            "content_types": ["post"],
            "platforms": ["instagram"],
            "publish_on": publish_on,
            "message": HOSTILE_MESSAGE + flag,
            "links": HOSTILE_LINKS,
        },
        shipping_address={
            "name": SCRIPT,
            "line1": IMG + flag,
            "line2": SVG,
            "city": "Lisbon </address><script>alert(1)</script>",
            "region": "",
            "postal_code": "1100-053",
            "country": "PT",
            "phone": "",
        },
    )
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    sign_in(page, stack)

    pending = card(page, request_id)
    expect(pending.get_by_role("heading", level=2)).to_have_text(f"{HOSTILE_NAME} PT")
    expect(pending.locator(".message")).to_have_text(HOSTILE_MESSAGE + flag)
    expect(pending.locator(".handles")).to_contain_text(f"@eve{IMG}")
    expect(pending.locator(".handles")).to_contain_text(f"@{SVG}")
    links = pending.locator(".proposal a")
    expect(links).to_have_count(2)
    for index, url in enumerate(HOSTILE_LINKS):
        expect(links.nth(index)).to_have_text(url)
        expect(links.nth(index)).to_have_attribute("href", url)
    expect(pending.get_by_text(SCRIPT, exact=False).first).to_be_visible()
    assert_inert(page, dialogs)

    pending.get_by_role("link", name=HOSTILE_NAME).click()
    expect(page).to_have_url(f"{stack.widget_url}/review/requests/{request_id}")
    assert page.title() == f"Request from {HOSTILE_NAME} · Dots"
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{HOSTILE_NAME} PT pending")
    expect(page.get_by_role("heading", name=f"Messages with {HOSTILE_NAME}")).to_be_visible()
    expect(page.locator(".message")).to_have_text(HOSTILE_MESSAGE + flag)
    expect(page.locator(".record")).to_have_text("At Northwind Supply: 1 request · 0 approved")
    # Pending: city and country only (the street shows once approved, below).
    expect(page.locator("address")).to_have_text("Lisbon </address><script>alert(1)</script>, PT")
    assert_inert(page, dialogs)
    screenshots(page, "review-detail-hostile")

    # Denied, with the payload echoed in the note: timeline and archive stay inert.
    page.get_by_text("Deny…").click()
    page.get_by_label("Note (optional)").fill(f"No thanks {SCRIPT}{IMG}")
    page.get_by_role("button", name="Deny request").click()
    expect(page.get_by_role("status")).to_have_text(f"Denied. We emailed {HOSTILE_NAME}.")
    expect(page.locator("ol.timeline blockquote")).to_have_text(f"No thanks {SCRIPT}{IMG}")
    assert_inert(page, dialogs)
    page.get_by_role("link", name="Archive").click()
    filter_archive(page, influencer="Eve <script>")
    assert ids(page) == [request_id]
    expect(page.locator("table.archive tbody a")).to_have_text(HOSTILE_NAME)
    expect(page.get_by_role("search").get_by_label("Influencer")).to_have_value("Eve <script>")
    assert_inert(page, dialogs)
    with stack.widget_app.app_context():
        assert (
            session.scalar(
                select(Influencer.name)
                .join(ProductRequest, ProductRequest.influencer_id == Influencer.id)
                .where(ProductRequest.id == request_id)
            )
            == HOSTILE_NAME
        )
        kinds = session.scalars(
            select(RequestEvent.kind).where(RequestEvent.request_id == request_id)
        ).all()
    assert kinds == ["submitted", "denied"]

    # Approved, shipping to the same hostile address (copied by use_saved): all of it, inert.
    approved_id = stack.submit_request(
        link_id, ["harbor-wool-beanie"], shipping_address={"use_saved": "this_store"}
    )
    stack.decide(approved_id, "approved")
    page.goto(f"{stack.widget_url}/review/requests/{approved_id}")
    address = page.locator("address")
    for text in (SCRIPT, IMG + flag, SVG, "Lisbon </address><script>alert(1)</script>"):
        expect(address).to_contain_text(text)
    assert_inert(page, dialogs)
