"""Rate limits hold across every process of a real ``widget-server serve``.

Each test starts ``python -m widget_server serve`` (gunicorn) as a subprocess
with its default worker count, fires requests from threads at once, and
counts what got through: at a limit of 10, exactly 10. With Redis, two
``serve`` instances (each with its default workers) share the counters.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.conftest import empty_tables, make_test_app
from tests.factories import make_brand, make_influencer, make_link, make_product
from tests.served import Served, environment
from widget_server import clock
from widget_server.brands.services import add_brand_user
from widget_server.db import session
from widget_server.migrate import upgrade
from widget_server.serve import plan_workers

SECRET = "served-test-secret"
ORIGIN = "https://acme.example"
USER = ("team@acme.example", "correct-horse-battery")
ATTEMPTS = 30
LIMIT = 10  # the default per-link and sign-in limits (10/minute)


@dataclass
class World:
    database_url: str
    token: str
    variant_ids: list[int]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """A migrated SQLite database with a brand, a brand user, a link and 30 products."""
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    app = make_test_app(url, tmp_path / "setup", SECRET_KEY=SECRET)
    with app.app_context():
        upgrade()
        brand = make_brand("acme", max_items=3, max_value="1000.00")
        add_brand_user(brand, *USER)
        session.commit()
        influencer = make_influencer()
        _link, token = make_link(brand, influencer)
        variants = [make_product(brand).variants[0].id for _ in range(ATTEMPTS)]
    yield World(url, token, variants)
    empty_tables(app)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator:
    """``serve(database_url, **env)`` starts a server; all are stopped afterwards."""
    started: list[Served] = []

    def start(database_url: str, **env: str) -> Served:
        dots = {
            "DOTS_DATABASE_URL": database_url,
            "DOTS_SECRET_KEY": SECRET,
            "DOTS_INSTANCE_PATH": str(tmp_path / f"instance-{len(started)}"),
            **env,
        }
        started.append(Served(tmp_path, environment(**dots), "--no-jobs"))
        return started[-1]

    yield start
    for server in started:
        assert server.stop() == 0, server.output()


@dataclass(frozen=True)
class Answer:
    status: int
    cors: str | None = None
    retry_after: str | None = None


def _submit(base_url: str, token: str, variant_id: int) -> Answer:
    body = {
        "brand": "acme",
        "items": [{"variant_id": variant_id, "quantity": 1}],
        "proposal": {
            "content_types": ["reel"],
            "platforms": ["instagram"],
            "publish_on": (clock.now().date() + timedelta(days=10)).isoformat(),
            "message": "Autumn looks for my followers.",
        },
        "shipping_address": {
            "name": "Ana Lima",
            "line1": "12 Rua Augusta",
            "city": "Lisbon",
            "postal_code": "1100-053",
            "country": "PT",
        },
    }
    request = urllib.request.Request(
        f"{base_url}/v1/requests",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Origin": ORIGIN,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(int(response.status), response.headers["Access-Control-Allow-Origin"])
    except urllib.error.HTTPError as error:
        headers = error.headers
        return Answer(
            int(error.code), headers["Access-Control-Allow-Origin"], headers["Retry-After"]
        )


def _at_once(calls: list, wave: int = 5) -> list:
    """Run the calls in waves of ``wave`` threads released together; their answers.

    Waves rather than one burst: in one burst a single gunicorn worker tends to
    accept most connections, which would hide counters that are per process.
    """
    results: list = []
    for start in range(0, len(calls), wave):
        group = calls[start : start + wave]
        barrier = threading.Barrier(len(group))

        def run(call, barrier=barrier) -> None:
            barrier.wait()
            results.append(call())

        threads = [threading.Thread(target=run, args=(call,)) for call in group]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert len(results) == len(calls), "some calls did not finish"
    return results


def _submissions(world: World, urls: list[str]) -> Counter:
    """30 submissions through one link, spread over ``urls`` in turn, at once.

    Counts the statuses; every answer, 429s included, must be readable by the
    brand's store page (CORS), and every 429 must say when to retry.
    """
    targets = [(urls[i % len(urls)], variant) for i, variant in enumerate(world.variant_ids)]
    answers = _at_once(
        [
            lambda url=url, variant=variant: _submit(url, world.token, variant)
            for url, variant in targets
        ]
    )
    assert {answer.cors for answer in answers} == {ORIGIN}
    assert all(int(a.retry_after) > 0 for a in answers if a.status == 429)
    return Counter(answer.status for answer in answers)


def test_embedded_serve_runs_one_worker_and_says_so(world, serve):
    server = serve(world.database_url)
    out = server.output()
    assert "1 worker(s)" in out and "memory://" in out, out
    assert len(re.findall(r"Booting worker with pid", out)) == 1, out


def test_submissions_per_link_hold_across_the_served_workers(world, serve):
    server = serve(world.database_url)
    statuses = _submissions(world, [server.url])
    assert statuses == Counter({201: LIMIT, 429: ATTEMPTS - LIMIT}), statuses


def _sign_in_attempts(base_url: str) -> list:
    """30 sign-in calls with a wrong password, each with a valid CSRF token."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base_url}/review/login", timeout=30) as response:
        page = response.read().decode()
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert csrf, page
    form = urllib.parse.urlencode(
        {"csrf_token": csrf.group(1), "email": USER[0], "password": "wrong-password"}
    ).encode()

    def attempt() -> int:
        try:
            with opener.open(f"{base_url}/review/login", data=form, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    return [attempt for _ in range(ATTEMPTS)]


def test_sign_in_attempts_hold_across_the_served_workers(world, serve):
    server = serve(world.database_url)
    statuses = Counter(_at_once(_sign_in_attempts(server.url)))
    assert statuses == Counter({200: LIMIT, 429: ATTEMPTS - LIMIT}), statuses


@pytest.mark.redis
def test_two_served_instances_on_redis_share_the_limits(world, serve, redis_url):
    first = serve(world.database_url, DOTS_RATELIMIT_STORAGE_URL=redis_url)
    second = serve(world.database_url, DOTS_RATELIMIT_STORAGE_URL=redis_url)
    for server in (first, second):
        out = server.output()
        assert "2 worker(s)" in out and "shared by every worker" in out, out
    statuses = _submissions(world, [first.url, second.url])
    assert statuses == Counter({201: LIMIT, 429: ATTEMPTS - LIMIT}), statuses
    attempts = _sign_in_attempts(first.url)[:15] + _sign_in_attempts(second.url)[:15]
    assert Counter(_at_once(attempts)) == Counter({200: LIMIT, 429: ATTEMPTS - LIMIT})


@pytest.mark.parametrize(
    ("storage", "workers", "threads", "plan"),
    [
        ("memory://", None, None, (1, 8)),
        ("memory://", 1, 2, (1, 2)),
        ("redis://127.0.0.1:6379/0", None, None, (2, 4)),
        ("redis://127.0.0.1:6379/0", 6, None, (6, 4)),
    ],
)
def test_worker_plan(storage, workers, threads, plan):
    assert plan_workers(storage, workers, threads) == plan


def test_several_workers_with_memory_counters_are_refused(world, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "widget_server", "serve", "--workers", "2", "--no-jobs"],
        env={
            **os.environ,
            "DOTS_DATABASE_URL": world.database_url,
            "DOTS_SECRET_KEY": SECRET,
            "DOTS_INSTANCE_PATH": str(tmp_path / "refused"),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DOTS_RATELIMIT_STORAGE_URL=redis://" in result.stderr
    assert "Traceback" not in result.stderr
