"""Retries that race the first submission get its answer, never a 409.

A client that times out and retries with the same ``Idempotency-Key`` may
send the retry while the first attempt is still being stored. Every copy must
answer 201 with the one stored request, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import empty_tables, make_test_app
from tests.factories import make_brand, make_influencer, make_link, make_product, request_body
from widget_server.db import session
from widget_server.product_requests.models import ProductRequest
from widget_server.ratelimit import DEFAULT_LIMITS

TRIALS = 20
COPIES = 6  # the same request, fired at once


@pytest.fixture
def racing_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on each database, with limits raised (this is about the race, not limits)."""
    app = make_test_app(
        database_url, tmp_path / "instance", **{key: "100000/minute" for key in DEFAULT_LIMITS}
    )
    yield app
    empty_tables(app)


def _trial(app: Flask, n: int) -> tuple[Counter, set[int], int]:
    """One influencer sends one body ``COPIES`` times at once with one key."""
    with app.app_context():
        brand = make_brand(f"race-{n}")
        _link, token = make_link(brand, make_influencer())
        body = json.loads(
            json.dumps(request_body(brand, [make_product(brand).variants[0]]), default=str)
        )
        origin = brand.allowed_origins[0]
    headers = {"Authorization": f"Bearer {token}", "Origin": origin, "Idempotency-Key": f"k-{n}"}
    barrier = threading.Barrier(COPIES)

    def send(_: int) -> tuple[int, dict]:
        client = app.test_client()
        barrier.wait()
        response = client.post("/v1/requests", json=body, headers=headers)
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(COPIES) as pool:
        answers = list(pool.map(send, range(COPIES)))
    with app.app_context():
        stored = session.scalar(
            select(func.count(ProductRequest.id)).where(ProductRequest.brand_id == brand.id)
        )
    ids = {answer.get("id") for status, answer in answers if status == 201}
    return Counter(status for status, _ in answers), ids, stored


def test_racing_retries_with_one_key_all_get_the_first_answer(racing_app):
    outcomes = [_trial(racing_app, n) for n in range(TRIALS)]
    failed = [
        (n, codes)
        for n, (codes, _ids, _stored) in enumerate(outcomes)
        if codes != Counter({201: COPIES})
    ]
    assert not failed, f"{len(failed)} of {TRIALS} trials answered otherwise: {failed}"
    assert all(len(ids) == 1 and stored == 1 for _codes, ids, stored in outcomes)
