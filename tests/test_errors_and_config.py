"""The one error shape, the OpenAPI document, health, settings and money helpers."""

from __future__ import annotations

import logging
import os
import stat
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from tests.conftest import make_test_app
from tests.factories import make_brand, make_link
from widget_server import clock, create_app
from widget_server.brands.models import Brand
from widget_server.config import ConfigError, load_settings
from widget_server.db import engine, session
from widget_server.errors import flatten_messages
from widget_server.migrate import upgrade
from widget_server.money import exponent, format_minor, to_decimal_string, to_minor
from widget_server.ratelimit import DEFAULT_LIMITS
from widget_server.validation import normalize_origin

# --- one error shape ---------------------------------------------------------------------


def assert_shape(response, status, error):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"status", "error", "message"}
    assert body["status"] == status
    assert body["error"] == error
    assert isinstance(body["message"], str) and body["message"]
    return body


@pytest.mark.parametrize("path", ["/nope", "/v1/nope", "/v1/session/extra"])
def test_404_in_the_error_shape(client, path):
    assert_shape(client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    "method, path, allowed",
    [("post", "/v1/health", "GET"), ("get", "/v1/session", "POST"), ("put", "/v1/session", "POST")],
)
def test_405_in_the_error_shape_with_allow(client, method, path, allowed):
    response = getattr(client, method)(path)
    assert_shape(response, 405, "method_not_allowed")
    assert allowed in {m.strip() for m in response.headers["Allow"].split(",")}


def test_500_in_the_error_shape_without_details(app, caplog):
    def boom():
        raise RuntimeError("database password is hunter2")

    app.add_url_rule("/boom", "boom", boom)
    with caplog.at_level(logging.ERROR, logger="widget_server.errors"):
        response = app.test_client().get("/boom")
    body = assert_shape(response, 500, "internal_error")
    assert "hunter2" not in response.get_data(as_text=True)
    assert "logged" in body["message"]
    assert any("hunter2" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_validation_errors_carry_field_messages(client):
    response = client.post("/v1/session", json={}, headers={"Origin": "https://acme.example"})
    assert response.status_code == 422
    body = response.get_json()
    assert set(body) == {"status", "error", "message", "errors"}
    assert (body["status"], body["error"]) == (422, "validation_failed")
    assert body["errors"] == {"brand": ["Missing data for required field."]}


def test_flatten_messages_gives_field_paths():
    nested = {"items": {0: {"variant_id": ["Not valid."]}}, "brand": ["Missing."], "x": "Bad."}
    assert flatten_messages(nested) == {
        "items.0.variant_id": ["Not valid."],
        "brand": ["Missing."],
        "x": ["Bad."],
    }
    assert flatten_messages(["Top level."]) == {"_schema": ["Top level."]}


# --- OpenAPI and health ------------------------------------------------------------------


def test_openapi_document(client):
    response = client.get("/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert "post" in document["paths"]["/v1/session"]
    assert "get" in document["paths"]["/v1/health"]


def test_health_checks_the_database(client):
    response = client.get("/v1/health")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_health_reports_an_unreachable_database(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'no-such-dir' / 'db.sqlite3'}", tmp_path / "i")
    response = app.test_client().get("/v1/health")
    assert_shape(response, 503, "database_unavailable")


# --- settings ------------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No DOTS_* or FLASK_* settings from the machine running the tests."""
    for name in list(os.environ):
        if name.startswith(("DOTS_", "FLASK_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_missing_secret_key_is_a_clear_start_up_error(clean_env, tmp_path):
    with pytest.raises(ConfigError) as error:
        create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    message = str(error.value)
    assert "DOTS_SECRET_KEY is not set" in message
    assert "secrets.token_urlsafe" in message
    assert not (tmp_path / "instance" / "secret_key").exists()


@pytest.mark.parametrize("demo", ["0", "false", "no", ""])
def test_demo_switched_off_still_needs_a_secret_key(clean_env, tmp_path, demo):
    clean_env.setenv("DOTS_DEMO", demo)
    with pytest.raises(ConfigError):
        create_app({"INSTANCE_PATH": str(tmp_path / "instance")})


def test_secret_key_from_the_environment(clean_env, tmp_path):
    clean_env.setenv("DOTS_SECRET_KEY", "from-the-environment")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_debug_creates_a_key_too(clean_env, tmp_path):
    clean_env.setenv("FLASK_DEBUG", "1")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["SECRET_KEY"] == (tmp_path / "instance" / "secret_key").read_text().strip()


def test_demo_keeps_one_secret_key_so_links_survive_restarts(clean_env, tmp_path):
    clean_env.setenv("DOTS_DEMO", "1")
    instance = tmp_path / "instance"
    first = create_app({"INSTANCE_PATH": str(instance)})
    key_file = instance / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 40
    assert first.config["SECRET_KEY"] == key_file.read_text().strip()
    assert first.config["DATABASE_URL"] == f"sqlite:///{instance / 'dots.sqlite3'}"

    with first.app_context():
        upgrade()
        _, token = make_link(make_brand("acme"))
        engine().dispose()

    second = create_app({"INSTANCE_PATH": str(instance)})  # a restart
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    response = second.test_client().post(
        "/v1/session",
        json={"brand": "acme"},
        headers={"Origin": "https://acme.example", "Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.get_json()
    with second.app_context():
        engine().dispose()


def test_database_url_from_the_environment(clean_env, tmp_path):
    url = f"sqlite:///{tmp_path / 'from-env.sqlite3'}"
    clean_env.setenv("DOTS_DATABASE_URL", url)
    clean_env.setenv("DOTS_SECRET_KEY", "k")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["DATABASE_URL"] == url
    with app.app_context():
        assert engine().url.database == str(tmp_path / "from-env.sqlite3")
        upgrade()
        engine().dispose()
    assert (tmp_path / "from-env.sqlite3").exists()
    assert not (tmp_path / "instance" / "dots.sqlite3").exists()


def test_overrides_beat_the_environment(clean_env, tmp_path):
    clean_env.setenv("DOTS_DATABASE_URL", "sqlite:///env.sqlite3")
    clean_env.setenv("DOTS_PUBLIC_URL", "https://env.example")
    clean_env.setenv("DOTS_SECRET_KEY", "k")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "i"), "DATABASE_URL": "sqlite:///o.sqlite3"})
    assert app.config["DATABASE_URL"] == "sqlite:///o.sqlite3"
    assert app.config["PUBLIC_URL"] == "https://env.example"


@pytest.mark.parametrize(
    "value, expected",
    [("1", True), ("true", True), ("YES", True), (" on ", True), ("0", False), ("off", False)],
)
def test_boolean_settings_from_the_environment(clean_env, value, expected):
    clean_env.setenv("DOTS_DEMO", value)
    assert load_settings(None)["DEMO"] is expected


def test_setting_defaults(clean_env):
    settings = load_settings(None)
    assert settings["DATABASE_URL"] is None
    assert settings["SECRET_KEY"] is None
    assert settings["DEMO"] is False
    assert settings["LINK_TTL"] == "30d"


def test_rate_limits_from_the_environment(clean_env, tmp_path):
    """``DOTS_RATELIMIT_*`` set the limits a deployment (and the browser stack) runs with."""
    clean_env.setenv("DOTS_SECRET_KEY", "k")
    clean_env.setenv("DOTS_DATABASE_URL", f"sqlite:///{tmp_path / 'limits.sqlite3'}")
    clean_env.setenv("DOTS_RATELIMIT_READ_PER_IP", "2/minute")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        upgrade()
        _, token = make_link(make_brand("acme"))
        engine().dispose()
    headers = {"Authorization": f"Bearer {token}", "Origin": "https://acme.example"}
    client = app.test_client()
    codes = [client.get("/v1/catalog?brand=acme", headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert {key: app.config[key] for key in DEFAULT_LIMITS} == {
        **DEFAULT_LIMITS,
        "RATELIMIT_READ_PER_IP": "2/minute",
    }
    with app.app_context():
        engine().dispose()


@pytest.mark.parametrize("value", ["", "lots", "10/fortnight", "0/minute", "10/minute;0/day"])
def test_a_malformed_rate_limit_stops_the_start(clean_env, tmp_path, value):
    clean_env.setenv("DOTS_SECRET_KEY", "k")
    clean_env.setenv("DOTS_RATELIMIT_SIGN_IN_PER_IP", value)
    with pytest.raises(ConfigError) as error:
        create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert str(error.value) == (
        f"DOTS_RATELIMIT_SIGN_IN_PER_IP: {value!r} is not a rate limit like 30/minute"
        " or 10/minute;60/day"
    )


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}", tmp_path / "i")
    with app.app_context(), engine().connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with app.app_context():
        engine().dispose()


# --- times are aware UTC on every backend -------------------------------------------------------


def test_times_come_back_as_aware_utc(ctx):
    plus_two = timezone(timedelta(hours=2))
    brand = make_brand("acme")
    brand.created_at = datetime(2026, 3, 1, 14, 0, tzinfo=plus_two)
    session.commit()
    session.expire_all()
    stored = session.get(Brand, brand.id).created_at
    assert stored == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)


def test_naive_times_are_refused(ctx):
    brand = make_brand("acme")
    brand.created_at = datetime(2026, 3, 1, 12, 0)
    with pytest.raises(StatementError, match="naive datetime"):
        session.commit()
    session.rollback()


def test_frozen_clock_nests_and_refuses_naive_times():
    outer = datetime(2026, 1, 1, tzinfo=UTC)
    inner = datetime(2026, 6, 1, 9, 30, tzinfo=timezone(timedelta(hours=-4)))
    with clock.frozen_at(outer):
        assert clock.now() == outer
        with clock.frozen_at(inner):
            assert clock.now() == inner and clock.now().tzinfo is UTC
        assert clock.now() == outer
    assert clock.now().tzinfo is UTC and clock.now() != outer
    with pytest.raises(ValueError), clock.frozen_at(datetime(2026, 1, 1)):
        pass


# --- money -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, currency, minor",
    [
        ("1299.00", "USD", 129900),
        ("0.50", "USD", 50),
        ("12", "USD", 1200),
        ("0", "EUR", 0),
        (Decimal("19.99"), "usd", 1999),
        ("1500", "JPY", 1500),
        ("1.250", "KWD", 1250),
        ("  7.5 ", "GBP", 750),
    ],
)
def test_to_minor(amount, currency, minor):
    assert to_minor(amount, currency) == minor


@pytest.mark.parametrize(
    "amount, currency",
    [("12.345", "USD"), ("1500.5", "JPY"), ("1.2345", "KWD"), ("-1", "USD"), ("abc", "USD")]
    + [("", "USD"), ("NaN", "USD"), ("Infinity", "USD")],
)
def test_to_minor_refuses_what_it_would_have_to_round(amount, currency):
    with pytest.raises(ValueError):
        to_minor(amount, currency)


@pytest.mark.parametrize(
    "minor, currency, text",
    [
        (12999, "USD", "129.99 USD"),
        (50, "usd", "0.50 USD"),
        (0, "EUR", "0.00 EUR"),
        (123456789, "USD", "1,234,567.89 USD"),
        (1500, "JPY", "1,500 JPY"),
        (1250, "KWD", "1.250 KWD"),
    ],
)
def test_format_minor(minor, currency, text):
    assert format_minor(minor, currency) == text


@pytest.mark.parametrize(
    "minor, currency, text",
    [(129900, "USD", "1299.00"), (1500, "JPY", "1500"), (5, "KWD", "0.005")],
)
def test_decimal_strings_round_trip(minor, currency, text):
    assert to_decimal_string(minor, currency) == text
    assert to_minor(text, currency) == minor


@pytest.mark.parametrize("currency, digits", [("USD", 2), ("jpy", 0), ("KWD", 3), ("XYZ", 2)])
def test_exponent(currency, digits):
    assert exponent(currency) == digits


# --- origins ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, origin",
    [
        ("https://Shop.Example", "https://shop.example"),
        ("https://shop.example:443/", "https://shop.example"),
        ("http://shop.example:8080", "http://shop.example:8080"),
        ("http://[::1]:5001", "http://[::1]:5001"),
        (" https://shop.example ", "https://shop.example"),
    ],
)
def test_normalize_origin(given, origin):
    assert normalize_origin(given) == origin


@pytest.mark.parametrize(
    "given",
    [
        "shop.example",
        "ftp://shop.example",
        "https://",
        "https://shop.example/path",
        "https://shop.example?q",
        "https://shop.example#f",
        "https://u:p@shop.example",
        "https://shop.example:0x50",
        "javascript:alert(1)",
    ],
)
def test_normalize_origin_refuses_what_is_not_an_origin(given):
    with pytest.raises(ValueError):
        normalize_origin(given)
