"""The brand's review pages: sign-in, tenancy, CSRF, summary, actions, archive, CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
from tests.review_helpers import csrf_token, login
from widget_server import clock
from widget_server.brands.services import add_brand_user
from widget_server.db import session
from widget_server.notifications.models import OutboxMessage
from widget_server.product_requests import states
from widget_server.product_requests.models import ProductRequest, RequestEvent

PASSWORD = "correct horse battery"


def _brand_with_requests(slug: str, influencer_name: str = "Ana Lima") -> SimpleNamespace:
    brand = make_brand(slug, max_items=5, max_value="1000.00")
    add_brand_user(brand, f"team@{slug}.example", PASSWORD)
    influencer = make_influencer(name=influencer_name)
    link, _ = make_link(brand, influencer)
    products = [make_product(brand, f"{slug}-p{i}", prices=(1000 * (i + 1),)) for i in range(5)]
    return SimpleNamespace(brand=brand, link=link, products=products, influencer=influencer)


@pytest.fixture
def shop(app, frozen_clock):
    """Two brands; acme has a request in every state, rival has one pending."""
    with app.app_context():
        acme = _brand_with_requests("acme")
        rival = _brand_with_requests("rival")
        v = [p.variants[0] for p in acme.products]
        acme.pending = make_request(acme.link, [v[0]])  # 10.00
        acme.pending2 = make_request(acme.link, [v[1]])  # 20.00
        acme.approved = make_request(acme.link, [v[2]])  # 30.00
        states.transition(acme.approved.id, states.APPROVED, "team@acme.example")
        acme.denied = make_request(acme.link, [v[3]])  # 40.00
        states.transition(acme.denied.id, states.DENIED, "team@acme.example", "Budget")
        session.commit()
        rival.pending = make_request(rival.link, [rival.products[0].variants[0]])
        return SimpleNamespace(acme=acme, rival=rival)


@pytest.fixture
def acme_client(client, shop):
    login(client, "team@acme.example", PASSWORD)
    return client


def test_pages_need_sign_in(client, shop):
    response = client.get("/review/")
    assert response.status_code == 302
    assert "/review/login?next=" in response.headers["Location"]


def test_wrong_password_is_refused(client, shop):
    response = client.post(
        "/review/login",
        data={"email": "team@acme.example", "password": "nope", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 200
    assert "do not match" in response.get_data(as_text=True)
    assert client.get("/review/").status_code == 302


def test_session_cookie_is_httponly_and_lax(client, shop):
    response = client.post(
        "/review/login",
        data={"email": "team@acme.example", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_in_is_rate_limited(client, shop):
    token = csrf_token(client)
    codes = [
        client.post(
            "/review/login",
            data={"email": "team@acme.example", "password": "wrong", "csrf_token": token},
        ).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429


def _rival_urls(shop):
    rid = shop.rival.pending.id
    return [
        ("get", f"/review/requests/{rid}"),
        ("post", f"/review/requests/{rid}/approve"),
        ("post", f"/review/requests/{rid}/deny"),
        ("post", f"/review/requests/{rid}/email"),
    ]


def test_another_brands_request_is_a_404_everywhere(acme_client, shop, app):
    token = csrf_token(acme_client, "/review/")
    for method, url in _rival_urls(shop):
        data = {"csrf_token": token, "message": "hi"} if method == "post" else None
        response = getattr(acme_client, method)(url, data=data)
        assert response.status_code == 404, (method, url)
        assert "Rival" not in response.get_data(as_text=True)
    with app.app_context():
        assert session.get(ProductRequest, shop.rival.pending.id).status == "pending"
        assert (
            session.scalar(
                select(func.count(RequestEvent.id)).where(
                    RequestEvent.request_id == shop.rival.pending.id
                )
            )
            == 1
        )


@pytest.mark.parametrize(
    "url", ["/review/login", "/review/logout", "/review/requests/{id}/approve",
            "/review/requests/{id}/deny", "/review/requests/{id}/email"],
)  # fmt: skip
def test_every_post_without_csrf_is_refused(acme_client, shop, app, url):
    response = acme_client.post(
        url.format(id=shop.acme.pending.id),
        data={"email": "team@acme.example", "password": PASSWORD, "message": "hi"},
    )
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    with app.app_context():
        assert session.get(ProductRequest, shop.acme.pending.id).status == "pending"


def test_summary_counts_and_values(acme_client, shop):
    html = acme_client.get("/review/").get_data(as_text=True)

    def value(testid):
        marker = f'data-testid="{testid}">'
        return html.split(marker, 1)[1].split("<", 1)[0]

    assert value("pending-count") == "2"
    assert value("pending-value") == "30.00 USD"
    assert value("approved-30d-count") == "1"
    assert value("approved-all-value") == "30.00 USD"
    assert value("denied-all-count") == "1"
    assert value("denied-30d-value") == "40.00 USD"
    assert value("expired-all-count") == "0"
    assert "Rival" not in html


def test_overdue_requests_count_as_expired_before_the_sweep(acme_client, shop):
    with clock.frozen_at(clock.now() + timedelta(days=9)):
        login(acme_client, "team@acme.example", PASSWORD)  # sessions end after 12 hours
        html = acme_client.get("/review/").get_data(as_text=True)
    assert 'data-testid="pending-count">0<' in html
    assert 'data-testid="expired-all-count">2<' in html
    assert "No pending requests" in html


def test_approve_emails_the_influencer_and_records_who(acme_client, shop, app):
    rid = shop.acme.pending.id
    token = csrf_token(acme_client, "/review/")
    response = acme_client.post(f"/review/requests/{rid}/approve", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert session.get(ProductRequest, rid).status == "approved"
        event = session.scalar(
            select(RequestEvent).where(
                RequestEvent.request_id == rid, RequestEvent.kind == "approved"
            )
        )
        assert event.actor == "team@acme.example"
        mails = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.request_id == rid)
            .order_by(OutboxMessage.id)  # PostgreSQL promises no order without it
        ).all()
        assert [m.template for m in mails] == ["request_submitted", "request_approved"]
        assert mails[1].to_addr == shop.acme.influencer.email
    again = acme_client.post(
        f"/review/requests/{rid}/approve", data={"csrf_token": token}, follow_redirects=True
    )
    assert "already approved by team@acme.example" in again.get_data(as_text=True)


def test_deny_with_reason(acme_client, shop, app):
    rid = shop.acme.pending.id
    token = csrf_token(acme_client, "/review/")
    reason = "Our gifting budget for this period is used up"
    response = acme_client.post(
        f"/review/requests/{rid}/deny",
        data={"csrf_token": token, "reason": reason, "details": "Try again in spring!"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert session.get(ProductRequest, rid).status == "denied"
        mail = session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.request_id == rid, OutboxMessage.template == "request_denied"
            )
        )
        assert reason in mail.text_body and "Try again in spring!" in mail.text_body
    bad = acme_client.post(
        f"/review/requests/{shop.acme.pending2.id}/deny",
        data={"csrf_token": token, "reason": "made up reason"},
    )
    assert bad.status_code == 400


def test_email_influencer_is_kept_on_the_timeline(acme_client, shop, app):
    rid = shop.acme.pending.id
    token = csrf_token(acme_client, f"/review/requests/{rid}")
    acme_client.post(
        f"/review/requests/{rid}/email",
        data={"csrf_token": token, "message": "Which size do you usually wear?"},
    )
    page = acme_client.get(f"/review/requests/{rid}").get_data(as_text=True)
    assert "Which size do you usually wear?" in page
    with app.app_context():
        mail = session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "brand_message")
        )
        assert mail.reply_to == "team@acme.example"
        assert mail.to_addr == shop.acme.influencer.email


def test_approving_an_overdue_request_is_refused(acme_client, shop, app):
    rid = shop.acme.pending.id
    with clock.frozen_at(clock.now() + timedelta(days=9, minutes=1)):
        login(acme_client, "team@acme.example", PASSWORD)  # sessions end after 12 hours
        token = csrf_token(acme_client, "/review/")
        page = acme_client.post(
            f"/review/requests/{rid}/approve", data={"csrf_token": token}, follow_redirects=True
        )
    assert "already expired" in page.get_data(as_text=True)
    with app.app_context():
        assert session.get(ProductRequest, rid).status == "pending"  # the sweeper will expire it


def test_archive_filters_and_csv(acme_client, shop):
    archive = acme_client.get("/review/archive").get_data(as_text=True)
    assert "Acme P2" in archive and "Acme P3" in archive and "Acme P0" not in archive
    only_denied = acme_client.get("/review/archive?status=denied").get_data(as_text=True)
    assert "Acme P3" in only_denied and "Acme P2" not in only_denied
    by_product = acme_client.get("/review/archive?product=p2").get_data(as_text=True)
    assert "Acme P2" in by_product and "Acme P3" not in by_product
    nobody = acme_client.get("/review/archive?influencer=zed").get_data(as_text=True)
    assert "No decided requests match" in nobody
    today = clock.now().date()
    future = acme_client.get(f"/review/archive?start={today + timedelta(days=1)}")
    assert "No decided requests match" in future.get_data(as_text=True)
    exported = acme_client.get("/review/archive.csv?status=approved")
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [(r["status"], r["total"], r["items"]) for r in rows] == [
        ("approved", "30.00", "Acme P2 (Size 1) x1")
    ]


def test_archive_keyset_pagination(app, client, frozen_clock):
    with app.app_context():
        world = _brand_with_requests("bulk")
        variant = world.products[0].variants[0]
        for i in range(30):
            with clock.frozen_at(frozen_clock + timedelta(minutes=i)):
                request = make_request(world.link, [variant])
                states.transition(request.id, states.DENIED, "team@bulk.example")
                session.commit()
    login(client, "team@bulk.example", PASSWORD)
    first = client.get("/review/archive").get_data(as_text=True)
    assert first.count("<tr>") == 1 + 25
    cursor = first.split("after=", 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = client.get(f"/review/archive?after={cursor}").get_data(as_text=True)
    assert second.count("<tr>") == 1 + 5


def test_influencer_input_is_inert_text(app, client, frozen_clock):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    with app.app_context():
        world = _brand_with_requests("safe", influencer_name=payload)
        make_request(
            world.link,
            [world.products[0].variants[0]],
            proposal={
                "content_types": ["post"],
                "platforms": ["instagram"],
                "publish_on": clock.now().date() + timedelta(days=3),
                "message": payload,
                "links": ["https://example.com/?q=%22%3E%3Cscript%3E"],
            },
        )
    login(client, "team@safe.example", PASSWORD)
    html = client.get("/review/").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_accounts_the_influencer_stated_say_so_with_the_date(client, shop, app):
    """The brand sees which follower counts are the influencer's own word, and platforms
    spelt as their owners spell them."""
    stated_on = clock.now() + timedelta(days=1)
    with app.app_context(), clock.frozen_at(stated_on):
        from widget_server.influencers.models import Influencer
        from widget_server.influencers.services import state_handle

        ana = session.get(Influencer, shop.acme.influencer.id)
        state_handle(ana, {"platform": "tiktok", "handle": "ana.tok", "followers": 4100})
        state_handle(ana, {"platform": "youtube", "handle": "anatube", "followers": 900})
        session.commit()
    login(client, "team@acme.example", PASSWORD)
    for path in ("/review/", f"/review/requests/{shop.acme.pending.id}"):
        html = client.get(path).get_data(as_text=True)
        assert (
            '<span class="platform">TikTok</span> @ana.tok · 4,100 '
            '<span class="stated">(stated by the influencer on 2 Mar 2026)</span>'
        ) in html, path
        assert '<span class="platform">YouTube</span> @anatube · 900 <span' in html, path
        # Entered by an operator: no such note.
        assert re.search(r'<span class="platform">Instagram</span> @creator\d+ · 12,000</li>', html)
    detail = client.get(f"/review/requests/{shop.acme.pending.id}").get_data(as_text=True)
    assert "<dt>Platforms</dt><dd>Instagram</dd>" in detail


def test_the_csv_export_never_hands_a_spreadsheet_a_formula(app, client, frozen_clock):
    """Names, emails and product titles come from influencers and the store; a cell
    starting with = + - @, a tab or a carriage return is quoted with a leading '
    so a spreadsheet shows it as text instead of running it."""
    risky = [
        ('=HYPERLINK("https://evil.example","Open")', "=1+2@example.com", "+SUM(1,2)"),
        ("-2+3", "-cmd@example.com", "@SUM(A1:A9)"),
        ("\t=1+1", "plain@example.com", "\r=1+1"),
    ]
    with app.app_context():
        world = _brand_with_requests("sheet")
        for (name, email, title), product in zip(risky, world.products, strict=False):
            link, _ = make_link(world.brand, make_influencer(email, name="x"))
            # Set on the rows, as a store sync or an old row could have them: input
            # schemas would strip the leading tab.
            link.influencer.name = name
            product.title = title
            session.commit()
            request = make_request(link, [product.variants[0]])
            states.transition(request.id, states.DENIED, "team@sheet.example")
            session.commit()
        plain = make_request(world.link, [world.products[4].variants[0]])
        states.transition(plain.id, states.APPROVED, "team@sheet.example")
        session.commit()
        ana_email = world.influencer.email
    login(client, "team@sheet.example", PASSWORD)
    rows = list(
        csv.DictReader(io.StringIO(client.get("/review/archive.csv").get_data(as_text=True)))
    )
    cells = {(r["influencer"], r["email"], r["items"]) for r in rows}
    assert cells == {
        ("'" + name, "'" + email if email[0] in "=-" else email, f"'{title} (Size 1) x1")
        for name, email, title in risky
    } | {("Ana Lima", ana_email, "Sheet P4 (Size 1) x1")}
    plain_row = next(r for r in rows if r["influencer"] == "Ana Lima")
    assert (plain_row["total"], plain_row["status"]) == ("50.00", "approved")
