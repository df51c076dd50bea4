"""The whole loop in the browser: approve on the review page, ship and deliver from the demo
store's admin page, and every step back on the brand's timeline, through real webhooks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import assert_accessible
from tests.e2e.stack import BRAND_USER, Stack, start_stack
from tests.served import wait_until
from widget_server.brands.services import find_brand
from widget_server.db import session
from widget_server.influencers.models import InfluencerLink
from widget_server.product_requests import lifecycle
from widget_server.product_requests.models import ProductRequest
from widget_server.store_sync.keys import issue_api_key
from widget_server.store_sync.webhook_settings import set_webhook


@pytest.fixture(scope="module")
def synced_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose demo store is connected (API key, webhook) and served with the jobs."""
    workdir = tmp_path_factory.mktemp("store-sync")
    stack = start_stack(workdir, serve=False)
    try:
        with stack.widget_app.app_context():
            brand = find_brand("demo")
            key = issue_api_key(brand)
            set_webhook(brand, f"{stack.store_url}/webhooks/dots")
            secret = brand.webhook_secret
            session.commit()
        stack.servers[0].app.config.update(  # type: ignore[attr-defined]
            DEMO_STORE_API_KEY=key,
            DEMO_STORE_WEBHOOK_SECRET=secret,
            DEMO_STORE_DB=str(workdir / "store.sqlite3"),
        )
        stack.serve()  # the stack allows loopback webhooks (DOTS_ALLOW_PRIVATE_URLS)
        yield stack
    finally:
        stack.stop()


def status_of(stack: Stack, request_id: int) -> ProductRequest:
    with stack.widget_app.app_context():
        request = session.get(ProductRequest, request_id)
        session.expunge(request)
        return request


def test_approval_store_order_shipment_delivery_and_completion(
    page: Page, synced_stack: Stack
) -> None:
    stack = synced_stack
    _url, link_id = stack.influencer_link(name="Loop Lena")
    request_id = stack.submit_request(link_id, ["everyday-organic-tee"])

    # The brand approves on its review page.
    page.goto(f"{stack.widget_url}/review/login")
    page.get_by_label("Email").fill(BRAND_USER[0])
    page.get_by_label("Password").fill(BRAND_USER[1])
    page.get_by_role("button", name="Sign in").click()
    card = page.locator(f'article[aria-labelledby="req-{request_id}"]')
    card.get_by_role("link", name="Approve…").click()
    page.get_by_role("button", name="Approve and email Loop Lena").click()
    expect(page.get_by_role("status")).to_have_text("Approved. We emailed Loop Lena.")

    # The webhook reaches the store, which creates the gift order and reports it back.
    number = f"GIFT-{1000 + request_id}"
    wait_until(
        lambda: status_of(stack, request_id).order_number == number, "the store's order came back"
    )

    # The store ships and delivers from its admin page.
    page.goto(f"{stack.store_url}/admin/gifts")
    order = page.locator(f"#{number}")
    expect(order).to_contain_text("Loop Lena")
    assert_accessible(page)
    order.get_by_label("Tracking number").fill("1Z999AA10123456784")
    order.get_by_label("Tracking URL").fill("https://www.ups.com/track?tracknum=1Z999AA10123456784")
    order.get_by_role("button", name="Ship").click()
    expect(page.get_by_role("status")).to_have_text(f"{number}: shipped in Dots.")
    page.locator(f"#{number}").get_by_role("button", name="Delivered").click()
    expect(page.get_by_role("status")).to_have_text(f"{number}: delivered in Dots.")

    # The influencer sends the post; the brand accepts it.
    with stack.widget_app.app_context():
        link = session.get(InfluencerLink, link_id)
        lifecycle.submit_content(link, request_id, ["https://instagram.example/p/loop"])
        lifecycle.accept_content(request_id, BRAND_USER[0])
        session.commit()
    wait_until(
        lambda: ">completed<" in page.request.get(f"{stack.store_url}/admin/gifts").text(),
        "the store heard of the completion",
    )

    # Every step is on the brand's timeline.
    page.goto(f"{stack.widget_url}/review/requests/{request_id}")
    timeline = page.locator(".timeline")
    for step in ("approved", "order_created", "shipped", "delivered", "content_submitted"):
        expect(timeline).to_contain_text(step)
    expect(timeline).to_contain_text("completed")
    expect(timeline).to_contain_text("UPS · 1Z999AA10123456784")
    request = status_of(stack, request_id)
    assert (request.status, request.carrier) == ("completed", "UPS")
