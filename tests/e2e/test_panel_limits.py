"""The request panel's own limits, checked in the browser before anything is sent.

Northwind Supply (the stack's brand) takes up to 3 items and $400.00 per
request. The panel says so as the bag changes, offers only quantities that
fit, never cuts a quantity the influencer chose, and sends nothing while the
bag is over a limit. The server checks again (``test_requests_api.py``); these
tests are about what the influencer sees first. Driven through the fake
overlay of ``panel_harness`` (the bag is the stored one each test starts from).
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import FrameLocator, Locator, Page, expect

from tests.e2e.panel_harness import Harness
from tests.e2e.stack import (
    Stack,
    bag_line,
    choose,
    fill_address,
    fill_proposal,
    widget_requests,
)

HOODIE, HOODIE_TITLE = "cafe-creme-hoodie", "Café Crème Hoodie"  # $84.00, XL $88.00
TEE, TEE_TITLE = "everyday-organic-tee", "Everyday Organic Tee"  # $47.00
JACKET, JACKET_TITLE = "harbour-rain-jacket", "Harbour Rain Jacket"  # $197.00, XL $201.00
TOO_MANY = (
    "Northwind Supply takes up to 3 items per request; you have {n}."
    " Lower a quantity or remove a product."
)
TOO_DEAR = (
    "Over Northwind Supply's limit of $400.00 per request. Remove a product or lower a quantity."
)


def line(stack: Stack, handle: str, title: str, quantity: int) -> dict[str, Any]:
    return {"handle": handle, "variant_id": stack.variant_id(handle, title), "quantity": quantity}


def open_bag(page: Page, stack: Stack, *lines: dict[str, Any]) -> tuple[FrameLocator, int]:
    """The panel of a new influencer on ``lines``, with the proposal and address filled."""
    invite = stack.invite("/")
    panel = Harness(page, stack, invite.url).open(lines=list(lines))
    fill_proposal(panel)
    fill_address(panel)
    return panel, invite.link_id


def quantities(bag_line: Locator) -> list[str]:
    """The quantities a line's select offers."""
    return bag_line.get_by_label("Quantity").locator("option").all_inner_texts()


def items_error(panel: FrameLocator) -> Locator:
    return panel.locator('[data-error-for="items"]')


def total_error(panel: FrameLocator) -> Locator:
    return panel.locator('[data-error-for="total"]')


def posts(seen: list[Any]) -> int:
    """How many of the widget requests ``seen`` sent a product request."""
    return sum(1 for r in seen if r.method == "POST" and r.url.endswith("/v1/requests"))


def test_too_many_items_are_said_offered_no_more_and_not_sent(page: Page, stack: Stack) -> None:
    seen = widget_requests(page, stack.widget_url)
    panel, link_id = open_bag(
        page,
        stack,
        line(stack, HOODIE, "M / Charcoal", 2),
        line(stack, TEE, "S / Sage", 2),
    )
    hoodie, tee = bag_line(panel, HOODIE_TITLE), bag_line(panel, TEE_TITLE)
    expect(panel.locator("#bag-limit")).to_have_text("Up to 3 items")
    expect(items_error(panel)).to_have_text(TOO_MANY.format(n=4))
    # The stored choices are shown as they are, not cut to fit.
    expect(hoodie.get_by_label("Quantity")).to_have_value("2")
    expect(tee.get_by_label("Quantity")).to_have_value("2")
    assert quantities(hoodie) == quantities(tee) == ["1", "2"]

    panel.get_by_role("button", name="Send request").click()
    expect(panel.get_by_role("alert")).to_be_visible()
    expect(items_error(panel)).to_have_text(TOO_MANY.format(n=4))
    assert posts(seen) == 0 and stack.stored_requests(link_id) == []

    choose(tee, Quantity="1")
    expect(items_error(panel)).to_be_hidden()
    # Three items now: the hoodie may keep its two, the tee may not grow.
    assert quantities(hoodie) == ["1", "2"] and quantities(tee) == ["1"]
    panel.get_by_role("button", name="Send request").click()
    expect(panel.get_by_role("heading", name="Request sent")).to_be_visible()
    [request] = stack.stored_requests(link_id)
    assert request["items"] == [
        (HOODIE, "M / Charcoal", 2),
        (TEE, "S / Sage", 1),
    ]


def test_the_total_over_the_value_limit_is_said_at_once_and_not_sent(
    page: Page, stack: Stack
) -> None:
    seen = widget_requests(page, stack.widget_url)
    panel, link_id = open_bag(page, stack, line(stack, JACKET, "M / Ochre", 2))
    jacket = bag_line(panel, JACKET_TITLE)
    expect(panel.locator("#max-value")).to_have_text("Limit $400.00 per request")
    expect(panel.locator("#total")).to_have_text("$394.00")
    expect(total_error(panel)).to_be_hidden()

    choose(jacket, Size="XL")  # $201.00 each: $402.00
    expect(panel.locator("#total")).to_have_text("$402.00")
    expect(total_error(panel)).to_have_text(TOO_DEAR)
    panel.get_by_role("button", name="Send request").click()
    expect(panel.get_by_role("alert")).to_be_visible()
    assert posts(seen) == 0 and stack.stored_requests(link_id) == []

    choose(jacket, Quantity="1")
    expect(panel.locator("#total")).to_have_text("$201.00")
    expect(total_error(panel)).to_be_hidden()
    panel.get_by_role("button", name="Send request").click()
    expect(panel.get_by_role("heading", name="Request sent")).to_be_visible()
    assert [r["items"] for r in stack.stored_requests(link_id)] == [[(JACKET, "XL / Ochre", 1)]]


def test_quantities_stop_at_ten_and_at_what_the_brand_takes(page: Page, stack: Stack) -> None:
    """A stored quantity over the API's 10 shows as 10; the choices are never fewer
    than the line has, and otherwise stop at what the item limit leaves."""
    panel, _ = open_bag(page, stack, line(stack, TEE, "S / Sage", 12))
    tee = bag_line(panel, TEE_TITLE)
    expect(tee.get_by_label("Quantity")).to_have_value("10")
    assert quantities(tee) == [str(n) for n in range(1, 11)]
    expect(items_error(panel)).to_have_text(TOO_MANY.format(n=10))

    choose(tee, Quantity="2")
    expect(items_error(panel)).to_be_hidden()
    expect(tee.get_by_label("Quantity").locator("option")).to_have_count(3)
    assert quantities(tee) == ["1", "2", "3"]
