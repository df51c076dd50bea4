"""What a test run covered: the backends it needs, whether CI's are there, and a closing summary.

A green run means little if half the suite never ran: without
``DOTS_TEST_DATABASE_URL`` every database test runs on SQLite only, without
``DOTS_TEST_REDIS_URL`` the shared rate-limit test is skipped, without an
``openssl`` command the TLS tests are. So every run ends with one line per
backend saying how many tests ran on it, or that it was not configured and
what that left out; and CI (``.ci/run``) sets ``DOTS_TEST_REQUIRE_*`` so a
missing or silent server stops the run before any test.

``tests/conftest.py`` wires these into pytest's hooks.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from typing import NoReturn

import pytest

from tests.databases import (
    create_postgres_database,
    postgres_problem,
    redis_problem,
    shown_url,
    worker_postgres_url,
    worker_redis_url,
)

#: The pytest-xdist worker this process is ("gw0", "gw1" …), None in a serial run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
#: The URLs as given; under xdist each worker uses its own database on those servers.
GIVEN_POSTGRES_URL = os.environ.get("DOTS_TEST_DATABASE_URL")
GIVEN_REDIS_URL = os.environ.get("DOTS_TEST_REDIS_URL")
POSTGRES_URL = (
    worker_postgres_url(GIVEN_POSTGRES_URL, WORKER)
    if GIVEN_POSTGRES_URL and WORKER
    else GIVEN_POSTGRES_URL
)
REDIS_URL = (
    worker_redis_url(GIVEN_REDIS_URL, int(WORKER.removeprefix("gw")))
    if GIVEN_REDIS_URL and WORKER
    else GIVEN_REDIS_URL
)
OPENSSL = shutil.which("openssl")

SQLITE, POSTGRES, REDIS, BROWSER, TLS = "SQLite", "PostgreSQL", "Redis", "browser", "TLS"
BACKENDS = (SQLITE, POSTGRES, REDIS, BROWSER, TLS)
NONE = "none of these"
#: Backends that tests skip without (the browser tests fail instead).
UNAVAILABLE = frozenset(
    name
    for name, there in ((POSTGRES, POSTGRES_URL), (REDIS, REDIS_URL), (TLS, OPENSSL))
    if not there
)


def required(name: str) -> bool:
    """Whether CI requires backend ``name`` (``DOTS_TEST_REQUIRE_POSTGRES=1`` …)."""
    return os.environ.get(f"DOTS_TEST_REQUIRE_{name}") == "1"


def prepare_worker_database() -> None:
    """Under xdist, create this worker's PostgreSQL database when it is missing.

    Through the given database, which must answer first; when it does not,
    :func:`requirement_problems` (or the tests themselves) say so.
    """
    if WORKER and GIVEN_POSTGRES_URL and POSTGRES_URL and not postgres_problem(GIVEN_POSTGRES_URL):
        create_postgres_database(GIVEN_POSTGRES_URL, POSTGRES_URL)


def requirement_problems() -> list[str]:
    """What CI requires but this machine lacks: unset variables, servers that do not
    answer, a missing ``openssl`` (one line each; empty when all is there).

    Under xdist each worker asks about its own databases (``test_gw0``, Redis
    base + worker index), so a database number Redis does not have stops the run too.
    """
    problems = []
    for name, url, variable, problem in (
        ("POSTGRES", POSTGRES_URL, "DOTS_TEST_DATABASE_URL", postgres_problem),
        ("REDIS", REDIS_URL, "DOTS_TEST_REDIS_URL", redis_problem),
    ):
        if not required(name):
            continue
        why = problem(url) if url else None
        if not url:
            problems.append(f"DOTS_TEST_REQUIRE_{name}=1 but {variable} is unset")
        elif why:
            problems.append(
                f"DOTS_TEST_REQUIRE_{name}=1 but {shown_url(url)} does not answer: {why}"
            )
    if required("TLS") and not OPENSSL:
        problems.append("DOTS_TEST_REQUIRE_TLS=1 but there is no openssl command on the PATH")
    return problems


def missing_openssl() -> NoReturn:
    """The TLS tests cannot make certificates: fail where CI requires them, else skip
    (the closing summary counts the skips)."""
    reason = "no openssl command to make test certificates"
    if required("TLS"):
        pytest.fail(f"{reason} (DOTS_TEST_REQUIRE_TLS=1)")
    pytest.skip(reason)


def backends_of(item: pytest.Item) -> frozenset[str]:
    """The backends ``item`` runs on, read from the fixtures it uses."""
    names = set(getattr(item, "fixturenames", ()))
    callspec = getattr(item, "callspec", None)
    # database_url and test_migrations.empty_app take "sqlite" or "postgres".
    params = callspec.params.values() if callspec else ()
    databases = {value for value in params if value in ("sqlite", "postgres")}
    found = set()
    if "sqlite" in databases:
        found.add(SQLITE)
    if "postgres" in databases or "postgres_url" in names:
        found.add(POSTGRES)
    if "redis_url" in names:
        found.add(REDIS)
    if "browser" in names:
        found.add(BROWSER)
    if "certs" in names:
        found.add(TLS)
    return frozenset(found) or frozenset({NONE})


#: The report attribute that carries a test's backends (a list, to travel from an xdist worker).
REPORT_BACKENDS = "dots_backends"


@dataclass
class Tally:
    """Per backend: tests collected, run (passed or failed), skipped, and errored in setup."""

    of: dict[str, frozenset[str]] = field(default_factory=dict)
    collected: Counter[str] = field(default_factory=Counter)
    ran: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    #: pytest-xdist workers that went down with an error (the run then fails).
    worker_errors: list[str] = field(default_factory=list)

    def collect(self, items: list[pytest.Item]) -> None:
        for item in items:
            self.of[item.nodeid] = backends_of(item)
            self.collected.update(self.of[item.nodeid])

    def collected_by_worker(self, counts: dict[str, int]) -> None:
        """Take a pytest-xdist worker's collected counts (every worker collects the whole run)."""
        for backend, n in counts.items():
            self.collected[backend] = max(self.collected[backend], n)

    def record(self, report: pytest.TestReport) -> None:
        """Count a test once: as run at its call, or as skipped or errored at its setup.

        The backends come with the report (:data:`REPORT_BACKENDS`), so the
        pytest-xdist controller, which collects nothing, counts its workers' tests.
        """
        backends = frozenset(getattr(report, REPORT_BACKENDS, None) or {NONE})
        if report.when == "call":
            self.ran.update(backends)
        elif report.when == "setup" and report.skipped:
            # A test on SQLite and Redis skipped for want of Redis is Redis's to report.
            self.skipped.update(backends & UNAVAILABLE or backends)
        elif report.when == "setup" and report.failed:
            self.errors.update(backends)

    def lines(self, chromium: str) -> list[tuple[str, str]]:
        """The closing summary: ``(colour, line)`` per backend."""
        on_sqlite_only = f"{_tests(self.ran[SQLITE])} ran on SQLite only"
        return [
            self._row(SQLITE, True, "", ""),
            self._row(
                POSTGRES,
                bool(POSTGRES_URL),
                shown_url(POSTGRES_URL or ""),
                "set DOTS_TEST_DATABASE_URL",
                on_sqlite_only if self.ran[SQLITE] and not POSTGRES_URL else "",
            ),
            self._row(
                REDIS, bool(REDIS_URL), shown_url(REDIS_URL or ""), "set DOTS_TEST_REDIS_URL"
            ),
            self._row(
                BROWSER,
                os.path.exists(chromium),
                f"Chromium at {chromium}",
                f"{chromium} is missing",
            ),
            self._row(TLS, bool(OPENSSL), f"certificates by {OPENSSL}", "no openssl command"),
            ("", f"{'other':<11} {_tests(self.ran[NONE])} ran that need none of these"),
        ]

    def _row(
        self, backend: str, configured: bool, detail: str, fix: str, also: str = ""
    ) -> tuple[str, str]:
        counts = [also] if also else []
        if self.skipped[backend]:
            counts.append(f"{_tests(self.skipped[backend])} skipped")
        if self.errors[backend]:
            counts.append(f"{_tests(self.errors[backend])} could not start")
        name = f"{backend:<11}"
        if not configured:
            said = ", ".join(counts) or "no selected test needs it"
            return ("red" if self.errors[backend] else "yellow", f"{name} NOT RUN ({fix}): {said}")
        where = f" ({detail})" if detail else ""
        if not self.collected[backend]:
            return ("", f"{name} no selected test uses it{where}")
        line = f"{name} {_tests(self.ran[backend])} ran{where}"
        if counts:
            line += ": " + ", ".join(counts)
        colour = "red" if self.errors[backend] else "green" if not counts else "yellow"
        return (colour, line)


def _tests(n: int) -> str:
    return f"{n} test{'' if n == 1 else 's'}"
