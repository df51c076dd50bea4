"""The review summary's counters always equal a recount of the requests.

A seeded random walk drives many requests through every change of status
(the services the pages and the API call, bulk moves and the sweeper
included) on SQLite and PostgreSQL, with the clock moving so requests run
out before the sweeper reaches them; after each stretch the counters must
equal a recount done here in Python, and the summary the figures the old
aggregate over the whole history gave. Two connections moving one brand's
requests at once on PostgreSQL must not lose a count either.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from tests.factories import make_brand, make_influencer, make_link, make_product, request_body
from widget_server import clock
from widget_server.db import session
from widget_server.errors import ApiError
from widget_server.product_requests import counters, lifecycle, states
from widget_server.product_requests.expiry import sweep
from widget_server.product_requests.models import ProductRequest, RequestCount, RequestDayCount
from widget_server.product_requests.services import create_request, withdraw_request
from widget_server.review import queries

REVIEWER = "team@walk.example"


def stored_counters(brand_id: int) -> tuple[dict, dict]:
    """The counter rows as ``{status: (n, value)}`` and ``{(status, day): (n, value)}``,
    rows at zero left out (a status everyone left keeps its row)."""
    all_time = {
        row.status: (row.requests, row.total_minor)
        for row in session.scalars(select(RequestCount).where(RequestCount.brand_id == brand_id))
        if row.requests or row.total_minor
    }
    by_day = {
        (row.status, row.day): (row.requests, row.total_minor)
        for row in session.scalars(
            select(RequestDayCount).where(RequestDayCount.brand_id == brand_id)
        )
        if row.requests or row.total_minor
    }
    return all_time, by_day


def recounted(brand_id: int) -> tuple[dict, dict]:
    """The same, counted here one request at a time (independent of ``counters``)."""
    all_time: Counter = Counter()
    by_day: Counter = Counter()
    requests = session.scalars(select(ProductRequest).where(ProductRequest.brand_id == brand_id))
    for r in requests:
        all_time[r.status, "n"] += 1
        all_time[r.status, "v"] += r.total_minor
        if r.status != states.PENDING:
            day = (r.decided_at or r.expires_at).date()
            by_day[(r.status, day), "n"] += 1
            by_day[(r.status, day), "v"] += r.total_minor
    keys = {key for key, _ in all_time}
    day_keys = {key for key, _ in by_day}
    return (
        {k: (all_time[k, "n"], all_time[k, "v"]) for k in keys},
        {k: (by_day[k, "n"], by_day[k, "v"]) for k in day_keys},
    )


def summary_from_history(brand_id: int, now: datetime) -> queries.Summary:
    """What the summary showed when it aggregated every request (the figures to keep)."""
    result = queries.Summary()
    for key in (states.APPROVED, states.DENIED, states.EXPIRED):
        result.recent[key], result.all_time[key] = queries.Tally(), queries.Tally()
    requests = session.scalars(select(ProductRequest).where(ProductRequest.brand_id == brand_id))
    for r in requests:
        status = states.effective_status(r, now)
        key = states.APPROVED if r.status in states.WAS_APPROVED else status
        if key == states.PENDING:
            result.pending.count += 1
            result.pending.value_minor += r.total_minor
            continue
        if key not in result.all_time:
            continue
        result.all_time[key].count += 1
        result.all_time[key].value_minor += r.total_minor
        if (r.decided_at or r.expires_at) >= now - timedelta(days=30):
            result.recent[key].count += 1
            result.recent[key].value_minor += r.total_minor
    return result


def assert_counters_right(brand_id: int) -> None:
    assert stored_counters(brand_id) == recounted(brand_id)
    now = clock.now()
    # The 30-day window cuts a day in two at most moments: try a few cuts.
    for hours in (0, 5, 13, 23):
        with clock.frozen_at(now + timedelta(hours=hours)):
            assert queries.summary(brand_id) == summary_from_history(brand_id, clock.now())


def _walk_shop(products: int = 4, influencers: int = 6) -> SimpleNamespace:
    brand = make_brand("walk", max_items=3, max_value="1000.00", expiry_days=5)
    variants = [
        make_product(brand, f"walk-p{i}", prices=(1000 + 250 * i,)).variants[0]
        for i in range(products)
    ]
    links = [make_link(brand, make_influencer())[0] for _ in range(influencers)]
    return SimpleNamespace(brand=brand, variants=variants, links=links)


def _steps(shop: SimpleNamespace, rng: random.Random) -> dict[str, Callable[[int], object]]:
    """Every change of status, by name, each taking one request id."""

    def content(ident: int) -> object:
        request = session.get(ProductRequest, ident)
        link = next(link for link in shop.links if link.influencer_id == request.influencer_id)
        return lifecycle.submit_content(link, ident, ["https://instagram.com/p/walk"])

    def withdraw(ident: int) -> object:
        request = session.get(ProductRequest, ident)
        link = next(link for link in shop.links if link.influencer_id == request.influencer_id)
        return withdraw_request(link, ident)

    def bulk(ident: int) -> object:
        ids = list(session.scalars(select(ProductRequest.id)))
        chosen = rng.sample(ids, min(len(ids), rng.randint(2, 8)))
        target = rng.choice([states.APPROVED, states.DENIED, states.CANCELLED])
        return states.transition_many([ident, *chosen], target, REVIEWER)

    return {
        "approve": lambda i: states.transition(i, states.APPROVED, REVIEWER),
        "deny": lambda i: states.transition(i, states.DENIED, REVIEWER, "No"),
        "withdraw": withdraw,
        "ship": lambda i: lifecycle.ship(i, REVIEWER, "DHL", "T1", None),
        "deliver": lambda i: lifecycle.mark_delivered(i, REVIEWER),
        "content": content,
        "changes": lambda i: lifecycle.request_changes(i, REVIEWER, "Tag us"),
        "complete": lambda i: lifecycle.accept_content(i, REVIEWER),
        "cancel": lambda i: lifecycle.cancel(i, REVIEWER),
        "undo": lambda i: lifecycle.undo_approval(i, REVIEWER),
        "bulk": bulk,
        "sweep": lambda _i: sweep(batch_size=3),
    }


#: The status each step moves requests from (the others take any request).
SOURCE = {
    "approve": states.PENDING,
    "deny": states.PENDING,
    "withdraw": states.PENDING,
    "ship": states.APPROVED,
    "cancel": states.APPROVED,
    "undo": states.APPROVED,
    "deliver": states.SHIPPED,
    "content": states.DELIVERED,
    "changes": states.CONTENT_SUBMITTED,
    "complete": states.CONTENT_SUBMITTED,
}


def _create(shop: SimpleNamespace, rng: random.Random) -> None:
    link = rng.choice(shop.links)
    items = rng.sample(shop.variants, rng.randint(1, 2))
    create_request(link, request_body(shop.brand, items))


@pytest.mark.parametrize("seed", [1, 2])
def test_counters_equal_a_recount_after_random_transitions(app, seed):
    rng = random.Random(seed)
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    app.config["APPROVAL_UNDO_SECONDS"] = 2 * 86400
    with app.app_context(), clock.frozen_at(moment):
        shop = _walk_shop()
        steps = _steps(shop, rng)
        brand_id = shop.brand.id
    done: Counter = Counter()
    for step in range(400):
        # Up to 8 hours go by: requests (5 days) run out unswept, undo windows
        # (2 days) close, decisions spread over two months.
        moment += timedelta(minutes=rng.randint(0, 8 * 60))
        with app.app_context(), clock.frozen_at(moment):
            name = "create" if rng.random() < 0.25 else rng.choice(list(steps))
            ids = list(session.scalars(select(ProductRequest.id)))
            # Mostly a request the step can move; sometimes any (to be refused).
            ready = list(
                session.scalars(
                    select(ProductRequest.id).where(ProductRequest.status == SOURCE.get(name))
                )
            )
            try:
                if name == "create" or not ids:
                    _create(shop, rng)
                else:
                    steps[name](rng.choice(ready if ready and rng.random() < 0.85 else ids))
                session.commit()
                done[name] += 1
            except ApiError:  # refused: already decided, wrong status, claim taken, …
                session.rollback()
            if step % 50 == 49:
                assert_counters_right(brand_id)
    with app.app_context(), clock.frozen_at(moment):
        assert_counters_right(brand_id)
    # The walk really went everywhere (else this test could pass without counting).
    assert set(done) == {"create", *steps}, done


def test_the_summary_counts_overdue_requests_as_expired_before_the_sweeper(ctx, frozen_clock):
    shop = _walk_shop(products=2, influencers=1)
    create_request(shop.links[0], request_body(shop.brand, [shop.variants[0]]))  # 10.00
    session.commit()
    with clock.frozen_at(frozen_clock + timedelta(days=6)):
        shown = queries.summary(shop.brand.id)
        assert (shown.pending.count, shown.all_time["expired"].count) == (0, 1)
        assert shown.recent["expired"] == queries.Tally(1, 1000)
        assert queries.tab_counts(shop.brand.id)["pending"] == 0
        sweep()
        assert queries.summary(shop.brand.id) == shown
        assert stored_counters(shop.brand.id)[0] == {"expired": (1, 1000)}


def _race_shop(n: int) -> tuple[int, list[int]]:
    shop = _walk_shop(products=1, influencers=n)
    for link in shop.links:
        create_request(link, request_body(shop.brand, shop.variants))
    session.commit()
    return shop.brand.id, list(session.scalars(select(ProductRequest.id)))


def test_two_connections_moving_one_brand_at_once_lose_no_count(pg_app):
    """Each thread approves (or denies) every request, one transaction each, from
    opposite ends, then bulk-cancels: every counter row is fought over."""
    with pg_app.app_context():
        brand_id, ids = _race_shop(40)
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def work(target: str, order: list[int]) -> None:
        try:
            with pg_app.app_context():
                barrier.wait()
                for ident in order:
                    try:
                        states.transition(ident, target, REVIEWER)
                        session.commit()
                    except states.TransitionRefused:
                        session.rollback()
                states.transition_many(order[::3], states.CANCELLED, REVIEWER)
                session.commit()
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    threads = [
        threading.Thread(target=work, args=(states.APPROVED, ids)),
        threading.Thread(target=work, args=(states.DENIED, ids[::-1])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with pg_app.app_context():
        assert stored_counters(brand_id) == recounted(brand_id)
        assert sum(n for n, _ in stored_counters(brand_id)[0].values()) == 40


def _corrupt(brand_id: int) -> None:
    session.execute(
        update(RequestCount).where(RequestCount.brand_id == brand_id).values(requests=999)
    )
    session.execute(
        update(RequestDayCount)
        .where(RequestDayCount.brand_id == brand_id)
        .values(total_minor=RequestDayCount.total_minor + 7)
    )
    session.commit()


@pytest.mark.parametrize("args", [["--brand", "walk"], []], ids=["one brand", "every brand"])
def test_rebuild_fixes_corrupted_counters(app, runner, frozen_clock, args):
    with app.app_context():
        shop = _walk_shop(products=3, influencers=3)
        for link in shop.links:
            create_request(link, request_body(shop.brand, shop.variants[:2]))
        session.commit()
        first, second, _third = session.scalars(select(ProductRequest.id).order_by("id"))
        states.transition(first, states.APPROVED, REVIEWER)
        states.transition(second, states.DENIED, REVIEWER)
        session.commit()
        brand_id = shop.brand.id
        right = stored_counters(brand_id)
        _corrupt(brand_id)
        assert stored_counters(brand_id) != right
    result = runner.invoke(args=["counters", "rebuild", *args])
    assert result.exit_code == 0, result.output
    assert "Rebuilt the counters of 1 brand(s)." in result.output
    with app.app_context():
        assert stored_counters(brand_id) == right == recounted(brand_id)


def test_decided_day_is_the_utc_day(frozen_clock):
    late = datetime.fromisoformat("2026-03-01T23:30:00-05:00")
    assert counters.decided_day(late, frozen_clock) == date(2026, 3, 2)
    assert counters.decided_day(None, frozen_clock) == date(2026, 3, 1)
