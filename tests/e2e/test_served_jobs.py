"""``widget-server serve`` with its jobs, as the README's production section runs it.

The other browser tests serve with ``--no-jobs``: they look at overdue
requests that no sweeper has touched. Here ``serve`` also runs the email
sender and the expiry sweeper (its ``worker``), sending to a real SMTP server
(``tests/smtp_server.py``): a request left overdue is expired by the sweeper
and its influencer told by email, and a request sent in the browser reaches the
brand by email with a link to the served review page. Stopping ``serve`` must
end its gunicorn workers and its job runner too (``Stack.stop`` checks).
``widget-server worker`` alone: ``tests/test_worker.py``.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.stack import (
    dot_in_view,
    fill_address,
    fill_proposal,
    panel_of,
    start_stack,
)
from tests.served import wait_until
from tests.smtp_server import SmtpServer

BRAND_INBOX = "requests@northwind.example"  # the brand's notify address (stack.py)
BEANIE = "harbor-wool-beanie"


def test_serve_expires_overdue_requests_and_sends_the_emails(
    tmp_path: Path, smtp: SmtpServer, page: Page
) -> None:
    stack = start_stack(tmp_path, serve=False)
    try:
        late = stack.invite("/")
        overdue = stack.submit_request(late.link_id, [BEANIE])
        stack.make_overdue(overdue)
        assert stack.stored_requests(late.link_id)[0]["status"] == "pending"

        server = stack.serve(DOTS_SMTP_URL=smtp.url)  # jobs on: no --no-jobs
        server.wait_for_output("Worker running")
        # The sweeper runs at once when the worker starts, then every minute.
        wait_until(
            lambda: stack.stored_requests(late.link_id)[0]["status"] == "expired",
            "the sweeper expired the overdue request",
        )
        assert stack.stored_requests(late.link_id)[0]["events"] == ["submitted", "expired"]

        invite = stack.invite(f"/products/{BEANIE}")
        page.goto(invite.url)
        dot_in_view(page, BEANIE).click()
        panel = panel_of(page)
        fill_proposal(panel)
        fill_address(panel)
        panel.get_by_role("button", name="Send request").click()
        expect(panel.get_by_role("heading", name="Request sent")).to_be_visible()
        [sent] = stack.stored_requests(invite.link_id)

        wait_until(lambda: len(smtp.messages) >= 3, "the sender sent three emails", timeout=30)
        mail = {(m.rcpt_tos, str(m.message["Subject"])): m for m in smtp.messages}
        assert sorted(mail) == sorted(  # each once
            [
                ((BRAND_INBOX,), f"New product request from {late.name}"),
                ((late.email,), "Your product request to Northwind Supply expired"),
                ((BRAND_INBOX,), f"New product request from {invite.name}"),
            ]
        )
        assert len(smtp.messages) == len(mail)
        # Written by the served processes: links on DOTS_PUBLIC_URL, the served URL.
        brand_mail = mail[((BRAND_INBOX,), f"New product request from {invite.name}")]
        assert f"{stack.widget_url}/review/requests/{sent['id']}" in brand_mail.part("plain")
        # The worker's link opens the influencer's "My requests": same secret key, same token.
        expired_mail = mail[((late.email,), "Your product request to Northwind Supply expired")]
        assert f"{late.url}&dotsview=mine" in expired_mail.part("plain")
    finally:
        stack.stop()
