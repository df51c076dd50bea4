"""Behind TLS and proxies, as the README's "Running in production" promises.

- With an ``https://`` ``DOTS_PUBLIC_URL`` the review session cookie is
  ``Secure``; with an ``http://`` one (the demo) it is not, or browsers would
  never send it back. It is always ``HttpOnly`` and ``SameSite=Lax``.
- ``DOTS_PROXY_HOPS``: the client IP, which the per-IP rate limits count, comes
  from ``X-Forwarded-For`` only when hops are set, and then only from the
  entries those proxies appended (a client cannot pick its own).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import FROM_ENVIRONMENT, empty_tables, make_test_app
from tests.factories import make_brand
from widget_server.brands.services import add_brand_user
from widget_server.db import session

EMAIL, PASSWORD = "team@acme.example", "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def env_app(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Flask]]:
    """``env_app(**DOTS_variables)``: an app that reads PUBLIC_URL and PROXY_HOPS from
    the environment as a deployment does, with a brand user to sign in as."""
    made: list[Flask] = []

    def build(**variables: str) -> Flask:
        for name in ("DOTS_PUBLIC_URL", "DOTS_PROXY_HOPS"):
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        app = make_test_app(
            database_url,
            tmp_path / f"instance-{len(made)}",
            PUBLIC_URL=FROM_ENVIRONMENT,
            PROXY_HOPS=FROM_ENVIRONMENT,
        )
        made.append(app)
        with app.app_context():
            add_brand_user(make_brand("acme"), EMAIL, PASSWORD)
            session.commit()
        return app

    yield build
    if made:
        empty_tables(made[0])


def sign_in(
    client: FlaskClient, password: str, base: str = "http://localhost", **headers: str
) -> tuple[int, str | None]:
    """Post the sign-in form at ``base`` (with its CSRF token): status and Set-Cookie."""
    html = client.get(f"{base}/review/login").get_data(as_text=True)
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the sign-in page"
    # Flask-WTF checks the Referer of form posts made over https, as browsers send it.
    response = client.post(
        f"{base}/review/login",
        data={"email": EMAIL, "password": password, "csrf_token": match.group(1)},
        headers={"Referer": f"{base}/review/login", **headers},
    )
    return response.status_code, response.headers.get("Set-Cookie")


@pytest.mark.parametrize(
    ("public_url", "secure"),
    [("https://widget.example", True), ("http://127.0.0.1:5000", False)],
    ids=["https", "http"],
)
def test_the_review_cookie_is_secure_with_an_https_public_url(
    env_app: Callable[..., Flask], public_url: str, secure: bool
) -> None:
    app = env_app(DOTS_PUBLIC_URL=public_url)
    assert app.config["PUBLIC_URL"] == public_url
    # TLS ends in front; the browser's side of the connection is what the URL says.
    status, cookie = sign_in(app.test_client(), PASSWORD, base=public_url.split(":5000")[0])
    assert status == 302 and cookie, cookie
    attributes = {part.strip() for part in cookie.split(";")[1:]}
    assert {"HttpOnly", "SameSite=Lax"} <= attributes
    assert ("Secure" in attributes) == secure, cookie


def attempts(client: FlaskClient, *forwarded_for: str) -> list[int]:
    """One wrong sign-in per ``X-Forwarded-For`` value: the status codes."""
    return [sign_in(client, "wrong", **{"X-Forwarded-For": xff})[0] for xff in forwarded_for]


def test_without_proxy_hops_x_forwarded_for_is_ignored(env_app: Callable[..., Flask]) -> None:
    """The default (no proxy): a client that forges X-Forwarded-For is still counted by
    its own address, so it cannot dodge the sign-in limit (10 a minute)."""
    app = env_app()
    assert not int(app.config["PROXY_HOPS"])
    codes = attempts(app.test_client(), *(f"198.51.100.{n}" for n in range(11)))
    assert codes == [200] * 10 + [429]


def test_with_one_proxy_hop_each_client_has_its_own_limit(env_app: Callable[..., Flask]) -> None:
    """Behind one proxy every request comes from the proxy's address; the client IP is
    the last X-Forwarded-For entry, the one the proxy appended."""
    app = env_app(DOTS_PROXY_HOPS="1")
    client = app.test_client()
    assert attempts(client, *["203.0.113.7"] * 11) == [200] * 10 + [429]
    # Another client behind the same proxy is not held up by the first one.
    assert attempts(client, "198.51.100.4") == [200]
    # An entry the client wrote itself, before the proxy's, changes nothing.
    assert attempts(client, "198.51.100.99, 203.0.113.7") == [429]


def test_a_sign_in_over_https_gets_a_secure_cookie(env_app):
    """The public URL says http, but this browser came over TLS: its cookie is Secure."""
    app = env_app(DOTS_PUBLIC_URL="http://widget.example")
    status, cookie = sign_in(app.test_client(), PASSWORD, base="https://widget.example")
    assert status == 302 and "Secure" in cookie, cookie


def test_a_sign_in_through_a_tls_proxy_gets_a_secure_cookie(env_app):
    """Behind one proxy that terminated TLS (X-Forwarded-Proto: https), likewise."""
    app = env_app(DOTS_PUBLIC_URL="http://widget.example", DOTS_PROXY_HOPS="1")
    status, cookie = sign_in(
        app.test_client(),
        PASSWORD,
        base="http://widget.example",
        **{
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.7",
            "Referer": "https://widget.example/review/login",
        },
    )
    assert status == 302 and "Secure" in cookie, cookie
