"""``widget-server`` through ``app.test_cli_runner()``: the complete list of its commands,
and runs of the brand, influencer, link, catalog and db commands.

The other commands are run where their features are tested: ``expire`` in
``test_lifecycle.py``, ``outbox`` in ``test_outbox.py``; ``serve`` and
``worker`` are only checked to exist here (they start servers).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from types import SimpleNamespace

import click
import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from widget_server import clock
from widget_server.brands.models import BrandUser
from widget_server.brands.services import find_brand
from widget_server.db import session

ACME = [
    "brand",
    "create",
    "acme",
    "--name",
    "Acme Outdoor",
    "--origin",
    "https://acme.example",
    "--notify-email",
    "team@acme.example",
]
ANA = [
    "influencer",
    "create",
    "--name",
    "Ana Lima",
    "--email",
    "ana@example.com",
    "--country",
    "br",
    "--handle",
    "instagram:@ana.lima:12.5k",
    "--handle",
    "tiktok:analima:1m",
]


def ok(runner, *args):
    """Run a command that must succeed; return its stdout."""
    result = runner.invoke(args=list(args))
    assert result.exception is None, result.output
    assert result.exit_code == 0, result.output
    return result.stdout


def fails(runner, *args, exit_code=1):
    """Run a command that must fail cleanly; return its one stderr line."""
    result = runner.invoke(args=list(args))
    # A SystemExit is click reporting an error; anything else is a crash.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if exit_code == 1:
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("Error: ")
    return lines[-1]


def as_json(runner, *args):
    return json.loads(ok(runner, *args, "--json"))


@pytest.fixture
def acme(runner):
    ok(runner, *ACME)


@pytest.fixture
def ana(runner):
    ok(runner, *ANA)


def issue(runner, *extra):
    """Issue a link for Ana at acme; return its id, the output lines, the URL and the token."""
    out = ok(runner, "link", "issue", "--brand", "acme", "--influencer", "ana@example.com", *extra)
    lines = out.strip().splitlines()
    url = lines[-1]
    link_id = lines[0].split()[1]  # "Link 7 for …"
    return SimpleNamespace(id=link_id, lines=lines, url=url, token=url.rpartition("dots=")[2])


def post_session(client, token, origin="https://acme.example"):
    return client.post(
        "/v1/session",
        json={"brand": "acme"},
        headers={"Origin": origin, "Authorization": f"Bearer {token}"},
    )


# --- db ---------------------------------------------------------------------


def test_db_upgrade_on_a_migrated_database_is_a_no_op(runner):
    out = ok(runner, "db", "upgrade")
    assert out.strip().endswith("is at head.")


# --- brand ------------------------------------------------------------------


def test_brand_create_and_list(runner):
    out = ok(runner, *ACME)
    assert out.strip() == "Created brand acme (Acme Outdoor) for https://acme.example."
    assert as_json(runner, "brand", "list") == [
        {
            "slug": "acme",
            "name": "Acme Outdoor",
            "origins": ["https://acme.example"],
            "notify_email": "team@acme.example",
            "currency": "USD",
            "expiry_days": 9,
            "max_items": 3,
            "max_value": "300.00 USD",
        }
    ]
    text = ok(runner, "brand", "list")
    assert text.startswith("acme ")
    assert "https://acme.example" in text and "expiry 9d" in text


def test_brand_create_with_every_option(runner):
    ok(
        runner,
        "brand",
        "create",
        "nihon",
        "--name",
        "Nihon Goods",
        "--origin",
        "https://Nihon.Example:443/",
        "--origin",
        "http://127.0.0.1:5001",
        "--notify-email",
        "hello@nihon.example",
        "--expiry-days",
        "14",
        "--max-items",
        "5",
        "--max-value",
        "20000",
        "--currency",
        "JPY",
    )
    (row,) = as_json(runner, "brand", "list")
    assert row["origins"] == ["https://nihon.example", "http://127.0.0.1:5001"]
    assert (row["expiry_days"], row["max_items"]) == (14, 5)
    assert (row["currency"], row["max_value"]) == ("JPY", "20,000 JPY")


@pytest.mark.parametrize(
    "given, stored",
    [
        ("https://Shop.Example", "https://shop.example"),
        ("https://shop.example:443", "https://shop.example"),
        ("http://shop.example:80/", "http://shop.example"),
        ("https://shop.example:8443", "https://shop.example:8443"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_brand_origins_are_normalised(runner, given, stored):
    ok(
        runner,
        "brand",
        "create",
        "shop",
        "--name",
        "Shop",
        "--origin",
        given,
        "--notify-email",
        "a@b.example",
    )
    assert as_json(runner, "brand", "list")[0]["origins"] == [stored]


@pytest.mark.parametrize(
    "origin, reason",
    [
        ("https://acme.example/shop", "scheme://host[:port]"),
        ("https://acme.example/?q=1", "scheme://host[:port]"),
        ("https://acme.example/#top", "scheme://host[:port]"),
        ("ftp://acme.example", "scheme://host[:port]"),
        ("acme.example", "scheme://host[:port]"),
        ("https://", "scheme://host[:port]"),
        ("https://:8080", "scheme://host[:port]"),
        ("https://user:pw@acme.example", "scheme://host[:port]"),
        ("https://acme.example:99999", "invalid port"),
    ],
    ids=[
        "path",
        "query",
        "fragment",
        "ftp",
        "no scheme",
        "no host",
        "port only",
        "credentials",
        "bad port",
    ],
)
def test_brand_create_refuses_bad_origins(runner, origin, reason):
    args = list(ACME)
    args[args.index("https://acme.example")] = origin
    line = fails(runner, *args)
    assert reason in line and "allowed_origins" in line
    assert as_json(runner, "brand", "list") == []


@pytest.mark.parametrize(
    "change, reason",
    [
        (("--notify-email", "not-an-email"), "notify_email"),
        (("--expiry-days", "0"), "expiry_days"),
        (("--expiry-days", "366"), "expiry_days"),
        (("--max-items", "0"), "max_items"),
        (("--max-value", "abc"), "max_value"),
        (("--max-value", "12.345"), "more decimals"),
        (("--currency", "dollars"), "currency"),
    ],
    ids=lambda v: v if isinstance(v, str) else " ".join(v),
)
def test_brand_create_refuses_bad_settings(runner, change, reason):
    args = list(ACME)
    if change[0] in args:
        args[args.index(change[0]) + 1] = change[1]
    else:
        args += list(change)
    assert reason in fails(runner, *args)
    assert as_json(runner, "brand", "list") == []


@pytest.mark.parametrize("slug", ["Acme", "acme_store", "acme store", "a" * 64, "acmé"])
def test_brand_create_refuses_bad_slugs(runner, slug):
    args = list(ACME)
    args[2] = slug
    assert "slug" in fails(runner, *args)


def test_brand_create_refuses_a_duplicate_slug(runner, acme):
    assert "already exists" in fails(runner, *ACME)
    assert len(as_json(runner, "brand", "list")) == 1


def test_brand_create_needs_an_origin(runner):
    args = ACME[:5] + ACME[7:]
    line = fails(runner, *args, exit_code=2)
    assert "--origin" in line


def test_brand_update_changes_only_what_is_given(runner, acme):
    out = ok(
        runner,
        "brand",
        "update",
        "acme",
        "--name",
        "Acme Co",
        "--origin",
        "https://shop.acme.example",
        "--origin",
        "https://acme.example",
        "--expiry-days",
        "21",
    )
    assert out.strip() == "Updated brand acme."
    (row,) = as_json(runner, "brand", "list")
    assert row["name"] == "Acme Co"
    assert row["origins"] == ["https://shop.acme.example", "https://acme.example"]
    assert row["expiry_days"] == 21
    assert row["notify_email"] == "team@acme.example"
    assert row["max_items"] == 3


def test_brand_update_max_value_in_the_brand_currency(runner, acme):
    ok(runner, "brand", "update", "acme", "--max-value", "149.99")
    assert as_json(runner, "brand", "list")[0]["max_value"] == "149.99 USD"


@pytest.mark.parametrize(
    "args, reason",
    [
        (("--origin", "https://acme.example/shop"), "scheme://host[:port]"),
        (("--expiry-days", "0"), "expiry_days"),
        (("--notify-email", "nope"), "notify_email"),
    ],
    ids=["origin", "expiry", "email"],
)
def test_brand_update_refuses_bad_values_and_changes_nothing(runner, acme, args, reason):
    before = as_json(runner, "brand", "list")
    assert reason in fails(runner, "brand", "update", "acme", "--name", "Changed", *args)
    assert as_json(runner, "brand", "list") == before


def test_brand_update_sets_the_survey_days_within_0_to_60(runner, acme, app):
    ok(runner, "brand", "update", "acme", "--survey-days", "7")
    assert "survey_days" in fails(runner, "brand", "update", "acme", "--survey-days", "61")
    with app.app_context():
        assert find_brand("acme").survey_days == 7


def test_brand_update_without_changes_is_a_usage_error(runner, acme):
    assert "nothing to change" in fails(runner, "brand", "update", "acme", exit_code=2)


def test_brand_user_add_stores_a_password_hash(app, runner, acme):
    out = ok(
        runner,
        "brand",
        "user",
        "add",
        "acme",
        "--email",
        "Rita@Acme.example",
        "--password",
        "correct horse",
    )
    assert out.strip() == "Added rita@acme.example to brand acme."
    with app.app_context():
        user = session.scalar(select(BrandUser))
        assert user.email == "rita@acme.example"
        assert user.brand.slug == "acme"
        assert user.password_hash != "correct horse"
        assert check_password_hash(user.password_hash, "correct horse")


@pytest.mark.parametrize(
    "email, password, reason",
    [
        ("rita@acme.example", "short", "at least 10 characters"),
        ("not-an-email", "long enough pw", "email"),
        ("RITA@acme.example", "long enough pw", "already exists"),
    ],
    ids=["short password", "bad email", "duplicate email"],
)
def test_brand_user_add_refuses_bad_input(app, runner, acme, email, password, reason):
    ok(
        runner,
        "brand",
        "user",
        "add",
        "acme",
        "--email",
        "rita@acme.example",
        "--password",
        "0123456789",
    )
    line = fails(runner, "brand", "user", "add", "acme", "--email", email, "--password", password)
    assert reason in line
    with app.app_context():
        assert len(session.scalars(select(BrandUser)).all()) == 1


# --- influencer -------------------------------------------------------------


def test_influencer_create_and_list(runner):
    assert ok(runner, *ANA).strip() == "Created influencer Ana Lima <ana@example.com>."
    assert as_json(runner, "influencer", "list") == [
        {
            "name": "Ana Lima",
            "email": "ana@example.com",
            "country": "BR",
            "handles": [
                {"platform": "instagram", "handle": "ana.lima", "followers": 12500},
                {"platform": "tiktok", "handle": "analima", "followers": 1_000_000},
            ],
        }
    ]
    text = ok(runner, "influencer", "list")
    assert "Ana Lima" in text and "instagram:@ana.lima (12,500)" in text


@pytest.mark.parametrize(
    "spec, handle",
    [
        ("instagram:ana:12000", {"platform": "instagram", "handle": "ana", "followers": 12000}),
        ("Instagram:@ana:12,000", {"platform": "instagram", "handle": "ana", "followers": 12000}),
        ("youtube:AnaTV:1.2M", {"platform": "youtube", "handle": "AnaTV", "followers": 1_200_000}),
        ("x:ana:3k", {"platform": "x", "handle": "ana", "followers": 3000}),
        ("blog:ana:0", {"platform": "blog", "handle": "ana", "followers": 0}),
    ],
)
def test_influencer_handle_specs(runner, spec, handle):
    ok(
        runner,
        "influencer",
        "create",
        "--name",
        "Ana",
        "--email",
        "a@example.com",
        "--handle",
        spec,
    )
    assert as_json(runner, "influencer", "list")[0]["handles"] == [handle]


def test_influencer_without_country_or_handles(runner):
    ok(runner, "influencer", "create", "--name", "Bo", "--email", "BO@Example.com")
    assert as_json(runner, "influencer", "list") == [
        {"name": "Bo", "email": "bo@example.com", "country": None, "handles": []}
    ]
    assert "--" in ok(runner, "influencer", "list")


@pytest.mark.parametrize(
    "extra, reason",
    [
        (("--handle", "instagram:ana"), "PLATFORM:HANDLE:FOLLOWERS"),
        (("--handle", "instagram:ana:12:3"), "PLATFORM:HANDLE:FOLLOWERS"),
        (("--handle", "instagram::12"), "PLATFORM:HANDLE:FOLLOWERS"),
        (("--handle", "ana"), "PLATFORM:HANDLE:FOLLOWERS"),
        (("--handle", "instagram:ana:lots"), "not a number"),
        (("--handle", "instagram:ana:inf"), "not a number"),
        (("--handle", "instagram:ana:-5"), "followers"),
        (("--handle", "myspace:ana:10"), "Unknown platform"),
        (("--handle", "instagram:ana:1", "--handle", "instagram:@ana:2"), "twice"),
        (("--country", "USA"), "two-letter"),
        (("--country", "1A"), "two-letter"),
        (("--email", "not-an-email"), "email"),
    ],
    ids=lambda v: v if isinstance(v, str) else " ".join(v),
)
def test_influencer_create_refuses_bad_input(runner, extra, reason):
    args = ["influencer", "create", "--name", "Ana", "--email", "ana@example.com", *extra]
    assert reason in fails(runner, *args)
    assert as_json(runner, "influencer", "list") == []


def test_influencer_create_refuses_a_duplicate_email(runner, ana):
    line = fails(runner, "influencer", "create", "--name", "Other", "--email", "ANA@example.com")
    assert "already exists" in line
    assert len(as_json(runner, "influencer", "list")) == 1


# --- link -------------------------------------------------------------------


def test_link_issue_prints_a_link_the_session_endpoint_accepts(runner, client, acme, ana):
    link = issue(runner)
    assert link.url.startswith("https://acme.example/#dots=")
    assert len(link.lines) == 2
    assert link.lines[0].startswith(f"Link {link.id} for Ana Lima at Acme Outdoor, valid until ")
    assert [row["id"] for row in as_json(runner, "link", "list")] == [int(link.id)]
    response = post_session(client, link.token)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["influencer"]["name"] == "Ana Lima"


def test_link_issue_to_a_store_page_keeps_path_query_and_fragment(runner, client, acme, ana):
    link = issue(runner, "--url", "https://acme.example/products/tent?colour=red#top")
    assert link.url.startswith("https://acme.example/products/tent?colour=red#top&dots=")
    assert post_session(client, link.token).status_code == 200


def test_link_issue_to_another_origin_of_the_brand(runner, client, acme, ana):
    ok(
        runner,
        "brand",
        "update",
        "acme",
        "--origin",
        "https://acme.example",
        "--origin",
        "http://127.0.0.1:5001",
    )
    link = issue(runner, "--url", "http://127.0.0.1:5001/")
    assert link.url.startswith("http://127.0.0.1:5001/#dots=")
    assert post_session(client, link.token, origin="http://127.0.0.1:5001").status_code == 200


@pytest.mark.parametrize(
    "expires_in, lifetime",
    [
        (None, timedelta(days=30)),
        ("30d", timedelta(days=30)),
        ("12h", timedelta(hours=12)),
        ("90s", timedelta(seconds=90)),
        ("2w", timedelta(weeks=2)),
        ("45m", timedelta(minutes=45)),
    ],
)
def test_link_issue_expiry(runner, acme, ana, frozen_clock, expires_in, lifetime):
    issue(runner, *(["--expires-in", expires_in] if expires_in else []))
    (row,) = as_json(runner, "link", "list")
    assert datetime.fromisoformat(row["issued_at"]) == frozen_clock
    assert datetime.fromisoformat(row["expires_at"]) == frozen_clock + lifetime


@pytest.mark.parametrize(
    "args, reason",
    [
        (("--brand", "nope", "--influencer", "ana@example.com"), "unknown brand 'nope'"),
        (("--brand", "acme", "--influencer", "nobody@example.com"), "unknown influencer"),
        (("--url", "https://evil.example/"), "not on one of acme's origins"),
        (("--url", "https://acme.example.evil.com/"), "not on one of acme's origins"),
        (("--url", "http://acme.example/"), "not on one of acme's origins"),
        (("--url", "ftp://acme.example/"), "not an http(s) URL"),
        (("--url", "acme.example/shop"), "not an http(s) URL"),
        (("--expires-in", "30x"), "not a duration"),
        (("--expires-in", "0d"), "not a duration"),
        (("--expires-in", "-1d"), "not a duration"),
        (("--expires-in", "d"), "not a duration"),
        (("--expires-in", "forever"), "not a duration"),
        (("--expires-in", "99999999999d"), "too long"),
        (("--expires-in", "3000000d"), "too long"),
    ],
    ids=lambda v: v if isinstance(v, str) else " ".join(v),
)
def test_link_issue_refuses_bad_input(runner, acme, ana, args, reason):
    base = ["--brand", "acme", "--influencer", "ana@example.com"]
    if args[0] != "--brand":
        args = (*base, *args)
    assert reason in fails(runner, "link", "issue", *args)
    assert as_json(runner, "link", "list") == []


def test_link_list_shows_each_status(runner, acme, ana, frozen_clock):
    ids = [int(issue(runner, *extra).id) for extra in ((), ("--expires-in", "90s"), ())]
    ok(runner, "link", "revoke", str(ids[2]))
    with clock.frozen_at(frozen_clock + timedelta(minutes=5)):
        rows = as_json(runner, "link", "list")
        text = ok(runner, "link", "list")
    assert [r["id"] for r in rows] == ids
    assert [r["status"] for r in rows] == ["active", "expired", "revoked"]
    assert {r["brand"] for r in rows} == {"acme"}
    assert {r["influencer"] for r in rows} == {"ana@example.com"}
    assert [line.split()[3] for line in text.strip().splitlines()] == [
        "active",
        "expired",
        "revoked",
    ]


def test_link_list_filters_by_brand(runner, ana):
    ok(runner, *ACME)
    ok(
        runner,
        "brand",
        "create",
        "globex",
        "--name",
        "Globex",
        "--origin",
        "https://globex.example",
        "--notify-email",
        "g@globex.example",
    )
    issue(runner)
    out = ok(runner, "link", "issue", "--brand", "globex", "--influencer", "ana@example.com")
    globex_id = int(out.split()[1])
    assert [r["brand"] for r in as_json(runner, "link", "list")] == ["acme", "globex"]
    assert [r["id"] for r in as_json(runner, "link", "list", "--brand", "globex")] == [globex_id]
    assert "unknown brand" in fails(runner, "link", "list", "--brand", "nope")


def test_link_revoke_stops_that_token_only(runner, client, acme, ana):
    first, second = issue(runner), issue(runner)
    assert ok(runner, "link", "revoke", first.id).strip() == f"Revoked link {first.id}."
    assert post_session(client, first.token).get_json()["error"] == "link_revoked"
    assert post_session(client, second.token).status_code == 200
    assert [r["status"] for r in as_json(runner, "link", "list")] == ["revoked", "active"]
    # Revoking again is harmless.
    ok(runner, "link", "revoke", first.id)


def test_link_revoke_refuses_an_unknown_link(runner):
    assert "unknown link 999" in fails(runner, "link", "revoke", "999")


def test_link_revoke_needs_a_number(runner):
    assert "abc" in fails(runner, "link", "revoke", "abc", exit_code=2)


# --- commands that name a brand -------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("brand", "update", "nope", "--name", "X"),
        ("brand", "user", "add", "nope", "--email", "a@b.example", "--password", "0123456789"),
        ("link", "issue", "--brand", "nope", "--influencer", "ana@example.com"),
        ("link", "list", "--brand", "nope"),
        ("catalog", "sync", "--brand", "nope", "--from", "feed.json"),
        ("catalog", "show", "--brand", "nope", "--json"),
        ("catalog", "exclude", "--brand", "nope", "some-handle"),
        ("catalog", "include", "--brand", "nope", "some-handle"),
        ("counters", "rebuild", "--brand", "nope"),
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_unknown_brand_is_one_clear_line(runner, ana, args):
    assert "unknown brand 'nope'" in fails(runner, *args)


#: Every command, by group ("" is the top level): the README's "Command line"
#: section, plus ``db downgrade``. Libraries' own groups are not ours to list.
COMMANDS = {
    "": {
        "db",
        "brand",
        "influencer",
        "link",
        "catalog",
        "expire",
        "counters",
        "daily",
        "remind",
        "outbox",
        "serve",
        "worker",
        "assets",
    },  # fmt: skip
    "db": {"upgrade", "downgrade"},
    "brand": {"create", "list", "update", "user", "api-key", "webhook"},
    "brand user": {"add", "invite", "passwd", "sessions"},
    "brand user sessions": {"list", "revoke"},
    "influencer": {"create", "list"},
    "link": {"issue", "list", "revoke", "preview"},
    "catalog": {"sync", "show", "exclude", "include"},
    "outbox": {"send", "list", "retry"},
    "assets": {"build"},
    "counters": {"rebuild"},
}
LIBRARY_GROUPS = {"openapi"}  # flask-smorest's


def command_tree(group: click.Group, path: str = "") -> dict[str, set[str]]:
    """``{group path: its command names}`` for ``group`` and every group under it."""
    names = set(group.commands) - LIBRARY_GROUPS
    tree = {path: names}
    for name in names:
        command = group.commands[name]
        if isinstance(command, click.Group):
            tree.update(command_tree(command, f"{path} {name}".strip()))
    return tree


def test_every_command_is_listed_here_and_in_its_groups_help(app, runner):
    """The list above is complete (a new command fails this until it is listed), and
    each group's help names each of its commands."""
    assert command_tree(app.cli) == COMMANDS
    for group, commands in COMMANDS.items():
        out = ok(runner, *group.split(), "--help")
        for command in commands:
            assert f"  {command} " in out or f"  {command}\n" in out, (group, command)
