"""Per-brand counters of requests by status: what the review summary reads.

Every change of a request's status (its creation included) adds its deltas
here in the same transaction, through the one state machine. Each counter
row is changed by one atomic ``INSERT … ON CONFLICT DO UPDATE SET requests =
requests + :d`` (never read, added to in Python and written back), so two
transactions moving requests of one brand at once both count: PostgreSQL
makes the second wait on the first's row lock and then adds to what it
committed; SQLite has one writer at a time. Rows are touched in sorted key
order so two transactions never wait on each other's counters in a circle.

:func:`rebuild` recounts a brand from its requests (``widget-server counters
rebuild``), should a counter ever be wrong.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, cast, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from widget_server.db import session
from widget_server.product_requests.models import ProductRequest, RequestCount, RequestDayCount

#: The one status without a day row (it is not decided yet).
PENDING = "pending"


@dataclass(frozen=True)
class Moved:
    """One request as a change of status saw it (the columns the counters need)."""

    brand_id: int
    total_minor: int
    decided_at: datetime | None
    expires_at: datetime


def decided_day(decided_at: datetime | None, expires_at: datetime) -> date:
    """The UTC day a request counts as decided on (its expiry, when never decided)."""
    return (decided_at or expires_at).astimezone(UTC).date()


class Deltas:
    """Changes to counters gathered from one move, applied in one go by :meth:`apply`."""

    def __init__(self) -> None:
        self.all_time: Counter[tuple[int, str, str]] = Counter()
        self.by_day: Counter[tuple[int, str, date, str]] = Counter()

    def add(self, request: Moved, status: str, sign: int) -> None:
        """Count ``request`` in (``sign`` 1) or out of (-1) ``status``."""
        for field, amount in (("requests", sign), ("total_minor", sign * request.total_minor)):
            self.all_time[request.brand_id, status, field] += amount
            if status != PENDING:
                day = decided_day(request.decided_at, request.expires_at)
                self.by_day[request.brand_id, status, day, field] += amount

    def apply(self) -> None:
        """Write every non-zero change, in key order (see the module's note on locks)."""
        _upsert(RequestCount.__table__, ("brand_id", "status"), _rows(self.all_time))
        _upsert(RequestDayCount.__table__, ("brand_id", "status", "day"), _rows(self.by_day))


def _rows(changes: Counter[Any]) -> list[dict[str, Any]]:
    """``{(*key, field): amount}`` as one row per key, sorted by key, zero changes left out."""
    rows: dict[tuple[Any, ...], dict[str, int]] = {}
    for (*key, field), amount in changes.items():
        rows.setdefault(tuple(key), {"requests": 0, "total_minor": 0})[field] += amount
    return [
        {"key": key, **amounts}
        for key, amounts in sorted(rows.items())
        if amounts["requests"] or amounts["total_minor"]
    ]


def _upsert(table: Any, key_names: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """``requests += d, total_minor += v`` on each row's key, creating the row when missing."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    for row in rows:
        values = dict(zip(key_names, row["key"], strict=True))
        statement = dialect.insert(table).values(
            **values, requests=row["requests"], total_minor=row["total_minor"]
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=list(key_names),
                set_={
                    "requests": table.c.requests + statement.excluded.requests,
                    "total_minor": table.c.total_minor + statement.excluded.total_minor,
                },
            )
        )


def count_created(requests: Iterable[ProductRequest]) -> None:
    """New requests (always pending): count them in, in the caller's transaction."""
    deltas = Deltas()
    for request in requests:
        moved = Moved(request.brand_id, request.total_minor, request.decided_at, request.expires_at)
        deltas.add(moved, request.status, 1)
    deltas.apply()


def _utc_day(column: Any) -> Any:
    """SQL for the UTC day of a timestamp column (stored naive UTC on SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def recount(brand_id: int) -> Deltas:
    """The counters of ``brand_id`` computed from its requests, as deltas from zero."""
    deltas = Deltas()
    decided_on = func.coalesce(ProductRequest.decided_at, ProductRequest.expires_at)
    day = _utc_day(decided_on)
    rows = session.execute(
        select(
            ProductRequest.status,
            day,
            func.count(),
            func.coalesce(func.sum(ProductRequest.total_minor), 0),
        )
        .where(ProductRequest.brand_id == brand_id)
        .group_by(ProductRequest.status, day)
    )
    for status, on, count, value in rows:
        deltas.all_time[brand_id, status, "requests"] += count
        deltas.all_time[brand_id, status, "total_minor"] += int(value)
        if status != PENDING:
            deltas.by_day[brand_id, status, _as_date(on), "requests"] += count
            deltas.by_day[brand_id, status, _as_date(on), "total_minor"] += int(value)
    return deltas


def rebuild(brand_id: int) -> None:
    """Replace ``brand_id``'s counters by a recount of its requests (the caller commits).

    The old rows are deleted first: on PostgreSQL that waits for every
    transaction that already changed one of them, so the recount (a later
    statement, a later snapshot) sees their requests. A transition that
    commits after the recount's snapshot adds its delta on top through
    the same upsert, which is why the recount is added, not inserted.
    """
    session.execute(delete(RequestCount).where(RequestCount.brand_id == brand_id))
    session.execute(delete(RequestDayCount).where(RequestDayCount.brand_id == brand_id))
    recount(brand_id).apply()


def read(brand_id: int) -> dict[str, tuple[int, int]]:
    """``{status: (requests, total_minor)}`` of the brand, all time."""
    rows = session.execute(
        select(RequestCount.status, RequestCount.requests, RequestCount.total_minor).where(
            RequestCount.brand_id == brand_id
        )
    )
    return {status: (int(n), int(value)) for status, n, value in rows}


def read_days(brand_id: int, after: date) -> dict[str, tuple[int, int]]:
    """``{status: (requests, total_minor)}`` of requests decided on days after ``after``."""
    rows = session.execute(
        select(
            RequestDayCount.status,
            func.sum(RequestDayCount.requests),
            func.sum(RequestDayCount.total_minor),
        )
        .where(RequestDayCount.brand_id == brand_id, RequestDayCount.day > after)
        .group_by(RequestDayCount.status)
    )
    return {status: (int(n), int(value)) for status, n, value in rows}
