"""The analytics page's figures over a period, for one brand.

What counts (the page says the same):

- *Requests per week*: requests **submitted** in the period, by ISO week
  (Monday to Sunday, UTC) and by what became of them: approved (at any
  point, including later cancelled), denied, expired, withdrawn, pending.
- *Approval rate*: of those submitted in the period and decided, the share
  approved; decided means approved, denied or expired (withdrawn and pending
  do not count either way).
- *Median time to decision*: submission to the brand's decision, over the
  requests submitted in the period that were approved or denied.
- *Retail value approved*: the totals of the requests **approved** (decided)
  in the period and not cancelled, in the brand's currency (others apart).
- *Content delivery rate*: of the requests whose content was **due** in the
  period (and is due by now, or was sent), the share sent on time.
- *Survey totals*: the survey answers of the requests **completed** in the
  period.

Each figure is one brand-scoped query; the weekly buckets are made in Python
from one date-ordered query of the period's rows (portable across SQLite and
PostgreSQL), read through the (brand, submitted) index.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from widget_server import clock
from widget_server.analytics.models import SurveyAnswer
from widget_server.db import session
from widget_server.product_requests.models import ProductRequest
from widget_server.product_requests.states import (
    CANCELLED,
    COMPLETED,
    DENIED,
    EXPIRED,
    PENDING,
    WAS_APPROVED,
    WITHDRAWN,
)

#: Outcomes of the requests submitted in the period, in the charts' order.
OUTCOMES = ("approved", "denied", "expired", "withdrawn", "pending")
#: Statuses that mean the brand approved it once (cancelled: approved, then called off).
APPROVED_EVER = (*WAS_APPROVED, CANCELLED)


@dataclass
class Week:
    """One ISO week of the period."""

    start: date  # its Monday (may be before the period's first day)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    value_minor: int = 0

    @property
    def label(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def submitted(self) -> int:
        return sum(self.counts.values())


@dataclass
class SurveyTotals:
    completed: int = 0
    answered: int = 0
    reach: int = 0
    clicks: int = 0
    orders: int = 0
    revenue_minor: int = 0


@dataclass
class Figures:
    """Everything the page, its charts and the CSV show."""

    start: date
    end: date
    currency: str
    weeks: list[Week]
    outcomes: dict[str, int]
    median_decision: timedelta | None
    decisions_timed: int
    value_minor: int
    value_requests: int
    #: Approved value in currencies other than the brand's (it changed currency).
    other_value: dict[str, int]
    content_due: int
    content_on_time: int
    survey: SurveyTotals

    @property
    def submitted(self) -> int:
        return sum(self.outcomes.values())

    @property
    def decided(self) -> int:
        return sum(self.outcomes[o] for o in ("approved", "denied", "expired"))

    @property
    def approval_rate(self) -> float | None:
        return self.outcomes["approved"] / self.decided if self.decided else None

    @property
    def delivery_rate(self) -> float | None:
        return self.content_on_time / self.content_due if self.content_due else None


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The instants of the days ``start`` to ``end`` (both included), as ``[from, until)``."""
    return (
        datetime.combine(start, time.min, tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
    )


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def outcome(status: str, expires_at: datetime, now: datetime) -> str:
    """What became of a request, as the charts group it."""
    if status in APPROVED_EVER:
        return "approved"
    if status == PENDING:
        return "expired" if expires_at <= now else "pending"
    return {DENIED: "denied", EXPIRED: "expired", WITHDRAWN: "withdrawn"}[status]


def _weeks(start: date, end: date) -> dict[date, Week]:
    weeks, day = {}, monday(start)
    while day <= end:
        weeks[day] = Week(day)
        day += timedelta(days=7)
    return weeks


def _submissions(brand_id: int, since: datetime, until: datetime) -> Any:
    return session.execute(
        select(
            ProductRequest.submitted_at,
            ProductRequest.status,
            ProductRequest.expires_at,
            ProductRequest.decided_at,
        )
        .where(
            ProductRequest.brand_id == brand_id,
            ProductRequest.submitted_at >= since,
            ProductRequest.submitted_at < until,
        )
        .order_by(ProductRequest.submitted_at)
    )


def _approvals(brand_id: int, since: datetime, until: datetime) -> Any:
    return session.execute(
        select(ProductRequest.decided_at, ProductRequest.total_minor, ProductRequest.currency)
        .where(
            ProductRequest.brand_id == brand_id,
            ProductRequest.status.in_(WAS_APPROVED),
            ProductRequest.decided_at >= since,
            ProductRequest.decided_at < until,
        )
        .order_by(ProductRequest.decided_at)
    )


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _content(brand_id: int, since: datetime, until: datetime, now: datetime) -> tuple[int, int]:
    due, sent = ProductRequest.content_due_at, ProductRequest.content_submitted_at
    row = session.execute(
        select(
            _count(or_(sent.is_not(None), due <= now)),
            _count(and_(sent.is_not(None), sent <= due)),
        ).where(ProductRequest.brand_id == brand_id, due >= since, due < until)
    ).one()
    return int(row[0]), int(row[1])


def _survey(brand_id: int, currency: str, since: datetime, until: datetime) -> SurveyTotals:
    def total(column: Any) -> Any:
        return func.coalesce(func.sum(column), 0)

    row = session.execute(
        select(
            func.count(ProductRequest.id),
            func.count(SurveyAnswer.id),
            total(SurveyAnswer.reach),
            total(SurveyAnswer.clicks),
            total(SurveyAnswer.orders),
            total(
                case((SurveyAnswer.currency == currency, SurveyAnswer.revenue_minor), else_=None)
            ),
        )
        .select_from(ProductRequest)
        .outerjoin(SurveyAnswer, SurveyAnswer.request_id == ProductRequest.id)
        .where(
            ProductRequest.brand_id == brand_id,
            ProductRequest.status == COMPLETED,
            ProductRequest.completed_at >= since,
            ProductRequest.completed_at < until,
        )
    ).one()
    return SurveyTotals(*(int(value) for value in row))


def figures(brand_id: int, currency: str, start: date, end: date) -> Figures:
    """The brand's figures for the days ``start`` to ``end`` (UTC, both included)."""
    now = clock.now()
    since, until = bounds(start, end)
    weeks = _weeks(start, end)
    outcomes: Counter[str] = Counter(dict.fromkeys(OUTCOMES, 0))
    waits: list[float] = []
    for submitted_at, status, expires_at, decided_at in _submissions(brand_id, since, until):
        kind = outcome(status, expires_at, now)
        weeks[monday(submitted_at.date())].counts[kind] += 1
        outcomes[kind] += 1
        if kind in ("approved", "denied") and decided_at is not None:
            waits.append((decided_at - submitted_at).total_seconds())

    value = value_requests = 0
    other: Counter[str] = Counter()
    for decided_at, total_minor, request_currency in _approvals(brand_id, since, until):
        if request_currency != currency:
            other[request_currency] += total_minor
            continue
        weeks[monday(decided_at.date())].value_minor += total_minor
        value += total_minor
        value_requests += 1

    content_due, on_time = _content(brand_id, since, until, now)
    return Figures(
        start=start,
        end=end,
        currency=currency,
        weeks=list(weeks.values()),
        outcomes=dict(outcomes),
        median_decision=timedelta(seconds=median(waits)) if waits else None,
        decisions_timed=len(waits),
        value_minor=value,
        value_requests=value_requests,
        other_value=dict(other),
        content_due=content_due,
        content_on_time=on_time,
        survey=_survey(brand_id, currency, since, until),
    )
