"""Inviting influencers from the browser (#10 items 1-2), through the Flask test client.

Invite by email (an email over the real test SMTP server, the link works
with the API), copy and manage links (revoke, extend, send again), bulk
invitations from a CSV (preview, per-row errors, nothing written until
confirmed, atomic), the open invitation at /apply/<slug> (honeypot, minimum
fill time, confirmation link once and for 48 hours, rate limit), accept and
decline with their emails, auto-accept rules, and every new route's tenancy.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.factories import make_brand, make_influencer, make_link
from tests.review_helpers import csrf_token, login
from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.brands.services import add_brand_user
from widget_server.db import session
from widget_server.influencers.models import Influencer, InfluencerLink
from widget_server.invitations import tokens
from widget_server.invitations.apply import MIN_FILL_SECONDS
from widget_server.invitations.models import Application, ApplyRules
from widget_server.notifications.models import OutboxMessage
from widget_server.notifications.sender import send_due

PASSWORD = "correct horse battery"
LINK_IN_TEXT = re.compile(r"https://\S+#dots=\S+")


@pytest.fixture
def brands(app):
    """Two brands with a user each; rival has an influencer with a link and an application."""
    with app.app_context():
        acme = make_brand("acme", name="Acme Outdoors")
        add_brand_user(acme, "team@acme.example", PASSWORD)
        rival = make_brand("rival")
        add_brand_user(rival, "team@rival.example", PASSWORD)
        rival_link, _ = make_link(rival, make_influencer("someone@example.com"))
        rival_app = Application(
            brand=rival,
            name="Rival Applicant",
            email="applicant@example.com",
            country="PT",
            handles=[{"platform": "instagram", "handle": "ra", "followers": 10}],
            pitch="hi",
            status="pending",
            confirmed_at=clock.now(),
        )
        session.add(rival_app)
        session.commit()
        return SimpleNamespace(
            acme_id=acme.id, rival_id=rival.id, rival_link=rival_link.id, rival_app=rival_app.id
        )


@pytest.fixture
def acme(client, brands):
    login(client, "team@acme.example", PASSWORD)
    return client


def post(client, path, data=None, page=None, **kwargs):
    """POST a form of ``page`` (default: ``path``) with its CSRF token."""
    token = csrf_token(client, page or "/review/influencers/")
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


def outbox(db, template=None):
    with db() as s:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if template:
            query = query.where(OutboxMessage.template == template)
        rows = list(s.scalars(query))
        s.expunge_all()
        return rows


def invite(client, **fields):
    data = {"name": "Ana Lima", "email": "ana@example.com", "handles": "", "note": "", **fields}
    return post(client, "/review/influencers/invite", data)


# --- invite ------------------------------------------------------------------------------


def test_invite_emails_a_working_link_over_smtp(acme, smtp, smtp_app, db):
    response = invite(
        acme, handles="instagram:@ana:12.5k tiktok:ana:3000", note="Loved your autumn reel!"
    )
    assert response.status_code == 302
    link_page = response.headers["Location"]
    assert re.fullmatch(r"/review/influencers/links/\d+", link_page)

    html = acme.get(link_page).get_data(as_text=True)
    assert "Invitation emailed to ana@example.com." in html
    assert 'data-copy="link-url"' in html and "console.js" in html
    shown = re.search(r'id="link-url" type="text" value="([^"]+)"', html).group(1)

    with smtp_app.app_context():
        report = send_due()
        session.commit()
    assert len(report.sent) == 1
    [mail] = smtp.messages
    assert mail.rcpt_tos == ("ana@example.com",)
    assert str(mail.message["From"]).startswith("Acme Outdoors via Dots")
    assert mail.message["Reply-To"] == "team@acme.example"
    assert mail.message["Subject"] == "Acme Outdoors invites you to request products"
    text = mail.part("plain")
    assert "Loved your autumn reel!" in text
    assert "Request up to 3 products" in text
    [emailed] = LINK_IN_TEXT.findall(text)
    assert emailed == shown.replace("&amp;", "&")

    # The link from the email is accepted by the API.
    token = emailed.split("dots=", 1)[1]
    answer = acme.post(
        "/v1/session",
        json={"brand": "acme", "keys": []},
        headers={"Authorization": f"Bearer {token}", "Origin": "https://acme.example"},
    )
    assert answer.status_code == 200, answer.get_json()
    with db() as s:
        person = s.scalar(select(Influencer).where(Influencer.email == "ana@example.com"))
        assert [(h.platform, h.handle, h.followers) for h in person.handles] == [
            ("instagram", "ana", 12500),
            ("tiktok", "ana", 3000),
        ]


def test_invite_reuses_an_influencer_by_email(acme, brands, db):
    with db() as s:
        before = s.scalar(select(func.count()).select_from(Influencer))
    assert invite(acme, email="SOMEONE@example.com", name="Other Name").status_code == 302
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Influencer)) == before
        person = s.scalar(select(Influencer).where(Influencer.email == "someone@example.com"))
        assert person.name != "Other Name"  # a brand does not rename someone
        links = s.scalars(select(InfluencerLink).where(InfluencerLink.influencer_id == person.id))
        assert sorted(link.brand_id for link in links) == sorted([brands.acme_id, brands.rival_id])


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"email": "not-an-email"}, "email", "Not a valid email address."),
        ({"handles": "instagram-ana"}, "handles", "is not PLATFORM:HANDLE:FOLLOWERS"),
        ({"handles": "myspace:ana:10"}, "handles", "Unknown platform"),
        ({"note": "x" * 1001}, "note", "Field cannot be longer than 1000 characters."),
    ],
)
def test_invite_errors_are_shown_by_the_field(acme, db, fields, field_id, message):
    response = invite(acme, **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', html)
    assert error and message in error.group(1), html
    assert f'aria-describedby="{field_id}-help {field_id}-error"' in html or (
        f'aria-describedby="{field_id}-error"' in html
    )
    assert outbox(db) == []
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 1  # the rival's


# --- per link ------------------------------------------------------------------------------


def _link_id(response) -> int:
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _api_status(client, link_id, db) -> int:
    from widget_server.influencers.tokens import sign_link

    with db() as s:
        link = s.get(InfluencerLink, link_id)
        token, slug, origin = sign_link(link), link.brand.slug, link.brand.allowed_origins[0]
    return client.post(
        "/v1/session",
        json={"brand": slug, "keys": []},
        headers={"Authorization": f"Bearer {token}", "Origin": origin},
    ).status_code


def test_revoke_stops_the_link(acme, db):
    link_id = _link_id(invite(acme))
    assert _api_status(acme, link_id, db) == 200
    response = post(
        acme,
        f"/review/influencers/links/{link_id}/revoke",
        page=f"/review/influencers/links/{link_id}",
    )
    assert response.status_code == 302
    assert _api_status(acme, link_id, db) == 401
    html = acme.get(f"/review/influencers/links/{link_id}").get_data(as_text=True)
    assert '<span class="status revoked">revoked</span>' in html
    assert 'id="link-url"' not in html  # a dead link is not offered for copying


def test_extend_sets_a_new_expiry_and_revives_an_expired_link(acme, db):
    link_id = _link_id(invite(acme))
    with db() as s:
        s.get(InfluencerLink, link_id).expires_at = clock.now() - timedelta(minutes=1)
        s.commit()
    assert _api_status(acme, link_id, db) == 401
    day = (clock.now() + timedelta(days=60)).date()
    page = f"/review/influencers/links/{link_id}"
    response = post(acme, f"{page}/extend", {"until": day.isoformat()}, page=page)
    assert response.status_code == 302
    assert _api_status(acme, link_id, db) == 200
    with db() as s:
        assert s.get(InfluencerLink, link_id).expires_at.date() == day
    assert f"works until {day:%b %d, %Y}" in acme.get(page).get_data(as_text=True)
    for bad, message in [
        ("2020-01-01", "Choose a day from today on."),
        ((clock.now() + timedelta(days=400)).date().isoformat(), "within a year"),
        ("soon", "Use a date like 2026-03-01."),
    ]:
        post(acme, f"{page}/extend", {"until": bad}, page=page)
        assert message in acme.get(page).get_data(as_text=True)


def test_send_again_revokes_the_old_link_and_emails_a_new_one(acme, db):
    old = _link_id(invite(acme))
    page = f"/review/influencers/links/{old}"
    response = post(acme, f"{page}/resend", page=page)
    new = _link_id(response)
    assert new != old
    assert _api_status(acme, old, db) == 401
    assert _api_status(acme, new, db) == 200
    mails = outbox(db, "influencer_invitation")
    assert [m.to_addr for m in mails] == ["ana@example.com", "ana@example.com"]
    assert f"/links/{new}" not in mails[1].text_body  # the email has the store link, not ours
    assert LINK_IN_TEXT.search(mails[1].text_body)


# --- bulk ---------------------------------------------------------------------------------

CSV = (
    "name,email,handles\n"
    "Bea Costa,bea@example.com,instagram:bea:20k\n"
    "No Email,,\n"
    "Caio Reis,caio@example.com,tiktok:caio:5000;youtube:caio:1.2m\n"
    "Bea Again,BEA@example.com,\n"
    "Dani,dani@example.com,myspace:dani:10\n"
)


def upload(client, text: str, name: str = "people.csv"):
    token = csrf_token(client, "/review/influencers/bulk")
    return client.post(
        "/review/influencers/bulk",
        data={"csrf_token": token, "file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


def test_bulk_preview_writes_nothing_and_lists_row_errors(acme, db):
    response = upload(acme, CSV)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 ready to invite" in html and "3 with errors" in html
    assert "email: Not a valid email address." in html
    assert "email: also on line 2" in html
    assert "handles: Unknown platform" in html
    assert outbox(db) == []
    with db() as s:
        assert s.scalar(select(func.count()).select_from(InfluencerLink)) == 1  # the rival's

    text = re.search(r'name="text" type="hidden" value="([^"]*)"', html).group(1)
    token = csrf_token(acme, "/review/influencers/bulk")
    confirmed = acme.post(
        "/review/influencers/bulk/confirm",
        data={"csrf_token": token, "text": unescape(text)},
    )
    assert confirmed.status_code == 302
    assert sorted(m.to_addr for m in outbox(db, "influencer_invitation")) == [
        "bea@example.com",
        "caio@example.com",
    ]


def test_bulk_confirm_is_atomic(acme, db, monkeypatch):
    from widget_server.invitations import services

    calls = []
    real = services.invite

    def failing(brand, data, note=None, **kw):
        calls.append(data["email"])
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(brand, data, note, **kw)

    monkeypatch.setattr(services, "invite", failing)
    token = csrf_token(acme, "/review/influencers/bulk")
    acme.application.config["PROPAGATE_EXCEPTIONS"] = False
    response = acme.post(
        "/review/influencers/bulk/confirm",
        data={"csrf_token": token, "text": "A,a@example.com,\nB,b@example.com,\n"},
    )
    assert response.status_code == 500
    assert calls == ["a@example.com", "b@example.com"]
    assert outbox(db) == []
    with db() as s:
        assert s.scalar(select(func.count()).select_from(InfluencerLink)) == 1


def test_bulk_refuses_an_empty_file(acme):
    response = upload(acme, "name,email,handles\n\n")
    assert "The file has no one in it." in response.get_data(as_text=True)
    assert "Invite 0" not in response.get_data(as_text=True)


def test_bulk_refuses_a_file_that_is_not_utf8(acme):
    token = csrf_token(acme, "/review/influencers/bulk")
    response = acme.post(
        "/review/influencers/bulk",
        data={"csrf_token": token, "file": (io.BytesIO(b"\xff\xfe\xfa"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Save the file as CSV in UTF-8" in response.get_data(as_text=True)


# --- the open invitation -------------------------------------------------------------------

APPLICATION = {
    "name": "Rita Sousa",
    "email": "rita@example.com",
    "country": "pt",
    "handles-0-platform": "instagram",
    "handles-0-handle": "@rita",
    "handles-0-followers": "25000",
    "pitch": "Hiking and trail running in the Alps.",
    "website": "",
}


def apply_form(client, slug="acme", wait=MIN_FILL_SECONDS + 1, **changes):
    """Fill the form in as a person would: served, then sent ``wait`` seconds later."""
    with clock.frozen_at(clock.now() - timedelta(seconds=wait)):
        page = client.get(f"/apply/{slug}").get_data(as_text=True)
    started = re.search(r'name="started" type="hidden" value="([^"]+)"', page).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {**APPLICATION, "csrf_token": token, "started": started, **changes}
    return client.post(f"/apply/{slug}", data=data)


def confirm_url(db) -> str:
    [mail] = outbox(db, "application_confirm")[-1:]
    return re.search(r"http://widget\.test(/apply/confirm/\S+)", mail.text_body).group(1)


def test_apply_confirm_accept_emails_a_personal_link(client, brands, smtp, smtp_app, db):
    response = apply_form(client)
    assert response.status_code == 302 and response.headers["Location"] == "/apply/acme/sent"
    with db() as s:
        application = s.scalar(select(Application).where(Application.brand_id == brands.acme_id))
        assert (application.status, application.country) == ("unconfirmed", "PT")
        assert application.handles == [
            {"platform": "instagram", "handle": "rita", "followers": 25000}
        ]

    # Not on the brand's page before the email is confirmed.
    login(client, "team@acme.example", PASSWORD)
    assert "Rita Sousa" not in client.get("/review/influencers/").get_data(as_text=True)

    path = confirm_url(db)
    asked = client.get(path)
    assert asked.status_code == 200 and "Confirm my application" in asked.get_data(as_text=True)
    confirmed = post(client, path, page=path)
    assert "Your application is with Acme Outdoors" in confirmed.get_data(as_text=True)
    again = post(client, path, page="/review/influencers/")
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)

    page = client.get("/review/influencers/").get_data(as_text=True)
    assert "Rita Sousa" in page and "Accept Rita Sousa" in page
    application_id = application.id
    response = post(client, f"/review/influencers/applications/{application_id}/accept")
    assert response.status_code == 302
    with smtp_app.app_context():
        send_due()
        session.commit()
    subjects = {str(m.message["Subject"]): m for m in smtp.messages}
    assert set(subjects) == {
        "Confirm your application to Acme Outdoors",
        "Acme Outdoors accepted your application",
    }
    text = subjects["Acme Outdoors accepted your application"].part("plain")
    token = LINK_IN_TEXT.search(text).group(0).split("dots=", 1)[1]
    answer = client.post(
        "/v1/session",
        json={"brand": "acme", "keys": []},
        headers={"Authorization": f"Bearer {token}", "Origin": "https://acme.example"},
    )
    assert answer.status_code == 200
    with db() as s:
        person = s.scalar(select(Influencer).where(Influencer.email == "rita@example.com"))
        assert person.country == "PT" and person.handles[0].stated_at is not None
        assert s.get(Application, application_id).status == "accepted"


def test_decline_emails_the_reason(acme, brands, db):
    apply_form(acme)
    post(acme, confirm_url(db), page=confirm_url(db))
    with db() as s:
        ident = s.scalar(select(Application.id).where(Application.email == "rita@example.com"))
    response = post(
        acme,
        f"/review/influencers/applications/{ident}/decline",
        {"reason": "We only ship to Spain for now."},
    )
    assert response.status_code == 302
    [mail] = outbox(db, "application_declined")
    assert mail.to_addr == "rita@example.com"
    assert "We only ship to Spain for now." in mail.text_body
    again = post(acme, f"/review/influencers/applications/{ident}/accept")
    assert again.status_code == 302
    assert "Only a pending application" in acme.get("/review/influencers/").get_data(as_text=True)
    assert outbox(db, "application_accepted") == []


def test_honeypot_and_haste_store_nothing(client, brands, db):
    trapped = apply_form(client, website="http://spam.example")
    assert trapped.status_code == 302  # told what a person is told
    hasty = apply_form(client, wait=0)
    assert hasty.status_code == 400
    assert "sent too quickly" in hasty.get_data(as_text=True)
    forged = apply_form(client, started="forged")
    assert forged.status_code == 400
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 1  # the rival's
    assert outbox(db) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"handles-0-platform": "", "handles-0-handle": ""}, "Give at least one account"),
        ({"handles-0-followers": ""}, "Write how many follow you."),
        ({"handles-0-platform": ""}, "Choose the platform of this account."),
        ({"country": "Portugal"}, "Use a two-letter code."),
        ({"email": ""}, "This field is required."),
    ],
)
def test_apply_errors_are_shown_by_the_field(client, brands, db, changes, message):
    response = apply_form(client, **changes)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 1


def test_confirmation_link_expires_after_48_hours(client, brands, db):
    apply_form(client)
    path = confirm_url(db)
    with clock.frozen_at(clock.now() + timedelta(hours=49)):
        response = client.get(path)
    assert response.status_code == 400
    assert "more than 48 hours old" in response.get_data(as_text=True)
    forged = client.get(path[:-3] + "abc")
    assert forged.status_code == 400


def test_confirmation_tokens_have_their_own_salt(app):
    from widget_server.influencers.tokens import sign_preview

    with app.app_context():
        brand = make_brand("salty")
        preview = sign_preview(brand, clock.now() + timedelta(hours=1))
        with pytest.raises(tokens.TokenRefused):
            tokens.read_confirmation(preview)
        with pytest.raises(tokens.TokenRefused):
            tokens.read_confirmation(tokens.form_stamp())


def test_applying_is_rate_limited(app, brands, db):
    app.config["RATELIMIT_APPLY_PER_IP"] = "2/minute"
    client = app.test_client()
    codes = [apply_form(client, email=f"p{i}@example.com").status_code for i in range(3)]
    assert codes == [302, 302, 429]


def test_application_page_has_the_strict_policy_and_no_inline_script(client, brands):
    response = client.get("/apply/acme")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "<script" not in html and "style=" not in html
    assert 'name="website"' in html and 'tabindex="-1"' in html  # the honeypot


def test_unknown_brand_has_no_application_page(client, brands):
    response = client.get("/apply/nobody")
    assert response.status_code == 404
    assert "Content-Security-Policy" in response.headers


# --- auto-accept --------------------------------------------------------------------------


def test_auto_accept_rules(acme, brands, db):
    page = "/review/open-invitation"
    html = acme.get(page).get_data(as_text=True)
    assert "http://widget.test/apply/acme" in html
    response = post(
        acme,
        page,
        {
            "auto_accept": "y",
            "platform": "instagram",
            "min_followers": "20000",
            "countries": "pt es",
        },
        page=page,
    )
    assert response.status_code == 302
    with db() as s:
        rules = s.get(ApplyRules, brands.acme_id)
        assert (rules.platform, rules.min_followers, rules.countries) == (
            "instagram",
            20000,
            ["ES", "PT"],
        )
        assert rules.updated_by == "team@acme.example"

    # Matches: accepted on confirming, with a personal link emailed.
    apply_form(acme)
    done = post(acme, confirm_url(db), page=confirm_url(db))
    assert "You're in!" in done.get_data(as_text=True)
    [accepted] = outbox(db, "application_accepted")
    assert accepted.to_addr == "rita@example.com" and LINK_IN_TEXT.search(accepted.text_body)
    # Too few followers, or another country: waits for the brand.
    for email, changes in [
        ("small@example.com", {"handles-0-followers": "19999"}),
        ("far@example.com", {"country": "US"}),
        ("tiktok@example.com", {"handles-0-platform": "tiktok"}),
    ]:
        apply_form(acme, email=email, **changes)
        post(acme, confirm_url(db), page=confirm_url(db))
    with db() as s:
        statuses = dict(s.execute(select(Application.email, Application.status)).all())
    assert statuses == {
        "applicant@example.com": "pending",
        "rita@example.com": "accepted",
        "small@example.com": "pending",
        "far@example.com": "pending",
        "tiktok@example.com": "pending",
    }
    assert len(outbox(db, "application_accepted")) == 1

    bad = post(acme, page, {"min_followers": "-1", "countries": "Portugal"}, page=page)
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Use a number from 0 up." in text and "Use two-letter country codes" in text


# --- tenancy ------------------------------------------------------------------------------

OTHER_BRAND_ROUTES = [
    ("get", "/review/influencers/links/{link}"),
    ("post", "/review/influencers/links/{link}/revoke"),
    ("post", "/review/influencers/links/{link}/extend"),
    ("post", "/review/influencers/links/{link}/resend"),
    ("post", "/review/influencers/applications/{app}/accept"),
    ("post", "/review/influencers/applications/{app}/decline"),
]


@pytest.mark.parametrize(("method", "path"), OTHER_BRAND_ROUTES)
def test_another_brands_objects_are_404(acme, brands, db, method, path):
    url = path.format(link=brands.rival_link, app=brands.rival_app)
    response = acme.get(url) if method == "get" else post(acme, url, {"until": "2030-01-01"})
    assert response.status_code == 404
    assert "There is no such" in response.get_data(as_text=True)
    with db() as s:
        link = s.get(InfluencerLink, brands.rival_link)
        assert link.revoked_at is None
        assert s.get(Application, brands.rival_app).status == "pending"
    assert outbox(db) == []


def test_another_brands_people_are_not_listed(acme, brands):
    html = acme.get("/review/influencers/").get_data(as_text=True)
    assert "someone@example.com" not in html and "Rival Applicant" not in html


@pytest.mark.parametrize(
    "path",
    [
        "/review/influencers/",
        "/review/influencers/bulk",
        "/review/open-invitation",
        "/review/influencers/links/1",
    ],
)
def test_console_pages_need_sign_in(client, brands, path):
    response = client.get(path)
    assert response.status_code == 302 and "/review/login" in response.headers["Location"]


def test_console_posts_need_csrf(acme, brands, db):
    response = acme.post("/review/influencers/invite", data={"name": "X", "email": "x@example.com"})
    assert response.status_code == 400
    assert outbox(db) == []


def test_empty_requests_page_offers_an_invitation(acme):
    html = acme.get("/review/").get_data(as_text=True)
    assert "Invite an influencer" in html and "arrive by email" not in html


def test_applying_again_replaces_the_unconfirmed_link_and_spares_a_waiting_one(client, brands, db):
    apply_form(client)
    first = confirm_url(db)
    apply_form(client, name="Rita S.")
    second = confirm_url(db)
    assert first != second
    stale = post(client, first, page=second)
    assert stale.status_code == 400 and "already used or replaced" in stale.get_data(as_text=True)
    assert post(client, second, page=second).status_code == 200
    apply_form(client)  # already waiting for the brand: nothing changes, no email
    assert len(outbox(db, "application_confirm")) == 2
    with db() as s:
        [mine] = s.scalars(select(Application).where(Application.email == "rita@example.com"))
        assert (mine.name, mine.status) == ("Rita S.", "pending")


def test_invitations_are_rate_limited(app, brands, db):
    app.config["RATELIMIT_SUBMIT_PER_IP"] = "2/minute"
    client = app.test_client()
    login(client, "team@acme.example", PASSWORD)
    codes = [invite(client, email=f"p{i}@example.com").status_code for i in range(3)]
    assert codes == [302, 302, 429]
    assert len(outbox(db, "influencer_invitation")) == 2


def test_the_people_list_pages_through_everyone(acme, brands, app, db, monkeypatch):
    """Every influencer is reachable page by page, once each, newest invitation first;
    another brand's are never; a search pages the same way."""
    monkeypatch.setattr("widget_server.invitations.queries.LIMIT", 2)
    with app.app_context():
        brand, rival = session.get(Brand, brands.acme_id), session.get(Brand, brands.rival_id)
        people = [make_influencer(f"p{n}@example.com", name=f"Person {n}") for n in range(5)]
        for person in people:
            make_link(brand, person)
            make_link(rival, make_influencer(f"r-{person.email}"))
        make_link(brand, people[1])  # invited again: first now, and listed once
        session.commit()

    def walk(url):
        seen = []
        while url:
            html = acme.get(url).get_data(as_text=True)
            seen.append(re.findall(r"(p\d|r-p\d)@example\.com", html))
            more = re.search(r'href="([^"]*after=[^"]*)">More people', html)
            url = unescape(more.group(1)) if more else None
        return seen

    assert walk("/review/influencers/") == [["p1", "p4"], ["p3", "p2"], ["p0"]]
    assert walk("/review/influencers/?q=person") == [["p1", "p4"], ["p3", "p2"], ["p0"]]
    for bad in ("x", "0", "99999999999", "-1"):
        assert acme.get(f"/review/influencers/?after={bad}").status_code == 400
