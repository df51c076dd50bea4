"""Rate limits key on what they mean, and their 429s can be read by the store page.

(Limits across the processes of a real server: ``test_rate_limits_served.py``.)
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import timedelta

from limits.storage import storage_from_string

from tests.conftest import empty_tables, make_test_app
from tests.factories import make_brand, make_influencer, make_link, make_product
from widget_server import clock
from widget_server.db import engine, session
from widget_server.influencers.models import InfluencerLink
from widget_server.influencers.tokens import sign_link
from widget_server.ratelimit import LockedMemoryStorage

ORIGIN = "https://acme.example"


def _world(app, products: int = 6) -> dict:
    with app.app_context():
        brand = make_brand("acme", max_value="1000.00")
        link, token = make_link(brand, make_influencer())
        variants = [make_product(brand).variants[0].id for _ in range(products)]
        return {"link_id": link.id, "token": token, "variants": variants}


def _body(variant_id: int) -> dict:
    return {
        "brand": "acme",
        "items": [{"variant_id": variant_id}],
        "proposal": {
            "content_types": ["reel"],
            "platforms": ["instagram"],
            "publish_on": (clock.now().date() + timedelta(days=10)).isoformat(),
            "message": "Autumn looks.",
        },
        "shipping_address": {
            "name": "Ana Lima",
            "line1": "12 Rua Augusta",
            "city": "Lisbon",
            "postal_code": "1100-053",
            "country": "PT",
        },
    }


def _post(client, token: str, variant_id: int):
    return client.post(
        "/v1/requests",
        json=_body(variant_id),
        headers={"Authorization": f"Bearer {token}", "Origin": ORIGIN},
    )


def test_every_token_of_one_link_spends_one_allowance(database_url, tmp_path, frozen_clock):
    """After a key rotation a link has two valid tokens (old key, new key): one counter."""
    app = make_test_app(
        database_url,
        tmp_path / "rotated",
        SECRET_KEY="the-new-secret",
        SECRET_KEY_FALLBACKS=["test-secret-key"],
        RATELIMIT_SUBMIT_PER_TOKEN="3/minute",
    )
    old = make_test_app(database_url, tmp_path / "old")
    try:
        world = _world(old)  # signed with the old key
        with app.app_context():
            new_token = sign_link(session.get(InfluencerLink, world["link_id"]))
        assert new_token != world["token"]
        client = app.test_client()
        tokens = [world["token"], new_token] * 3
        statuses = [
            _post(client, token, variant).status_code
            for token, variant in zip(tokens, world["variants"], strict=True)
        ]
        assert statuses == [201, 201, 201, 429, 429, 429]
    finally:
        empty_tables(old)
        with app.app_context():
            engine().dispose()


def test_bad_tokens_do_not_spend_a_links_allowance(database_url, tmp_path, frozen_clock):
    app = make_test_app(database_url, tmp_path / "app", RATELIMIT_SUBMIT_PER_TOKEN="3/minute")
    try:
        world = _world(app)
        client = app.test_client()
        bad = [_post(client, "not-a-token", world["variants"][0]).status_code for _ in range(5)]
        assert bad == [401, 401, 401, 429, 429]  # bad tokens are limited too, by client IP
        # ... but on their own counter: the link's allowance is untouched.
        assert _post(client, world["token"], world["variants"][0]).status_code == 201
    finally:
        empty_tables(app)


def _assert_readable_429(response) -> None:
    assert response.status_code == 429
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_json()
    assert body["status"] == 429 and body["error"] == "too_many_requests" and body["message"]


def test_a_429_from_the_per_link_limit_is_readable_by_the_store_page(
    database_url, tmp_path, frozen_clock
):
    app = make_test_app(database_url, tmp_path / "app", RATELIMIT_SUBMIT_PER_TOKEN="1/minute")
    try:
        world = _world(app)
        client = app.test_client()
        assert _post(client, world["token"], world["variants"][0]).status_code == 201
        _assert_readable_429(_post(client, world["token"], world["variants"][1]))
    finally:
        empty_tables(app)


def test_a_429_from_the_per_ip_limit_is_readable_by_the_store_page(
    database_url, tmp_path, frozen_clock
):
    app = make_test_app(database_url, tmp_path / "app", RATELIMIT_READ_PER_IP="2/minute")
    try:
        world = _world(app, products=1)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {world['token']}", "Origin": ORIGIN}
        codes = [client.get("/v1/catalog?brand=acme", headers=headers) for _ in range(3)]
        assert [r.status_code for r in codes[:2]] == [200, 200]
        _assert_readable_429(codes[2])
        # Another store's page learns nothing, not even that it was limited.
        foreign = client.get(
            "/v1/catalog?brand=acme", headers={**headers, "Origin": "https://evil.example"}
        )
        assert foreign.status_code == 429
        assert "Access-Control-Allow-Origin" not in foreign.headers
    finally:
        empty_tables(app)


def _burst_counts(storage_factory, rounds: int = 100, threads: int = 16) -> tuple[int, int]:
    """``(errors, lost increments)`` of bursts of ``threads`` counting one key at once."""
    errors = lost = 0
    for _ in range(rounds):
        storage = storage_factory()
        time.sleep(0.015)  # the expiry timer has run out: the next count schedules it again
        barrier = threading.Barrier(threads)
        failed: list[Exception] = []

        def hit(storage=storage, barrier=barrier, failed=failed) -> None:
            barrier.wait()
            try:
                storage.incr("key", 60)
            except RuntimeError as exc:  # "threads can only be started once"
                failed.append(exc)

        workers = [threading.Thread(target=hit) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        errors += len(failed)
        lost += threads - len(failed) - storage.get("key")
    return errors, lost


def test_memory_counters_stay_exact_when_threads_count_at_once():
    """``serve`` runs one worker with threads on ``memory://``: no count may be lost."""
    assert isinstance(storage_from_string("memory://"), LockedMemoryStorage)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, to widen any race
    try:
        assert _burst_counts(lambda: storage_from_string("memory://")) == (0, 0)
    finally:
        sys.setswitchinterval(interval)
