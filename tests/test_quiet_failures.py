"""Quiet failures: a health check that says little, and a command line that fails in one line.

The command-line tests run the real ``widget-server`` (``python -m widget_server``)
in a subprocess with a clean environment, as a person would.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import make_test_app
from tests.factories import make_brand, make_link
from widget_server.cli import commands, instance_env_file, read_env_file

ROOT = Path(__file__).resolve().parent.parent
EVERY_COMMAND = {"db", "brand", "influencer", "link", "catalog", "expire", "outbox", "serve"}
EVERY_COMMAND |= {"worker"}
UNREACHABLE_PG = "postgresql://dots:secret-password@127.0.0.1:1/nowhere"
#: What a health answer must never show: hosts, ports, drivers, files, credentials.
LEAKS = (
    "127.0.0.1", "5432", "port", "psycopg", "sqlite", "sqlalchemy", "nowhere", "no-such-dir",
    "secret-password", "dots:", "connection", "operationalerror",
)  # fmt: skip


# --- /v1/health ---------------------------------------------------------------------------


def unreachable_databases(tmp_path: Path) -> list[str]:
    return [f"sqlite:///{tmp_path / 'no-such-dir' / 'db.sqlite3'}", UNREACHABLE_PG]


@pytest.mark.parametrize("which", [0, 1], ids=["sqlite-missing-folder", "postgres-refused"])
def test_health_answers_503_without_hosts_ports_or_drivers(tmp_path, caplog, which):
    url = unreachable_databases(tmp_path)[which]
    app = make_test_app(url, tmp_path / "instance")
    with caplog.at_level(logging.ERROR, logger="widget_server.errors"):
        response = app.test_client().get("/v1/health")
    assert response.status_code == 503
    body = response.get_json()
    assert set(body) == {"status", "error", "message"}
    assert body["status"] == 503 and body["error"] == "database_unavailable"
    assert response.headers["Retry-After"] == "5"
    text = response.get_data(as_text=True).lower()
    for secret in LEAKS:
        assert secret not in text, secret
    # The operator's log has what the answer leaves out.
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "database unavailable" in logged
    assert ("unable to open database file" if which == 0 else "127.0.0.1") in logged


def test_any_endpoint_answers_503_when_the_database_is_down(tmp_path):
    app = make_test_app(UNREACHABLE_PG, tmp_path / "instance")
    client = app.test_client()
    for response in (
        client.get("/v1/catalog?brand=acme", headers={"Origin": "https://acme.example"}),
        client.get("/v1/panel?brand=acme&origin=https://acme.example"),
    ):
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.get_json()["error"] == "database_unavailable"
        assert "127.0.0.1" not in response.get_data(as_text=True)


def test_health_is_ok_when_the_database_is(client):
    assert client.get("/v1/health").get_json() == {"status": "ok", "database": "ok"}


# --- the command line, as a person runs it ---------------------------------------------------


def clean_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The machine's environment without any DOTS_*/FLASK_* setting, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOTS_", "FLASK_"))}
    env["DOTS_INSTANCE_PATH"] = str(tmp_path / "instance")
    env.update(settings)
    return env


def widget_server(
    env: dict[str, str], *args: str | bytes, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "widget_server", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_help_lists_every_command_without_any_configuration(tmp_path):
    result = widget_server(clean_env(tmp_path), "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    listed = {
        line.split()[0]
        for line in result.stdout.split("Commands:", 1)[1].splitlines()
        if line.strip()
    }
    assert listed >= EVERY_COMMAND | {command.name for command in commands()}
    nested = widget_server(clean_env(tmp_path), "brand", "user", "--help", cwd=tmp_path)
    assert nested.returncode == 0 and {"add", "passwd", "sessions"} <= set(nested.stdout.split())


def test_without_a_secret_key_outside_the_demo_one_line_says_so(tmp_path):
    result = widget_server(clean_env(tmp_path), "brand", "list", cwd=tmp_path)
    assert_one_line_error(result, "DOTS_SECRET_KEY is not set")
    assert result.returncode == 1


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated SQLite database with brand acme, and the settings to reach it.

    Shared by the bad-input cases: each one fails, so none changes it.
    """
    folder = tmp_path_factory.mktemp("cli")
    env = clean_env(
        folder, DOTS_SECRET_KEY="k" * 40, DOTS_DATABASE_URL=f"sqlite:///{folder / 'cli.sqlite3'}"
    )
    assert widget_server(env, "db", "upgrade").returncode == 0
    created = widget_server(
        env, "brand", "create", "acme", "--name", "Acme", "--origin", "https://acme.example",
        "--notify-email", "team@acme.example",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    return env


BAD_INPUT = [
    (["brand", "update", "acme", "--max-value", "1e30"], "max value"),
    (["brand", "update", "acme", "--max-value", "1e999999999"], "max value"),
    (["brand", "update", "acme", "--expiry-days", "99999999999"], "expiry_days"),
    (["link", "revoke", "99999999999999999999"], "LINK_ID"),
    (["expire", "--now", "0001-01-01T00:00:00+05:00"], "--now"),
    (["expire", "--now", "9999-12-31T23:59:59-05:00"], "--now"),
    (["expire", "--now", "2026-02-30T12:00:00Z"], "--now"),
    (["expire", "--batch-size", "0"], "--batch-size"),
    (["outbox", "list", "--limit", "99999999999"], "--limit"),
    (["outbox", "send", "--batch", "99999999999999"], "--batch"),
    (["outbox", "send", "--loop", "--interval", "1e400"], "--interval"),
    (["serve", "--port", "99999999"], "--port"),
    (["worker", "--send-every", "-1"], "--send-every"),
    (["brand", "create", "x"], "--name"),
    (["no-such-command"], "no-such-command"),
    (["db", "upgrade", "no-such-revision"], "no-such-revision"),
    (["link", "list", "--brand", b"caf\xe9"], "not valid UTF-8"),
    (
        ["brand", "user", "add", b"\xff\xfe", "--email", "a@b.example", "--password", "x" * 12],
        "not valid UTF-8",
    ),  # fmt: skip
]


@pytest.mark.parametrize(
    ("args", "word"), BAD_INPUT, ids=[" ".join(map(str, a)) for a, _ in BAD_INPUT]
)
def test_bad_input_is_one_line_on_stderr(cli_env, args, word):
    assert_one_line_error(widget_server(cli_env, *args), word)


def test_an_unmigrated_database_says_what_to_run(tmp_path):
    env = clean_env(
        tmp_path, DOTS_SECRET_KEY="k" * 40, DOTS_DATABASE_URL=f"sqlite:///{tmp_path / 'new.db'}"
    )
    assert_one_line_error(widget_server(env, "brand", "list"), "widget-server db upgrade")


def test_an_unreachable_database_is_one_line(tmp_path):
    env = clean_env(tmp_path, DOTS_SECRET_KEY="k" * 40, DOTS_DATABASE_URL=UNREACHABLE_PG)
    assert_one_line_error(widget_server(env, "brand", "list"), "database error", "refused")


def test_a_malformed_setting_is_one_line(tmp_path):
    env = clean_env(tmp_path, DOTS_SECRET_KEY="k" * 40, DOTS_OUTBOX_MAX_ATTEMPTS="lots")
    assert_one_line_error(widget_server(env, "outbox", "list"), "DOTS_OUTBOX_MAX_ATTEMPTS")


def test_debug_shows_the_traceback(tmp_path):
    env = clean_env(tmp_path, DOTS_SECRET_KEY="k" * 40, DOTS_DATABASE_URL=UNREACHABLE_PG)
    result = widget_server(env, "--debug", "brand", "list")
    assert result.returncode != 0 and "Traceback" in result.stderr


# --- numbers the database columns cannot hold (both databases) ------------------------------


def test_max_value_is_bounded_by_the_column(runner, app: Flask):
    with app.app_context():
        make_brand("acme")
    too_much = runner.invoke(args=["brand", "update", "acme", "--max-value", "21474836.48"])
    assert too_much.exit_code == 1
    assert "more than the most allowed (21,474,836.47 USD)" in too_much.output
    most = runner.invoke(args=["brand", "update", "acme", "--max-value", "21474836.47"])
    assert most.exit_code == 0, most.output  # fits PostgreSQL's integer, too


def test_huge_link_ids_are_refused_before_the_database(runner, app: Flask):
    with app.app_context():
        make_link(make_brand("acme"))
    for link_id in ("2147483648", "99999999999999999999"):
        result = runner.invoke(args=["link", "revoke", link_id])
        assert result.exit_code == 2 and "LINK_ID" in result.output
    assert runner.invoke(args=["link", "revoke", "2147483647"]).output.strip() == (
        "Error: unknown link 2147483647"
    )


# --- the demo's .env ---------------------------------------------------------------------------


def _demo_script():
    spec = importlib.util.spec_from_file_location("dots_demo_script", ROOT / "scripts" / "demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cli_looks_for_env_in_the_folder_the_demo_writes_it_to(monkeypatch):
    monkeypatch.delenv("DOTS_INSTANCE_PATH", raising=False)
    assert instance_env_file() == _demo_script().INSTANCE / ".env"


def test_the_demos_env_file_makes_the_readme_commands_work(tmp_path, monkeypatch):
    demo = _demo_script()
    monkeypatch.setattr(demo, "INSTANCE", tmp_path / "instance")
    path = demo.write_env_file(
        {"DOTS_DEMO": "1", "DOTS_INSTANCE_PATH": str(tmp_path / "instance"), "DOTS_PUBLIC_URL": "x"}
    )
    assert path == tmp_path / "instance" / ".env"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    # No DOTS_SECRET_KEY, no DOTS_DEMO in the environment: only the file says "demo".
    env = clean_env(tmp_path)
    assert widget_server(env, "db", "upgrade").returncode == 0
    listed = widget_server(env, "brand", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == "[]"
    assert (tmp_path / "instance" / "secret_key").exists()  # the demo's own key
    # What the environment says wins over the file.
    env["DOTS_DEMO"] = "0"
    assert_one_line_error(widget_server(env, "brand", "list"), "DOTS_SECRET_KEY is not set")


def test_only_dots_settings_are_read_from_the_env_file(tmp_path):
    path = tmp_path / ".env"
    path.write_text(
        "# comment\nexport DOTS_DEMO=1\nDOTS_PUBLIC_URL='http://127.0.0.1:5000'\n"
        "PATH=/tmp/evil\nLD_PRELOAD=/tmp/evil.so\nnot a line\nDOTS_BAD-KEY=1\n"
    )
    assert read_env_file(path) == {"DOTS_DEMO": "1", "DOTS_PUBLIC_URL": "http://127.0.0.1:5000"}
    assert read_env_file(tmp_path / "missing") == {}
