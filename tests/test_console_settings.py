"""The settings pages: each change takes effect, is audited, owner-only and brand-scoped."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.console_helpers import BRANDS, OWNER, PASSWORD, post_form
from tests.factories import make_influencer, make_link, make_request
from tests.review_helpers import csrf_token, login
from widget_server import clock
from widget_server.brands.models import Brand, BrandUser
from widget_server.catalog.models import Product
from widget_server.console.models import AuditEntry
from widget_server.db import session
from widget_server.notifications.models import OutboxMessage
from widget_server.product_requests import emails

OWNER_PAGES = [
    "/review/settings/store",
    "/review/settings/policy",
    "/review/settings/notifications",
    "/review/settings/products",
    "/review/settings/audit",
    "/review/catalog",
    "/review/team",
    "/review/open-invitation",
]

brands = BRANDS
owner = OWNER


def audit_rows(db, slug="acme"):
    with db() as s:
        brand = s.scalar(select(Brand).where(Brand.slug == slug))
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.brand_id == brand.id).order_by(AuditEntry.id)
        )
        return [(r.actor, r.area, r.field, r.old, r.new) for r in rows]


def brand_of(db, slug="acme"):
    with db() as s:
        brand = s.scalar(select(Brand).where(Brand.slug == slug))
        s.expunge(brand)
        return brand


@pytest.mark.parametrize("path", OWNER_PAGES)
def test_owner_pages_need_sign_in(client, brands, path):
    response = client.get(path)
    assert response.status_code == 302 and "/review/login" in response.headers["Location"]


@pytest.mark.parametrize("path", OWNER_PAGES)
def test_owner_pages_open_for_an_owner(owner, path):
    assert owner.get(path).status_code == 200


@pytest.mark.parametrize("path", OWNER_PAGES)
def test_a_member_gets_403_on_settings_catalog_and_team(client, brands, path):
    login(client, brands[0].member, PASSWORD)
    response = client.get(path)
    assert response.status_code == 403
    assert "Only owners of this brand" in response.get_data(as_text=True)
    assert client.get("/review/").status_code == 200  # requests stay open to members


def test_a_member_cannot_post_settings_either(client, brands, db):
    login(client, brands[0].member, PASSWORD)
    response = post_form(
        client,
        "/review/",
        "/review/settings/policy",
        {"expiry_days": 2, "max_items": 1, "max_value": "1", "currency": "USD"},
    )
    assert response.status_code == 403
    assert brand_of(db).expiry_days != 2


def test_members_see_no_settings_links(client, brands):
    login(client, brands[0].member, PASSWORD)
    html = client.get("/review/").get_data(as_text=True)
    assert "/review/settings" not in html and "/review/team" not in html


@pytest.mark.parametrize(
    "action",
    [
        "/review/settings/products/{product}/exclude",
        "/review/settings/products/{product}/include",
        "/review/team/{user}/role",
        "/review/team/{user}/remove",
    ],
)
def test_another_brands_objects_are_404(owner, brands, db, action):
    rival = brands[1]
    path = action.format(product=rival.product_ids[0], user=rival.member_id)
    response = post_form(owner, "/review/team", path, {"role": "owner"})
    assert response.status_code == 404
    with db() as s:
        assert s.get(Product, rival.product_ids[0]).excluded is False
        assert s.get(BrandUser, rival.member_id).role == "member"


def test_posts_without_csrf_are_refused(owner, db):
    response = owner.post(
        "/review/settings/policy",
        data={"expiry_days": 2, "max_items": 1, "max_value": "1", "currency": "USD"},
    )
    assert response.status_code == 400
    assert brand_of(db).expiry_days != 2


# --- request policy ---------------------------------------------------------------


def test_expiry_days_change_the_next_requests_expiry_and_are_audited(owner, brands, db, app):
    response = post_form(
        owner,
        "/review/settings/policy",
        "/review/settings/policy",
        {"expiry_days": "3", "max_items": "4", "max_value": "120.50", "currency": "usd"},
    )
    assert response.status_code == 302
    brand = brand_of(db)
    assert (brand.expiry_days, brand.max_items, brand.max_value_minor, brand.currency) == (
        3,
        4,
        12050,
        "USD",
    )
    with app.app_context():
        brand = session.scalar(select(Brand).where(Brand.slug == "acme"))
        link, _ = make_link(brand, make_influencer())
        product = session.get(Product, brands[0].product_ids[0])
        request = make_request(link, [product.variants[0]])
        assert request.expires_at - request.submitted_at == timedelta(days=3)
    assert audit_rows(db) == [
        (brands[0].owner, "request policy", "expiry days", "9", "3"),
        (brands[0].owner, "request policy", "max items", "5", "4"),
        (brands[0].owner, "request policy", "max retail value", "500.00 USD", "120.50 USD"),
    ]
    page = owner.get("/review/settings/audit").get_data(as_text=True)
    assert "expiry days" in page and "120.50 USD" in page and brands[0].owner in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"expiry_days": "0"}, "from 1 to 365"),
        ({"max_items": "500"}, "from 1 to 100"),
        ({"max_value": "lots"}, "Not a valid number"),
        ({"currency": "US"}, "3-letter code"),
        ({"content_days": "0"}, "from 1 to 365"),
        ({"approval_undo_seconds": "7200"}, "from 0 to 3,600"),
    ],
)
def test_bad_policy_values_are_shown_on_their_field(owner, db, changes, message):
    data = {"expiry_days": "9", "max_items": "5", "max_value": "500", "currency": "USD", **changes}
    response = post_form(owner, "/review/settings/policy", "/review/settings/policy", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message.lower() in html.lower() and 'aria-invalid="true"' in html
    assert audit_rows(db) == []
    assert brand_of(db).expiry_days == 9


def test_content_days_and_the_undo_window_are_set_and_audited(owner, brands, db):
    data = {"expiry_days": "9", "max_items": "5", "max_value": "500", "currency": "USD"}
    page = "/review/settings/policy"
    form = owner.get(page).get_data(as_text=True)
    assert "Seconds to undo an approval" in form and "server&#39;s default (0 s)" in form
    set_both = {**data, "content_days": "21", "approval_undo_seconds": "120"}
    assert post_form(owner, page, page, set_both).status_code == 302
    brand = brand_of(db)
    assert (brand.content_days, brand.approval_undo_seconds) == (21, 120)
    # Empty: back to the server's default window.
    empty = {**data, "content_days": "21", "approval_undo_seconds": ""}
    assert post_form(owner, page, page, empty).status_code == 302
    assert brand_of(db).approval_undo_seconds is None
    assert [row[2:] for row in audit_rows(db)] == [
        ("content days", "14", "21"),
        ("approval undo seconds", None, "120"),
        ("approval undo seconds", "120", None),
    ]


# --- store origins ------------------------------------------------------------------


def test_origins_are_added_checked_removed_and_audited(owner, brands, db):
    page = "/review/settings/store"
    added = post_form(
        owner, page, "/review/settings/store/origins", {"origin": "HTTPS://Shop.Acme.example/"}
    )
    assert added.status_code == 302
    assert brand_of(db).allowed_origins == ["https://acme.example", "https://shop.acme.example"]
    html = owner.get(page).get_data(as_text=True)
    assert "data-brand=&#34;acme&#34;" in html and "localStorage.getItem" in html  # both snippets

    bad = post_form(owner, page, "/review/settings/store/origins", {"origin": "ftp://x"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    again = post_form(
        owner, page, "/review/settings/store/origins", {"origin": "https://acme.example"}
    )
    assert "already one of your store origins" in again.get_data(as_text=True)

    check = owner.get("/review/settings/store/check?origin=https://shop.acme.example")
    assert check.status_code == 303
    assert check.headers["Location"].startswith("https://shop.acme.example/#dots=")
    stranger = owner.get("/review/settings/store/check?origin=https://evil.example")
    assert stranger.status_code == 404

    removed = post_form(
        owner, page, "/review/settings/store/origins/remove", {"origin": "https://acme.example"}
    )
    assert removed.status_code == 302
    assert brand_of(db).allowed_origins == ["https://shop.acme.example"]
    last = post_form(
        owner,
        page,
        "/review/settings/store/origins/remove",
        {"origin": "https://shop.acme.example"},
    )
    assert last.status_code == 302
    assert brand_of(db).allowed_origins == ["https://shop.acme.example"]
    assert audit_rows(db) == [
        (brands[0].owner, "store", "store origin", None, "https://shop.acme.example"),
        (brands[0].owner, "store", "store origin", "https://acme.example", None),
    ]


# --- notifications ---------------------------------------------------------------


def test_notification_settings_reach_the_emails(owner, brands, db, app):
    response = post_form(
        owner,
        "/review/settings/notifications",
        "/review/settings/notifications",
        {
            "addresses": "Orders@Acme.example\nbuyer@acme.example\n",
            "sender_name": "Acme Gifting",
            "reply_to": "gifting@acme.example",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        brand = session.scalar(select(Brand).where(Brand.slug == "acme"))
        assert brand.notify_addresses == ["orders@acme.example", "buyer@acme.example"]
        link, _ = make_link(brand, make_influencer())
        product = session.get(Product, brands[0].product_ids[0])
        request = make_request(link, [product.variants[0]])
        emails.on_transition(request, "approved", None)
        session.commit()
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        submitted = [r.to_addr for r in rows if r.template == "request_submitted"]
        assert submitted == ["orders@acme.example", "buyer@acme.example"]
        (approved,) = [r for r in rows if r.template == "request_approved"]
        assert (approved.from_name, approved.reply_to) == ("Acme Gifting", "gifting@acme.example")
    fields = [row[2] for row in audit_rows(db)]
    assert fields == ["addresses for new requests", "sender name", "reply-to"]


def test_the_digest_replaces_one_email_per_request(owner, brands, db, app):
    from widget_server.console.digest import send_digests

    with app.app_context():  # emailed on its own before the digest was chosen
        brand = session.scalar(select(Brand).where(Brand.slug == "acme"))
        product = session.get(Product, brands[0].product_ids[0])
        link, _ = make_link(brand, make_influencer(name="Earlier Person"))
        make_request(link, [product.variants[0]])
        assert len(session.scalars(select(OutboxMessage)).all()) == 1
    post_form(
        owner,
        "/review/settings/notifications",
        "/review/settings/notifications",
        {"addresses": "team@acme.example\nceo@acme.example", "digest": "y"},
    )
    start = clock.now()
    with app.app_context():
        brand = session.scalar(select(Brand).where(Brand.slug == "acme"))
        with clock.frozen_at(start + timedelta(minutes=5)):
            link, _ = make_link(brand, make_influencer(name="Ana Lima"))
            make_request(link, [session.get(Product, brands[0].product_ids[0]).variants[0]])
            assert len(session.scalars(select(OutboxMessage)).all()) == 1  # no email per request
            assert send_digests() == 0  # the first digest comes a day after the switch
        with clock.frozen_at(start + timedelta(days=1, minutes=1)):
            assert send_digests() == 2
            assert send_digests() == 0  # once a day
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "request_digest")
        ).all()
        assert sorted(r.to_addr for r in rows) == ["ceo@acme.example", "team@acme.example"]
        assert all("Ana Lima" in r.text_body and "1 new product request" in r.subject for r in rows)
        assert not any("Earlier Person" in r.text_body for r in rows)
        with clock.frozen_at(start + timedelta(days=2, minutes=2)):
            assert send_digests() == 0  # a day without requests sends nothing
    assert ("daily digest", "off", "on") in [row[2:] for row in audit_rows(db)]


def test_bad_addresses_are_named(owner, db):
    response = post_form(
        owner,
        "/review/settings/notifications",
        "/review/settings/notifications",
        {"addresses": "team@acme.example\nnot an address", "reply_to": "nope"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "not an address is not an email address" in html
    assert "That is not an email address." in html
    assert brand_of(db).notify_also == []


# --- products ----------------------------------------------------------------------


def test_products_are_excluded_and_included_with_search(owner, brands, db):
    product_id = brands[0].product_ids[1]
    version = brand_of(db).catalog_version
    page = owner.get("/review/settings/products?q=mug").get_data(as_text=True)
    assert "Acme Mug" in page and "Acme Tee" not in page and "images/acme-mug.svg" in page
    response = post_form(
        owner,
        "/review/settings/products",
        f"/review/settings/products/{product_id}/exclude",
        {"q": "mug"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("?q=mug")
    with db() as s:
        assert s.get(Product, product_id).excluded is True
    assert brand_of(db).catalog_version == version + 1  # the lookup's caches move on
    post_form(
        owner, "/review/settings/products", f"/review/settings/products/{product_id}/include", {}
    )
    with db() as s:
        assert s.get(Product, product_id).excluded is False
    assert [row[2:] for row in audit_rows(db)] == [
        ("product acme-mug", "offered", "excluded"),
        ("product acme-mug", "excluded", "offered"),
    ]


def test_login_page_of_a_brand_shows_its_name(client, brands):
    html = client.get("/review/login/acme").get_data(as_text=True)
    assert "Sign in to Acme" in html and "Forgot password?" in html
    assert client.get("/review/login/nobody").status_code == 404
    response = client.post(
        "/review/login",
        data={
            "email": brands[0].owner,
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/review/login/acme"),
        },
    )
    assert response.status_code == 302


def test_operators_changes_from_the_command_line_are_audited_too(runner, brands, db):
    result = runner.invoke(args=["brand", "update", "acme", "--expiry-days", "5", "--name", "Acme"])
    assert result.exit_code == 0, result.output
    assert audit_rows(db) == [
        ("widget-server (command line)", "command line", "expiry days", "9", "5")
    ]  # the name was "Acme" already: no entry


def test_auto_accept_rules_are_in_the_audit_log(owner, db):
    response = post_form(
        owner,
        "/review/open-invitation",
        "/review/open-invitation",
        {"auto_accept": "y", "platform": "instagram", "min_followers": 5000, "countries": "PT ES"},
    )
    assert response.status_code == 302
    entries = audit_rows(db)
    assert ("owner@acme.example", "auto-accept", "minimum followers", "0", "5000") in entries
    assert ("owner@acme.example", "auto-accept", "countries", "any", "ES PT") in entries


# --- store connection: webhook URL and store API key -------------------------


def _revealed(html: str) -> str:
    """The one secret the page shows (the value of its read-only secret field)."""
    start = html.index('id="secret-1"')
    value = html[html.index('value="', start) + 7 :]
    return value[: value.index('"')]


def _replace(owner, page: str, action: str, data: dict[str, object]):
    """Post the store page's form for ``action`` as a browser would: with its hidden fields."""
    html = owner.get(page).get_data(as_text=True)
    form = html[html.index(f'action="{action}"') :]
    tag = re.search(r'name="replaces"[^>]* value="([^"]*)"', form[: form.index("</form>")])
    data = {**data, "replaces": tag.group(1), "csrf_token": csrf_token(owner, page)}
    response = owner.post(action, data=data)
    response.sent = data  # what a reload would send again
    return response


def test_webhook_is_set_from_the_page_its_secret_shown_once_and_audited(owner, brands, db):
    page = "/review/settings/store"
    action = "/review/settings/store/webhook"
    bad = post_form(owner, page, action, {"url": "ftp://orders.acme.example/hook"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    assert brand_of(db).webhook_url is None

    made = post_form(owner, page, action, {"url": "https://orders.acme.example/hook"})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    secret = _revealed(made.get_data(as_text=True))
    assert secret == brand_of(db).webhook_secret and len(secret) >= 32
    # Shown on that answer only: never again, and never through the session cookie.
    assert secret not in owner.get(page).get_data(as_text=True)
    assert all(secret not in c for c in made.headers.getlist("Set-Cookie"))

    moved = post_form(owner, page, action, {"url": "https://orders.acme.example/v2"})
    assert 'id="secret-1"' not in moved.get_data(as_text=True)  # same secret, not shown
    assert brand_of(db).webhook_secret == secret
    again = {"url": "https://orders.acme.example/v2", "rotate": "y", "replaces": "none"}
    stale = post_form(owner, page, action, again)  # as a reload of an older page would
    assert stale.status_code == 409 and "was replaced a moment ago" in stale.get_data(as_text=True)
    assert brand_of(db).webhook_secret == secret
    rotated = _replace(
        owner, page, action, {"url": "https://orders.acme.example/v2", "rotate": "y"}
    )
    assert _revealed(rotated.get_data(as_text=True)) == brand_of(db).webhook_secret != secret
    # A reload sends the same form again: the secret just shown keeps working.
    reloaded = owner.post(action, data=rotated.sent)
    assert reloaded.status_code == 409 and 'id="secret-1"' not in reloaded.get_data(as_text=True)
    assert brand_of(db).webhook_secret == _revealed(rotated.get_data(as_text=True))

    removed = post_form(owner, page, action, {"url": ""})
    assert removed.status_code == 200
    assert (brand_of(db).webhook_url, brand_of(db).webhook_secret) == (None, None)
    who = brands[0].owner
    assert audit_rows(db) == [
        (who, "store", "webhook URL", None, "https://orders.acme.example/hook"),
        (who, "store", "webhook signing secret", None, "new"),
        (who, "store", "webhook URL", "https://orders.acme.example/hook", "https://orders.acme.example/v2"),
        (who, "store", "webhook signing secret", None, "new"),
        (who, "store", "webhook URL", "https://orders.acme.example/v2", None),
    ]  # fmt: skip


def test_store_api_key_is_made_from_the_page_shown_once_and_replaces_the_old(owner, brands, db):
    page = "/review/settings/store"
    action = "/review/settings/store/api-key"
    assert owner.post(action).status_code == 400  # no CSRF token
    first = _revealed(_replace(owner, page, action, {}).get_data(as_text=True))
    second_page = _replace(owner, page, action, {})
    second = _revealed(second_page.get_data(as_text=True))
    reloaded = owner.post(action, data=second_page.sent)
    assert reloaded.status_code == 409 and second not in reloaded.get_data(as_text=True)
    assert first.startswith("dots_sk_") and second.startswith("dots_sk_") and first != second
    assert second not in owner.get(page).get_data(as_text=True)
    assert f"dots_sk_{brand_of(db).api_key_prefix}" in owner.get(page).get_data(as_text=True)

    def delivered(key):
        return owner.post(
            "/v1/requests/999999/delivered", headers={"Authorization": f"Bearer {key}"}, json={}
        ).status_code

    assert delivered(first) == 401  # replaced: stops at once
    assert delivered(second) == 404  # accepted; there is no such request
    assert [row[2:] for row in audit_rows(db)] == [("store API key", None, "new")] * 2


def test_members_cannot_touch_the_store_connection(client, brands, db):
    login(client, brands[0].member, PASSWORD)
    for action, data in (
        ("/review/settings/store/webhook", {"url": "https://evil.example/hook"}),
        ("/review/settings/store/api-key", {}),
    ):
        token = csrf_token(client, "/review/")
        assert client.post(action, data={**data, "csrf_token": token}).status_code == 403
    assert brand_of(db).webhook_url is None and brand_of(db).api_key_prefix is None


def test_survey_days_are_set_checked_and_audited(owner, brands, db):
    data = {"expiry_days": "9", "max_items": "5", "max_value": "500", "currency": "USD"}
    page = "/review/settings/policy"
    assert "Days after completion to ask for the results" in owner.get(page).get_data(as_text=True)
    assert brand_of(db).survey_days == 3
    assert post_form(owner, page, page, {**data, "survey_days": "5"}).status_code == 302
    assert brand_of(db).survey_days == 5
    # 0 is a setting (no survey email), not "empty".
    assert post_form(owner, page, page, {**data, "survey_days": "0"}).status_code == 302
    assert brand_of(db).survey_days == 0
    refused = post_form(owner, page, page, {**data, "survey_days": "61"})
    assert refused.status_code == 400
    assert "from 0 to 60" in refused.get_data(as_text=True)
    assert brand_of(db).survey_days == 0
    assert [row[2:] for row in audit_rows(db)] == [
        ("survey days", "3", "5"),
        ("survey days", "5", "0"),
    ]
