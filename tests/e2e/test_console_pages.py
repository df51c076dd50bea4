"""The brand console in a real browser (#10 items 3-5): settings, catalog, team, password reset.

Each test makes a brand of its own on the shared stack, so what it changes
(limits, origins, team) never reaches the other browser tests. Every page is
scanned with axe and shot at 1280 and 390 px, neither scrolling sideways.
Emails go through the outbox and the real test SMTP server; the links in
them are opened as a person would.
"""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import uuid4

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import ARTIFACTS, on_every_database
from tests.e2e.stack import Stack
from tests.smtp_server import MAIL_FROM, SmtpServer
from widget_server.brands.services import add_brand_user, create_brand, find_brand
from widget_server.catalog.models import Product
from widget_server.catalog.sync import sync_catalog
from widget_server.console.models import AuditEntry
from widget_server.db import session
from widget_server.notifications.sender import send_due
from widget_server.product_requests.models import ProductRequest

PASSWORD = "console-owner-1"
SET_LINK = re.compile(r"https?://[^\s]+/review/password/set/[\w-]+")


def console_brand(stack: Stack, synced: bool = True) -> tuple[str, str]:
    """A new brand on the stack's demo store with one owner: ``(slug, owner email)``."""
    slug = f"console-{uuid4().hex[:8]}"
    email = f"owner@{slug}.example"
    with stack.widget_app.app_context():
        brand = create_brand(
            {
                "slug": slug,
                "name": "Harbor & Co",
                "allowed_origins": [stack.store_url],
                "notify_email": f"requests@{slug}.example",
            }
        )
        add_brand_user(brand, email, PASSWORD)
        if synced:
            sync_catalog(brand, f"{stack.store_url}/products.json")
        session.commit()
    return slug, email


def sign_in(page: Page, stack: Stack, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{stack.widget_url}/review/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{stack.widget_url}/review/")


def check_page(page: Page, name: str) -> None:
    """axe finds nothing serious; 1280 and 390 px shots, neither wider than the window.

    And no ``style`` attribute: the review pages' CSP (no inline style) would drop it.
    """
    expect(page.locator("[style]")).to_have_count(0)
    assert_accessible(page)
    ARTIFACTS.mkdir(exist_ok=True)
    desktop = page.viewport_size
    for suffix, size in (
        ("", {"width": 1280, "height": 900}),
        ("-390", {"width": 390, "height": 844}),
    ):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"console-{name}{suffix}.png"), full_page=True)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name}{suffix}: the page is {overflow}px too wide"
        assert_accessible(page)
    page.set_viewport_size(desktop)


def deliver(stack: Stack, smtp: SmtpServer) -> None:
    """Run the outbox sender once against the test SMTP server."""
    config = stack.widget_app.config
    saved = config.get("SMTP_URL"), config.get("MAIL_FROM")
    config.update(SMTP_URL=smtp.url, MAIL_FROM=MAIL_FROM)
    try:
        with stack.widget_app.app_context():
            send_due()
    finally:
        config.update(SMTP_URL=saved[0], MAIL_FROM=saved[1])


def link_in_mail(smtp: SmtpServer, to: str) -> str:
    (message,) = [m for m in smtp.messages if to in m.rcpt_tos]
    match = SET_LINK.search(message.part("plain"))
    assert match, message.part("plain")
    return match.group(0)


def audit_fields(stack: Stack, slug: str) -> list[tuple[str, str | None, str | None]]:
    with stack.widget_app.app_context():
        brand = find_brand(slug)
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.brand_id == brand.id).order_by(AuditEntry.id)
        )
        return [(row.field, row.old, row.new) for row in rows]


@on_every_database
def test_settings_pages_change_what_they_say_and_are_audited(
    page: Page, stack: Stack, browser: Browser
) -> None:
    slug, owner = console_brand(stack)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, stack, owner)
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Store origins")).to_be_visible()

    # Store origins: add one, copy the snippet, open the install check.
    page.get_by_role("textbox", name=re.compile("^Store origin")).fill(
        "https://Shop.Harbor.example/"
    )
    page.get_by_role("button", name="Add origin").click()
    expect(page.get_by_role("status")).to_contain_text("Added https://shop.harbor.example")
    expect(page.get_by_test_id("origins")).to_contain_text("https://shop.harbor.example")
    page.get_by_role("button", name="Copy script tag").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert (
        copied == f'<script async src="{stack.widget_url}/v1/dots.js" data-brand="{slug}"></script>'
    )
    # The install check opens the store in a new tab through a preview link of #7
    # (the loader then takes the token out of the address bar).
    with (
        page.context.expect_event(
            "response", lambda r: "/review/settings/store/check" in r.url
        ) as answer,
        page.expect_popup() as popup,
    ):
        page.get_by_test_id("origins").get_by_role(
            "link", name=re.compile("Install check")
        ).first.click()
    assert answer.value.headers["location"].startswith(f"{stack.store_url}/#dots=")
    preview = popup.value
    preview.wait_for_load_state()
    assert preview.url.startswith(f"{stack.store_url}/")
    preview.close()
    page.get_by_role("textbox", name=re.compile("^Store origin")).fill("not a url")
    page.get_by_role("button", name="Add origin").click()
    expect(page.get_by_role("textbox", name=re.compile("^Store origin"))).to_have_attribute(
        "aria-invalid", "true"
    )
    check_page(page, "store")

    # Store connection: the webhook's signing secret and the API key, each shown once.
    page.get_by_role("textbox", name=re.compile("^Webhook URL")).fill(
        "https://orders.harbor.example/dots"
    )
    page.get_by_role("button", name="Save webhook").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Events now go to https://orders.harbor.example/dots"
    )
    secret = page.get_by_role("textbox", name=re.compile("Webhook signing secret"))
    expect(secret).to_have_value(re.compile(r"^\S{32,}$"))
    page.get_by_role("button", name="Make a key").click()
    expect(page.get_by_role("textbox", name=re.compile("Store API key"))).to_have_value(
        re.compile("^dots_sk_")
    )
    page.get_by_role("button", name="Copy store api key").click()
    assert page.evaluate("navigator.clipboard.readText()").startswith("dots_sk_")
    check_page(page, "store-connection")
    page.goto(f"{stack.widget_url}/review/settings/store")  # shown once: not again
    expect(page.get_by_role("textbox", name=re.compile("Store API key"))).to_have_count(0)
    page.get_by_role("textbox", name=re.compile("^Webhook URL")).fill("")
    page.get_by_role("button", name="Save webhook").click()
    expect(page.get_by_role("status").first).to_contain_text("The webhook is removed.")

    # Request policy: the next request expires after the new number of days.
    page.get_by_role("link", name="Request policy").click()
    page.get_by_label("Days before a pending request expires").fill("4")
    page.get_by_label("Most items in one request").fill("2")
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_role("status")).to_have_text(
        "Saved. The next request follows the new policy."
    )
    expect(page.get_by_label("Days before a pending request expires")).to_have_value("4")
    check_page(page, "policy")
    invite = stack.invite(brand=slug)
    with stack.widget_app.app_context():
        handle = session.scalars(
            select(Product.handle)
            .where(Product.brand_id == find_brand(slug).id)
            .order_by(Product.id)
        ).first()
    request_id = stack.submit_request(invite.link_id, [handle])
    with stack.widget_app.app_context():
        r = session.get(ProductRequest, request_id)
        assert r.expires_at - r.submitted_at == timedelta(days=4)

    # Notifications.
    page.get_by_role("link", name="Notifications").click()
    page.get_by_label("Addresses for new requests").fill(
        f"requests@{slug}.example\nceo@{slug}.example"
    )
    page.get_by_label("One daily digest instead of an email per request").check()
    page.get_by_label("Sender name of emails to influencers").fill("Harbor Gifting")
    page.get_by_role("button", name="Save notifications").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.get_by_label("One daily digest instead of an email per request")).to_be_checked()
    check_page(page, "notifications")

    # Products: search, exclude, the tag shows.
    page.get_by_role("link", name="Products").click()
    page.get_by_label("Search products").fill(handle.split("-")[0])
    page.get_by_role("button", name="Search").click()
    row = page.locator(f'li[data-handle="{handle}"]')
    row.get_by_role("button", name=re.compile("^Exclude")).click()
    expect(page.locator(f'li[data-handle="{handle}"] .tag.excluded')).to_be_visible()
    with stack.widget_app.app_context():
        product = session.scalars(
            select(Product).where(Product.handle == handle, Product.brand_id == find_brand(slug).id)
        ).one()
        assert product.excluded
    check_page(page, "products")

    # The audit log lists every change, with who made it.
    page.get_by_role("link", name="Audit log").click()
    log = page.get_by_test_id("audit")
    expect(log).to_contain_text("store: store origin")
    expect(log).to_contain_text("request policy: expiry days")
    expect(log).to_contain_text("notifications: daily digest")
    expect(log).to_contain_text(f"products: product {handle}")
    expect(log).to_contain_text(owner)
    check_page(page, "audit")
    fields = [field for field, _old, _new in audit_fields(stack, slug)]
    assert "expiry days" in fields and "addresses for new requests" in fields


@on_every_database
def test_catalog_page_syncs_now_and_shows_the_result(page: Page, stack: Stack) -> None:
    slug, owner = console_brand(stack, synced=False)
    sign_in(page, stack, owner)
    page.get_by_role("link", name="Catalog").click()
    expect(page.get_by_test_id("catalog-counts")).to_have_text("0 products in the catalog.")
    page.get_by_label("Catalog source URL").fill(f"{stack.store_url}/products.json")
    page.get_by_label("Format").select_option("shopify")
    page.get_by_role("button", name="Save source").click()
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Synced: {stack.product_count} added")
    expect(page.get_by_test_id("sync-result")).to_contain_text("worked")
    expect(page.get_by_test_id("catalog-counts")).to_have_text(
        f"{stack.product_count} products in the catalog."
    )
    check_page(page, "catalog")

    # While a sync runs the button says so and a second click sends nothing (the
    # submission is held here so the busy state can be seen).
    page.evaluate(
        """() => document.querySelector("[data-sync-form]")
            .addEventListener("submit", (event) => event.preventDefault())"""
    )
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("[data-sync-form]")).to_have_attribute("aria-busy", "true")
    expect(page.locator("[data-sync-form] button")).to_have_text("Syncing… this can take a minute")
    expect(page.locator("[data-sync-note]")).to_have_text("Reading the catalog from your store…")
    page.reload()

    page.get_by_label("Catalog source URL").fill(f"{stack.store_url}/no-such-feed.json")
    page.get_by_role("button", name="Save source").click()
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_role("alert")).to_contain_text("The sync failed and changed nothing")
    expect(page.get_by_test_id("catalog-counts")).to_have_text(
        f"{stack.product_count} products in the catalog."
    )


@on_every_database
def test_team_invite_member_403_and_removal(
    page: Page, stack: Stack, browser: Browser, smtp: SmtpServer
) -> None:
    slug, owner = console_brand(stack, synced=False)
    sign_in(page, stack, owner)
    page.get_by_role("link", name="Team").click()
    teammate = f"pat@{slug}.example"
    page.get_by_label("Email").fill(teammate)
    page.get_by_label("Role").select_option("member")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text(f"Invitation emailed to {teammate}")
    expect(page.locator(f'li[data-email="{teammate}"]')).to_contain_text("invited")
    check_page(page, "team")

    deliver(stack, smtp)
    link = link_in_mail(smtp, teammate)
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        pat = other.new_page()
        pat.goto(link)
        expect(pat.get_by_role("heading", name="Welcome to Harbor & Co")).to_be_visible()
        expect(pat.locator('input[name="username"]')).to_be_hidden()  # for password managers
        check_page(pat, "set-password")
        pat.get_by_label("New password", exact=True).fill("pat-password-1")
        pat.get_by_label("New password again").fill("pat-password-1")
        pat.get_by_role("button", name="Set password and sign in").click()
        expect(pat).to_have_url(f"{stack.widget_url}/review/")
        expect(pat.get_by_role("link", name="Settings")).to_have_count(0)
        response = pat.goto(f"{stack.widget_url}/review/settings/store")
        assert response is not None and response.status == 403
        expect(pat.get_by_role("heading", name="403 · Forbidden")).to_be_visible()
        check_page(pat, "forbidden")
        pat.goto(link)
        expect(pat.get_by_role("heading", name="This link no longer works")).to_be_visible()

        # The owner removes Pat: Pat's next click lands on the sign-in page.
        page.reload()
        page.locator(f'li[data-email="{teammate}"]').get_by_role(
            "button", name=f"Remove {teammate}"
        ).click()
        expect(page.get_by_role("status")).to_contain_text(f"Removed {teammate}")
        pat.goto(f"{stack.widget_url}/review/")
        expect(pat).to_have_url(re.compile(r"/review/login\?next="))
    finally:
        other.close()


@on_every_database
def test_forgot_password_from_the_brands_sign_in_page(
    page: Page, stack: Stack, smtp: SmtpServer
) -> None:
    slug, owner = console_brand(stack, synced=False)
    page.goto(f"{stack.widget_url}/review/login/{slug}")
    expect(page.get_by_role("heading", name="Sign in to Harbor & Co")).to_be_visible()
    check_page(page, "brand-login")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Email").fill(owner)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("status")).to_contain_text(f"If {owner} has a sign-in")
    check_page(page, "forgot")

    deliver(stack, smtp)
    link = link_in_mail(smtp, owner)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password again").fill("short")
    page.get_by_role("button", name="Set password and sign in").click()
    expect(page.get_by_label("New password", exact=True)).to_have_attribute("aria-invalid", "true")
    page.get_by_label("New password", exact=True).fill("a-new-password-1")
    page.get_by_label("New password again").fill("a-new-password-1")
    page.get_by_role("button", name="Set password and sign in").click()
    expect(page).to_have_url(f"{stack.widget_url}/review/")
    page.goto(link)  # single use
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    check_page(page, "link-used")
