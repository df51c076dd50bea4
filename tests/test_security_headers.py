"""Security headers: review pages, exports and errors; HSTS over https; the panel untouched."""

from __future__ import annotations

from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import make_test_app
from tests.factories import make_brand, make_link, make_product, make_request
from tests.review_helpers import login
from widget_server.brands.services import add_brand_user
from widget_server.db import session
from widget_server.product_requests import states

PASSWORD = "correct horse battery"


@pytest.fixture
def shop(app: Flask) -> SimpleNamespace:
    with app.app_context():
        brand = make_brand("acme")
        add_brand_user(brand, "team@acme.example", PASSWORD)
        link, _ = make_link(brand)
        pending = make_request(link, [make_product(brand, "acme-p0").variants[0]])
        decided = make_request(link, [make_product(brand, "acme-p1").variants[0]])
        states.transition(decided.id, states.APPROVED, "team@acme.example")
        session.commit()
        return SimpleNamespace(pending=pending.id, decided=decided.id)


@pytest.fixture
def signed_in(client: FlaskClient, shop: SimpleNamespace) -> FlaskClient:
    login(client, "team@acme.example", PASSWORD)
    return client


def review_urls(shop: SimpleNamespace) -> list[str]:
    return [
        "/review/",
        "/review/archive",
        "/review/archive?status=approved",
        "/review/archive.csv",
        f"/review/requests/{shop.pending}",
        f"/review/requests/{shop.decided}",
        "/review/account/password",
        "/review/requests/999999",  # an error page
        "/review/no-such-page",  # not even a route
    ]


def assert_review_headers(response, secure: bool = False) -> None:
    headers = response.headers
    policy = headers["Content-Security-Policy"]
    directives = dict(
        (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in policy.split(";"))
    )
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert ("http:" in directives["img-src"].split()) is not secure
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"


def test_every_review_page_export_and_error_carries_the_headers(signed_in, shop):
    for url in review_urls(shop):
        response = signed_in.get(url)
        assert response.status_code in (200, 404), url
        assert_review_headers(response)
        assert "Strict-Transport-Security" not in response.headers  # plain http here


def test_signed_out_pages_and_redirects_carry_them_too(client, shop):
    for response in (
        client.get("/review/login"),
        client.get("/review/"),  # the redirect to sign in
        client.post("/review/login", data={}),  # no CSRF token: 400
    ):
        assert_review_headers(response)


def test_the_stylesheet_may_be_cached(client):
    response = client.get("/review/static/review.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


class _InlineFinder(HTMLParser):
    """Collects everything a CSP without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and not dict(attrs).get("src"):
            self.found.append("inline <script>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:…>")


def test_review_pages_have_no_inline_script_style_or_handlers(signed_in, shop, client):
    pages = [signed_in.get(url) for url in review_urls(shop) if not url.endswith(".csv")]
    pages.append(signed_in.application.test_client().get("/review/login"))
    for response in pages:
        finder = _InlineFinder()
        finder.feed(response.get_data(as_text=True))
        assert finder.found == [], (response.request.path, finder.found)


def test_hsts_when_the_request_came_over_https(signed_in, shop):
    response = signed_in.get("/review/", base_url="https://widget.test")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert_review_headers(response, secure=True)
    api = signed_in.get("/v1/health", base_url="https://widget.test")
    assert api.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_behind_a_proxy_that_terminates_tls(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path / "instance", PROXY_HOPS=1)
    client = app.test_client()
    plain = client.get("/review/login")
    assert "Strict-Transport-Security" not in plain.headers
    proxied = client.get("/review/login", headers={"X-Forwarded-Proto": "https"})
    assert proxied.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_when_the_public_url_is_https(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path / "instance", PUBLIC_URL="https://widget.example")
    response = app.test_client().get("/review/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert_review_headers(response, secure=True)


def test_the_panel_keeps_its_own_framing_policy(client, app):
    with app.app_context():
        make_brand("acme")
    response = client.get("/v1/panel?brand=acme&origin=https://acme.example")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://acme.example;" in policy
    assert "'none'" not in policy.split("frame-ancestors", 1)[1].split(";", 1)[0]
    assert "X-Frame-Options" not in response.headers  # the store must be able to frame it
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_api_answers_are_not_given_review_policies(client):
    response = client.get("/v1/health")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response.headers
    assert "X-Frame-Options" not in response.headers
