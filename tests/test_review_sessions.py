"""Review sessions end on the server: sign-out, password change, revocation, idle and age.

Each test copies the session cookie into a second browser (another test
client) the way a thief would, and checks the copy stops working at once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import make_test_app
from tests.factories import make_brand
from tests.review_helpers import csrf_token, login
from widget_server import clock
from widget_server.brands.models import ReviewSession
from widget_server.brands.services import add_brand_user
from widget_server.config import ConfigError
from widget_server.db import session

EMAIL = "team@acme.example"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "staple battery horse 2"
COOKIE = "dots_review"


@pytest.fixture
def user(app: Flask) -> str:
    with app.app_context():
        brand = make_brand("acme")
        add_brand_user(brand, EMAIL, PASSWORD)
        make_brand("other")
        add_brand_user(session.scalar(_brand("other")), "team@other.example", PASSWORD)
        session.commit()
    return EMAIL


def _brand(slug: str):
    from widget_server.brands.models import Brand

    return select(Brand).where(Brand.slug == slug)


def signed_in(client: FlaskClient) -> bool:
    """Does this browser get the review page (not the sign-in redirect)?"""
    response = client.get("/review/")
    if response.status_code == 302:
        assert "/review/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """A second browser holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def open_sessions(app: Flask) -> list[ReviewSession]:
    with app.app_context():
        return list(
            session.scalars(select(ReviewSession).where(ReviewSession.revoked_at.is_(None)))
        )


def test_signing_out_ends_the_session_for_a_copied_cookie_too(app, client, user):
    login(client, EMAIL, PASSWORD)
    thief = copy_of(app, client)
    assert signed_in(thief)

    token = csrf_token(client, "/review/")
    assert client.post("/review/logout", data={"csrf_token": token}).status_code == 302

    assert not signed_in(client)
    assert not signed_in(thief)
    assert open_sessions(app) == []


def test_the_database_holds_only_a_hash_of_the_cookie_token(app, client, user):
    login(client, EMAIL, PASSWORD)
    with client.session_transaction() as cookie_session:
        token = cookie_session["sid"]
    (row,) = open_sessions(app)
    assert row.id == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.id


def test_a_cookie_from_before_server_side_sessions_signs_no_one_in(app, client, user):
    with app.app_context():
        from widget_server.brands.services import find_brand_user

        user_id = find_brand_user(EMAIL).id
    with client.session_transaction() as cookie_session:
        cookie_session["user_id"] = user_id  # what the old signed cookie carried
    assert not signed_in(client)


def test_signing_in_again_rotates_the_session(app, client, user):
    login(client, EMAIL, PASSWORD)
    first = copy_of(app, client)
    login(client, EMAIL, PASSWORD)
    second = client.get_cookie(COOKIE).value
    assert second != first.get_cookie(COOKIE).value
    # The session this browser held before ends: a copy of the old cookie is worthless.
    assert signed_in(client)
    assert not signed_in(first)
    # Another browser signing in is another session: both stay live.
    laptop = app.test_client()
    login(laptop, EMAIL, PASSWORD)
    assert signed_in(laptop) and signed_in(client)


def _change_password(client: FlaskClient, current: str, new: str, confirm: str | None = None):
    token = csrf_token(client, "/review/account/password")
    return client.post(
        "/review/account/password",
        data={"csrf_token": token, "current": current, "new": new, "confirm": confirm or new},
    )


def test_changing_the_password_ends_every_other_session_and_keeps_this_one(app, client, user):
    login(client, EMAIL, PASSWORD)
    thief = copy_of(app, client)
    laptop = app.test_client()
    login(laptop, EMAIL, PASSWORD)
    other_user = app.test_client()
    login(other_user, "team@other.example", PASSWORD)

    response = _change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your password is changed. 1 other session(s) were signed out." in page

    assert signed_in(client)  # this browser got a fresh session
    assert client.get_cookie(COOKIE).value != thief.get_cookie(COOKIE).value
    assert not signed_in(thief)
    assert not signed_in(laptop)
    assert signed_in(other_user)  # another user's sessions are theirs

    fresh = app.test_client()
    bad = fresh.post(
        "/review/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": csrf_token(fresh)},
    )
    assert bad.status_code == 200 and "do not match" in bad.get_data(as_text=True)
    login(fresh, EMAIL, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong password", NEW_PASSWORD, None, "That is not your current password."),
        (PASSWORD, "short", None, "Use a password of at least 10 characters."),
        (PASSWORD, NEW_PASSWORD, "something else", "The two new passwords differ."),
        (PASSWORD, "x" * 1001, None, "at most 1,000 characters"),
    ],
)
def test_a_refused_password_change_changes_nothing(
    app, client, user, current, new, confirm, message
):
    login(client, EMAIL, PASSWORD)
    thief = copy_of(app, client)
    response = _change_password(client, current, new, confirm)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert signed_in(client) and signed_in(thief)
    login(app.test_client(), EMAIL, PASSWORD)  # the old password still works


def test_guessing_the_current_password_is_rate_limited_like_sign_in(app, client, user):
    login(client, EMAIL, PASSWORD)
    codes = [_change_password(client, f"guess {n}", NEW_PASSWORD).status_code for n in range(11)]
    assert codes == [200] * 10 + [429]


def test_the_password_page_needs_sign_in_and_a_csrf_token(app, client, user):
    response = client.get("/review/account/password")
    assert response.status_code == 302 and "/review/login" in response.headers["Location"]
    login(client, EMAIL, PASSWORD)
    response = client.post(
        "/review/account/password",
        data={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 400
    login(app.test_client(), EMAIL, PASSWORD)  # unchanged


def test_the_password_page_is_linked_from_every_page(client, user):
    login(client, EMAIL, PASSWORD)
    assert 'href="/review/account/password"' in client.get("/review/").get_data(as_text=True)


# --- the command line -------------------------------------------------------------------


def test_sessions_revoke_ends_every_session_of_that_user_at_once(app, client, runner, user):
    login(client, EMAIL, PASSWORD)
    thief = copy_of(app, client)
    other_user = app.test_client()
    login(other_user, "team@other.example", PASSWORD)

    listed = runner.invoke(args=["brand", "user", "sessions", "list", EMAIL, "--json"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.count("signed_in_at") == 1

    result = runner.invoke(args=["brand", "user", "sessions", "revoke", EMAIL.upper()])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Signed {EMAIL.upper()} out: 1 session(s) ended."
    assert not signed_in(client) and not signed_in(thief)
    assert signed_in(other_user)

    listed = runner.invoke(args=["brand", "user", "sessions", "list", EMAIL])
    assert listed.output.strip() == f"{EMAIL} is not signed in anywhere."


def test_passwd_sets_a_new_password_and_ends_sessions(app, client, runner, user):
    login(client, EMAIL, PASSWORD)
    result = runner.invoke(args=["brand", "user", "passwd", EMAIL, "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert "1 open session(s) ended" in result.output
    assert not signed_in(client)
    login(client, EMAIL, NEW_PASSWORD)


def test_passwd_asks_for_the_password_when_not_given(runner, client, user):
    result = runner.invoke(
        args=["brand", "user", "passwd", EMAIL], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output  # hidden input
    login(client, EMAIL, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["passwd", "nobody@acme.example", "--password", NEW_PASSWORD], "no brand user"),
        (["passwd", EMAIL, "--password", "short"], "at least 10 characters"),
        (["sessions", "revoke", "nobody@acme.example"], "no brand user"),
        (["sessions", "list", "nobody@acme.example"], "no brand user"),
    ],
)
def test_user_commands_refuse_bad_input_in_one_line(runner, user, args, message):
    result = runner.invoke(args=["brand", "user", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


# --- lifetimes ------------------------------------------------------------------------------


def test_a_busy_session_still_ends_twelve_hours_after_sign_in(
    app, client, user, frozen_clock: datetime
):
    login(client, EMAIL, PASSWORD)
    thief = copy_of(app, client)
    for minutes in range(30, 12 * 60, 30):  # a request every half hour all day
        with clock.frozen_at(frozen_clock + timedelta(minutes=minutes)):
            assert signed_in(client), minutes
    with clock.frozen_at(frozen_clock + timedelta(hours=12, seconds=-1)):
        assert signed_in(thief)
    with clock.frozen_at(frozen_clock + timedelta(hours=12)):
        response = client.get("/review/")
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Your session has ended. Please sign in again." in page
        assert not signed_in(thief)
        login(client, EMAIL, PASSWORD)
        assert signed_in(client)


def test_an_idle_session_ends_after_the_idle_timeout(app, client, user, frozen_clock: datetime):
    login(client, EMAIL, PASSWORD)
    with clock.frozen_at(frozen_clock + timedelta(hours=1, minutes=59)):
        assert signed_in(client)  # used: the idle deadline moves to 3:59
    with clock.frozen_at(frozen_clock + timedelta(hours=3, minutes=58)):
        assert signed_in(client)
    with clock.frozen_at(frozen_clock + timedelta(hours=5, minutes=58)):
        assert not signed_in(client)


def test_the_idle_timeout_is_configurable(
    database_url, tmp_path, frozen_clock: datetime, monkeypatch
):
    monkeypatch.setenv("DOTS_REVIEW_IDLE_TIMEOUT", "10m")
    app = make_test_app(database_url, tmp_path / "instance")
    try:
        with app.app_context():
            add_brand_user(make_brand("idle"), EMAIL, PASSWORD)
            session.commit()
        client = app.test_client()
        login(client, EMAIL, PASSWORD)
        with clock.frozen_at(frozen_clock + timedelta(minutes=9)):
            assert signed_in(client)
        with clock.frozen_at(frozen_clock + timedelta(minutes=19)):
            assert not signed_in(client)
    finally:
        from tests.conftest import empty_tables

        empty_tables(app)


@pytest.mark.parametrize("value", ["forever", "0m", "-5m", "99999999999d"])
def test_a_bad_idle_timeout_stops_the_start(database_url, tmp_path, monkeypatch, value):
    monkeypatch.setenv("DOTS_REVIEW_IDLE_TIMEOUT", value)
    with pytest.raises(ConfigError, match="DOTS_REVIEW_IDLE_TIMEOUT"):
        make_test_app(database_url, tmp_path / "instance")


def test_old_sessions_are_pruned_at_the_next_sign_in(app, client, user, frozen_clock):
    login(client, EMAIL, PASSWORD)
    login(client, EMAIL, PASSWORD)
    with clock.frozen_at(frozen_clock + timedelta(days=1)):
        login(client, EMAIL, PASSWORD)
    with app.app_context():
        assert len(session.scalars(select(ReviewSession)).all()) == 1
