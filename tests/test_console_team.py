"""Team: email invitations, roles, removal ending sessions at once, resets, the CLI invite."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from tests.console_helpers import BRANDS, OWNER, PASSWORD, post_form
from tests.review_helpers import csrf_token, login
from widget_server import clock
from widget_server.brands.models import BrandUser
from widget_server.db import session
from widget_server.notifications.models import OutboxMessage
from widget_server.notifications.sender import send_due

LINK = re.compile(r"http://widget\.test(/review/password/set/[\w-]+)")

brands = BRANDS
owner = OWNER


def deliver(app, smtp) -> list:
    """Send the outbox over the test SMTP server; what arrived so far."""
    with app.app_context():
        send_due()
    return smtp.messages


def set_password_path(message) -> str:
    match = LINK.search(message.part("plain"))
    assert match, message.part("plain")
    return match.group(1)


def choose_password(client: FlaskClient, path: str, password: str = "a brand new secret"):
    return client.post(
        path,
        # The session's CSRF token (the same on every page; an expired link shows no form).
        data={
            "new": password,
            "confirm": password,
            "csrf_token": csrf_token(client, "/review/forgot"),
        },
    )


def test_invite_by_email_sets_a_password_and_signs_in(smtp_app, smtp, owner, brands, db):
    response = post_form(
        owner,
        "/review/team",
        "/review/team/invite",
        {"email": "New@Acme.example", "role": "member"},
    )
    assert response.status_code == 302
    (message,) = deliver(smtp_app, smtp)
    assert message.rcpt_tos == ("new@acme.example",)
    assert "Acme" in str(message.message["Subject"]) and "as member" in message.part("plain")
    path = set_password_path(message)

    newcomer = smtp_app.test_client()
    assert newcomer.get(path).status_code == 200
    signed_in = choose_password(newcomer, path)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/review/"
    assert newcomer.get("/review/").status_code == 200
    assert newcomer.get("/review/team").status_code == 403  # a member
    assert newcomer.get(path).status_code == 410  # single use
    login(smtp_app.test_client(), "new@acme.example", "a brand new secret")
    with db() as s:
        user = s.scalar(select(BrandUser).where(BrandUser.email == "new@acme.example"))
        assert (user.role, user.brand.slug) == ("member", "acme")
    page = owner.get("/review/settings/audit").get_data(as_text=True)
    assert "new@acme.example (member)" in page


def test_an_invitation_expires_after_seven_days(app, owner):
    post_form(owner, "/review/team", "/review/team/invite", {"email": "late@acme.example"})
    with app.app_context():
        (row,) = session.scalars(select(OutboxMessage)).all()
        path = LINK.search(row.text_body).group(1)
    with clock.frozen_at(clock.now() + timedelta(days=7, minutes=1)):
        assert choose_password(app.test_client(), path).status_code == 410


def test_inviting_someone_with_a_sign_in_is_refused_on_the_field(owner, brands):
    response = post_form(
        owner, "/review/team", "/review/team/invite", {"email": brands[1].owner, "role": "owner"}
    )
    assert response.status_code == 400
    assert "already has a sign-in" in response.get_data(as_text=True)
    bad = post_form(owner, "/review/team", "/review/team/invite", {"email": "nope", "role": "boss"})
    html = bad.get_data(as_text=True)
    assert "That is not an email address." in html and "Not a valid choice" in html


def test_roles_change_and_a_brand_keeps_an_owner(owner, brands, db, app):
    acme = brands[0]
    response = post_form(
        owner, "/review/team", f"/review/team/{acme.member_id}/role", {"role": "owner"}
    )
    assert response.status_code == 302
    with db() as s:
        assert s.get(BrandUser, acme.member_id).role == "owner"
    with app.app_context():
        me = session.scalar(select(BrandUser).where(BrandUser.email == acme.owner))
        other = session.get(BrandUser, acme.member_id)
        other.role = "member"
        session.commit()
        me_id = me.id
    # The only owner cannot demote themselves (the form does not offer it; the server refuses).
    post_form(owner, "/review/team", f"/review/team/{me_id}/role", {"role": "member"})
    with db() as s:
        assert s.get(BrandUser, me_id).role == "owner"


def test_removing_a_teammate_ends_their_sessions_at_once(app, owner, brands, db):
    acme = brands[0]
    member = app.test_client()
    login(member, acme.member, PASSWORD)
    assert member.get("/review/").status_code == 200
    response = post_form(owner, "/review/team", f"/review/team/{acme.member_id}/remove", {})
    assert response.status_code == 302
    assert member.get("/review/").status_code == 302  # signed out on the next request
    with db() as s:
        assert s.get(BrandUser, acme.member_id) is None
    with db() as s:
        me = s.scalar(select(BrandUser).where(BrandUser.email == acme.owner))
    post_form(owner, "/review/team", f"/review/team/{me.id}/remove", {})
    assert owner.get("/review/team").status_code == 200  # one cannot remove oneself


def test_forgot_password_answers_the_same_and_resets_once(smtp_app, smtp, client, brands):
    page = "/review/forgot"
    answers = []
    for email in (brands[0].owner, "nobody@acme.example"):
        response = post_form(client, page, page, {"email": email})
        assert response.status_code == 302
        text = client.get(page).get_data(as_text=True)  # the flashed answer
        answers.append(re.search(r'role="status">(.*?)</p>', text).group(1).replace(email, "E"))
    assert answers[0] == answers[1] and "If E has a sign-in" in answers[0]
    (message,) = deliver(smtp_app, smtp)
    assert message.rcpt_tos == (brands[0].owner,)
    path = set_password_path(message)

    other_browser = smtp_app.test_client()
    login(other_browser, brands[0].owner, PASSWORD)
    assert choose_password(client, path, "my new password 2").status_code == 302
    assert client.get(path).status_code == 410  # used
    assert other_browser.get("/review/").status_code == 302  # every other session ended
    login(smtp_app.test_client(), brands[0].owner, "my new password 2")


def test_a_reset_link_lasts_one_hour(app, client, brands):
    post_form(client, "/review/forgot", "/review/forgot", {"email": brands[0].owner})
    with app.app_context():
        (row,) = session.scalars(select(OutboxMessage)).all()
        path = LINK.search(row.text_body).group(1)
    with clock.frozen_at(clock.now() + timedelta(minutes=59)):
        assert client.get(path).status_code == 200
    with clock.frozen_at(clock.now() + timedelta(minutes=61)):
        assert client.get(path).status_code == 410
        assert choose_password(client, path).status_code == 410


def test_a_short_password_is_refused_and_the_link_still_works(app, client, brands):
    post_form(client, "/review/forgot", "/review/forgot", {"email": brands[0].owner})
    with app.app_context():
        path = LINK.search(session.scalars(select(OutboxMessage)).one().text_body).group(1)
    response = choose_password(client, path, "short")
    assert response.status_code == 400 and "at least 10 characters" in response.get_data(
        as_text=True
    )
    assert client.get(path).status_code == 200


def test_forgot_password_is_rate_limited(client, brands):
    token = csrf_token(client, "/review/forgot")
    codes = [
        client.post(
            "/review/forgot", data={"email": "x@y.example", "csrf_token": token}
        ).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [302] * 10 and codes[-1] == 429


def test_cli_invites_the_first_owner_by_email(app, runner, brands):
    result = runner.invoke(
        args=["brand", "user", "invite", "rival", "--email", "boss@rival.example"]
    )
    assert result.exit_code == 0, result.output
    assert "Invited boss@rival.example to brand rival as owner" in result.output
    with app.app_context():
        user = session.scalar(select(BrandUser).where(BrandUser.email == "boss@rival.example"))
        assert user.role == "owner" and user.brand.slug == "rival"
        (row,) = session.scalars(select(OutboxMessage)).all()
        assert row.to_addr == "boss@rival.example" and LINK.search(row.text_body)
    again = runner.invoke(args=["brand", "user", "invite", "rival", "--email", brands[0].owner])
    assert again.exit_code == 1 and "already has a sign-in" in again.output
