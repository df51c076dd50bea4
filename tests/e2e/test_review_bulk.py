"""Many requests at once in a real browser: tick two pending requests, approve them together,
download the fulfilment CSV, fill in its tracking columns, upload it, check the preview,
confirm, and both are shipped. Every page on the way passes axe, works by keyboard and
fits 390 px without sideways scrolling (shots in test-artifacts/)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import assert_accessible
from tests.e2e.stack import BRAND, Stack
from tests.e2e.test_review_page import card, influencer, screenshots, sign_in
from tests.webhook_receiver import Receiver
from widget_server.brands.services import find_brand
from widget_server.db import session
from widget_server.notifications.sender import send_due
from widget_server.product_requests.models import ProductRequest
from widget_server.store_sync.webhook_settings import set_webhook


def send_webhooks(stack: Stack) -> None:
    """Run the outbox until nothing is due, as the served worker would (this stack serves
    without jobs). Until, not once: a run takes at most a batch and hands back what its
    time budget did not reach, and on a busy machine the module's earlier emails can
    fill a batch before these webhooks."""
    with stack.widget_app.app_context():
        allowed = stack.widget_app.config.get("ALLOW_PRIVATE_URLS")
        stack.widget_app.config["ALLOW_PRIVATE_URLS"] = True  # the receiver is on loopback
        try:
            for _ in range(50):  # failures are retried later, not again now: this ends
                if not send_due().claimed:
                    break
        finally:
            stack.widget_app.config["ALLOW_PRIVATE_URLS"] = allowed


@pytest.fixture
def receiver(stack: Stack) -> Iterator[Receiver]:
    """The brand's webhook pointed at a receiver for one test, removed afterwards."""
    receiver = Receiver().start()
    with stack.widget_app.app_context():
        set_webhook(find_brand(BRAND), receiver.url)
        session.commit()
    yield receiver
    with stack.widget_app.app_context():
        set_webhook(find_brand(BRAND), None)
        session.commit()
    receiver.stop()


def test_select_approve_export_upload_and_ship(
    page: Page, stack: Stack, receiver: Receiver
) -> None:
    link_id, name, _email = influencer(stack, "Bulk Zoë Müller")
    first = stack.submit_request(link_id, ["everyday-organic-tee", "market-canvas-tote"])
    second = stack.submit_request(link_id, ["aero-wool-scarf"])
    sign_in(page, stack)

    # Tick both by keyboard (Space on a focused checkbox), approve with Enter.
    expect(page.get_by_role("heading", name="Decide several at once")).to_be_visible()
    for rid in (first, second):
        box = card(page, rid).get_by_role("checkbox", name="Select")
        box.focus()
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    assert_accessible(page)
    screenshots(page, "review-bulk-pending")
    page.get_by_role("button", name="Approve selected").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text(
        f"Approved 2 requests (#{first}, #{second})"
    )
    expect(card(page, first)).to_have_count(0)
    expect(card(page, second)).to_have_count(0)
    send_webhooks(stack)  # both approvals reach the store

    # The fulfilment export: awaiting shipment by default, one row per item, with a BOM.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Fulfilment").click()
    expect(page.get_by_role("heading", name="Fulfilment", exact=True)).to_be_visible()
    assert_accessible(page)
    screenshots(page, "review-bulk-fulfilment")
    expect(page.get_by_label("Status")).to_have_value("approved")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    exported = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    mine = [row for row in exported if int(row["request id"]) in (first, second)]
    assert sorted(int(row["request id"]) for row in mine) == sorted([first, first, second])
    assert {row["influencer"] for row in mine} == {name}
    assert all(row["address line 1"] and row["status"] == "approved" for row in mine)

    # Fill in the tracking columns of the downloaded file, as a spreadsheet would.
    for row in mine:
        row["carrier"] = "DHL"
        row["tracking number"] = f"JD{row['request id']}"
        row["tracking url"] = f"https://dhl.example/track/JD{row['request id']}"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(exported[0]))
    writer.writeheader()
    writer.writerows(mine)
    page.get_by_label("CSV file").set_input_files(
        files=[
            {
                "name": "shipped.csv",
                "mimeType": "text/csv",
                "buffer": ("\ufeff" + out.getvalue()).encode("utf-8"),
            }
        ]
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("ship-summary")).to_have_text("2 requests ready to mark shipped.")
    # The first request's second item repeats its tracking: it ships once.
    expect(page.get_by_text(re.compile(r"^Same as line \d+$"))).to_be_visible()
    assert_accessible(page)
    screenshots(page, "review-bulk-preview")
    with stack.widget_app.app_context():
        assert session.get(ProductRequest, first).status == "approved"  # nothing yet
    page.get_by_role("button", name="Mark 2 requests shipped").click()
    expect(page.get_by_role("status").first).to_contain_text("Marked 2 requests shipped")
    receiver.status = 503  # the store is down when the shipments are sent
    send_webhooks(stack)
    with stack.widget_app.app_context():
        for rid in (first, second):
            shipped = session.get(ProductRequest, rid)
            assert (shipped.status, shipped.carrier, shipped.tracking_number) == (
                "shipped",
                "DHL",
                f"JD{rid}",
            )

    # The webhook log, reached from the fulfilment page.
    page.get_by_role("link", name="Webhook deliveries to your store").click()
    expect(page.get_by_role("heading", name="Webhook deliveries")).to_be_visible()
    log = page.get_by_test_id("deliveries")
    for rid in (first, second):
        row = log.locator("tr", has_text=re.compile(rf"#{rid}\b"))
        expect(row.filter(has_text="request.approved")).to_contain_text("delivered")
        expect(row.filter(has_text="request.shipped")).to_contain_text("retrying")
    expect(log).to_contain_text("HTTP 503")
    assert_accessible(page)
    screenshots(page, "review-bulk-webhooks")

    # The detail page shows the fuller track record.
    page.goto(f"{stack.widget_url}/review/requests/{first}")
    expect(page.get_by_test_id("track-record")).to_contain_text("2 requests · 2 approved")
