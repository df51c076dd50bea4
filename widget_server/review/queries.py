"""The review pages' reads: SQL aggregates and keyset pages, always brand-scoped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, selectinload
from werkzeug.exceptions import BadRequest

from widget_server import clock
from widget_server.db import session
from widget_server.influencers.models import Influencer
from widget_server.product_requests import counters
from widget_server.product_requests.models import ProductRequest, RequestItem
from widget_server.product_requests.states import (
    APPROVED,
    CANCELLED,
    COMPLETED,
    CONTENT_SUBMITTED,
    DELIVERED,
    DENIED,
    EXPIRED,
    PENDING,
    SHIPPED,
    WAS_APPROVED,
    WITHDRAWN,
)
from widget_server.ratings.models import BRAND as BRAND_SIDE
from widget_server.ratings.models import Rating
from widget_server.validation import MAX_ID

PAGE_SIZE = 25


def effective_status_sql(now: datetime) -> Any:
    """SQL for the status people see: overdue pending counts as expired."""
    return case(
        (
            and_(ProductRequest.status == PENDING, ProductRequest.expires_at <= now),
            EXPIRED,
        ),
        else_=ProductRequest.status,
    )


@dataclass
class Tally:
    count: int = 0
    value_minor: int = 0


@dataclass
class Summary:
    """Counts and retail values per status, last 30 days and all time."""

    pending: Tally = field(default_factory=Tally)
    recent: dict[str, Tally] = field(default_factory=dict)
    all_time: dict[str, Tally] = field(default_factory=dict)


#: How far back "recent" reaches on the summary.
RECENT = timedelta(days=30)


def _overdue(brand_id: int, since: datetime, now: datetime) -> tuple[Tally, Tally]:
    """Pending requests past their expiry (expired to people, not yet swept): all, and those
    "decided" (their decided_at, else expiry) since ``since``.

    Reads only the brand's overdue pending rows, from the covering summary
    index: the sweeper keeps these few, whatever the history.
    """
    decided_on = func.coalesce(ProductRequest.decided_at, ProductRequest.expires_at)
    recent = decided_on >= since
    count, value, recent_count, recent_value = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(ProductRequest.total_minor), 0),
            func.coalesce(func.sum(case((recent, 1), else_=0)), 0),
            func.coalesce(func.sum(case((recent, ProductRequest.total_minor), else_=0)), 0),
        ).where(
            ProductRequest.brand_id == brand_id,
            ProductRequest.status == PENDING,
            ProductRequest.expires_at <= now,
        )
    ).one()
    return Tally(int(count), int(value)), Tally(int(recent_count), int(recent_value))


def _decided_between(brand_id: int, start: datetime, end: datetime) -> dict[str, Tally]:
    """Requests decided in ``[start, end)`` by status: the part of a day the day counters
    cannot split (one day of decisions at most, from the covering decided index)."""
    rows = session.execute(
        select(
            ProductRequest.status,
            func.count(),
            func.coalesce(func.sum(ProductRequest.total_minor), 0),
        )
        .where(
            ProductRequest.brand_id == brand_id,
            ProductRequest.decided_at >= start,
            ProductRequest.decided_at < end,
            ProductRequest.status != PENDING,
        )
        .group_by(ProductRequest.status)
    )
    return {status: Tally(int(n), int(value)) for status, n, value in rows}


def _add(into: dict[str, Tally], status: str, tally: Tally) -> None:
    """Add ``tally`` under the summary's name for ``status`` (every step after approval is
    "approved"; statuses the summary does not show are dropped)."""
    key = APPROVED if status in WAS_APPROVED else status
    if key in into:
        into[key] = Tally(into[key].count + tally.count, into[key].value_minor + tally.value_minor)


def summary(brand_id: int) -> Summary:
    """The brand's counters, corrected for requests that expired but are not swept yet.

    Decided requests count in "last 30 days" by when they were decided (an
    overdue request not yet swept, by when it expired). Whole days come from
    the day counters; the first day of the window, cut at this very moment,
    from the requests decided on it. No query reads more than one day of
    decisions or the unswept overdue requests, however long the history.
    """
    now = clock.now()
    since = now - RECENT
    first_day = since.astimezone(UTC).date()
    after_first_day = datetime.combine(first_day + timedelta(days=1), time.min, tzinfo=UTC)
    result = Summary()
    for key in (APPROVED, DENIED, EXPIRED):
        result.recent[key], result.all_time[key] = Tally(), Tally()
    for status, (count, value) in counters.read(brand_id).items():
        _add(result.all_time, status, Tally(count, value))
        if status == PENDING:
            result.pending = Tally(count, value)
    for status, (count, value) in counters.read_days(brand_id, first_day).items():
        _add(result.recent, status, Tally(count, value))
    for status, tally in _decided_between(brand_id, since, after_first_day).items():
        _add(result.recent, status, tally)
    overdue, overdue_recent = _overdue(brand_id, since, now)
    result.pending = Tally(
        result.pending.count - overdue.count, result.pending.value_minor - overdue.value_minor
    )
    _add(result.all_time, EXPIRED, overdue)
    _add(result.recent, EXPIRED, overdue_recent)
    return result


def _with_details(query: Select) -> Select:
    return query.options(
        selectinload(ProductRequest.items),
        selectinload(ProductRequest.influencer).selectinload(Influencer.handles),
    )


@dataclass
class Page:
    """One keyset page of requests and the cursor of the next one."""

    requests: list[ProductRequest]
    next_cursor: str | None


@dataclass(frozen=True)
class Order:
    """How a list is walked: by one timestamp column (then the id), one way.

    The column must be set on every row the list shows: a keyset cursor
    cannot step past NULLs.
    """

    column: InstrumentedAttribute[datetime]
    descending: bool


#: Newest first (the pending list, the archive).
NEWEST = Order(ProductRequest.submitted_at, descending=True)
#: The pending list sorted by soonest expiry.
SOONEST_EXPIRY = Order(ProductRequest.expires_at, descending=False)


def encode_cursor(request: ProductRequest, order: Order = NEWEST) -> str:
    return f"{getattr(request, order.column.key).isoformat()}~{request.id}"


class BadCursor(BadRequest):
    """A page link that this server did not write: 400, never a database error."""

    description = "This page link is not valid; go back to the first page."


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """``None`` for no cursor (the first page); :class:`BadCursor` for one we never wrote.

    Only what :func:`encode_cursor` writes is taken: a timezone-aware moment
    (the column refuses naive ones) and an id a column can hold.
    """
    if not cursor:
        return None
    moment_text, separator, ident_text = cursor.rpartition("~")
    if not separator:
        raise BadCursor()
    ident = decode_id(ident_text)
    try:
        moment = datetime.fromisoformat(moment_text)
        if moment.tzinfo is None:
            raise ValueError("naive")
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadCursor() from None
    return moment, ident


def decode_id(text: str) -> int:
    """A row id from a page link: :class:`BadCursor` unless a column can hold it."""
    if not re.fullmatch(r"[0-9]{1,10}", text) or not 1 <= int(text) <= MAX_ID:
        raise BadCursor()
    return int(text)


def _page(query: Select, cursor: str | None, size: int = PAGE_SIZE, order: Order = NEWEST) -> Page:
    column, ident_column = order.column, ProductRequest.id
    after = decode_cursor(cursor)
    if after is not None:
        moment, ident = after
        # Spelled out rather than a row-value comparison, so the timestamp is
        # bound through the column's own type on every database.
        # The plain bound (``<=``/``>=``) is what lets the index seek straight to the
        # page, however deep: an OR alone has the database walk from the top.
        if order.descending:
            bound = column <= moment
            beyond = or_(column < moment, and_(column == moment, ident_column < ident))
        else:
            bound = column >= moment
            beyond = or_(column > moment, and_(column == moment, ident_column > ident))
        query = query.where(bound, beyond)
    if order.descending:
        query = query.order_by(column.desc(), ident_column.desc())
    else:
        query = query.order_by(column.asc(), ident_column.asc())
    rows = list(session.scalars(_with_details(query).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, encode_cursor(rows[-1], order) if more and rows else None)


#: The pending list's sort orders, by their ``?sort=`` value.
PENDING_SORTS = {"newest": NEWEST, "expiry": SOONEST_EXPIRY}


def pending_page(brand_id: int, cursor: str | None, sort: str = "newest") -> Page:
    """Pending requests that have not run out, newest first or soonest to expire first."""
    query = select(ProductRequest).where(
        ProductRequest.brand_id == brand_id,
        ProductRequest.status == PENDING,
        ProductRequest.expires_at > clock.now(),
    )
    return _page(query, cursor, order=PENDING_SORTS[sort])


@dataclass(frozen=True)
class Tab:
    """A list of the review site: the requests in one status of the collaboration."""

    slug: str
    label: str
    status: str
    order: Order


#: The tabs after "Pending" (the index), in the order a collaboration goes.
TABS = (
    # Oldest approval first: the queue of parcels to send.
    Tab(
        "awaiting-shipment", "Awaiting shipment", APPROVED, Order(ProductRequest.decided_at, False)
    ),
    Tab("shipped", "Shipped", SHIPPED, Order(ProductRequest.shipped_at, False)),
    # Soonest due first, which puts the overdue ones on top.
    Tab(
        "content-pending", "Content pending", DELIVERED, Order(ProductRequest.content_due_at, False)
    ),
    Tab("content-submitted", "Content submitted", CONTENT_SUBMITTED, NEWEST),
    Tab("completed", "Completed", COMPLETED, NEWEST),
)
TABS_BY_SLUG = {tab.slug: tab for tab in TABS}


def tab_counts(brand_id: int, pending: int | None = None) -> dict[str, int]:
    """How many requests each tab lists (``pending`` too: not yet run out), from the counters.

    ``pending``: the summary's count, when the page has it already (it is the same figure).
    """
    now = clock.now()
    stored = counters.read(brand_id)
    counts = {
        status: stored.get(status, (0, 0))[0] for status in (PENDING, *(t.status for t in TABS))
    }
    if pending is None:
        pending = counts[PENDING] - _overdue(brand_id, now - RECENT, now)[0].count
    counts[PENDING] = pending
    return counts


def tab_page(brand_id: int, tab: Tab, cursor: str | None) -> Page:
    """One page of the brand's requests in ``tab``'s status, in the tab's order."""
    query = select(ProductRequest).where(
        ProductRequest.brand_id == brand_id, ProductRequest.status == tab.status
    )
    if tab.status == COMPLETED:  # each row says whether the brand rated it
        query = query.options(selectinload(ProductRequest.ratings))
    return _page(query, cursor, order=tab.order)


@dataclass
class TrackRecord:
    """An influencer's history at one brand, as the reviewer sees it when deciding.

    ``content_due`` counts requests whose content was due (submitted, or its
    due date passed); ``content_on_time`` those of them first submitted at or
    before the due date. So the delivery rate leaves out approved requests
    whose content is not due yet (not delivered, or still inside its window
    and not sent): they have not had their chance to be late. ``rated`` and
    ``stars`` are this brand's own ratings of the influencer (never another
    brand's).
    """

    requests: int = 0
    approved: int = 0
    denied: int = 0
    expired: int = 0
    withdrawn: int = 0
    delivered: int = 0
    content_due: int = 0
    content_on_time: int = 0
    #: Approved, then cancelled by the brand before shipping (not in ``approved``).
    cancelled: int = 0
    #: How many of this brand's ratings of the influencer, and their stars added up.
    rated: int = 0
    stars: int = 0

    @property
    def collaborations(self) -> int:
        """Requests that ever reached approved (an approval undone in its window never did)."""
        return self.approved + self.cancelled

    @property
    def average_stars(self) -> float | None:
        """The brand's average rating of the influencer, None before any rating."""
        return self.stars / self.rated if self.rated else None

    @property
    def on_time_percent(self) -> int | None:
        """Content on time out of content due, in whole percent (None when none was due)."""
        if not self.content_due:
            return None
        return round(100 * self.content_on_time / self.content_due)


#: Delivered and every status after it: the product reached the influencer.
DELIVERED_OR_LATER = (DELIVERED, CONTENT_SUBMITTED, COMPLETED)


def track_records(brand_id: int, influencer_ids: set[int]) -> dict[int, TrackRecord]:
    """Each influencer's history at this brand, in one grouped query (no query per person).

    The brand's ratings join in on the unique (request, side) key, so each
    request still counts once.
    """
    if not influencer_ids:
        return {}
    now = clock.now()
    status = effective_status_sql(now)
    due = ProductRequest.content_due_at
    submitted = ProductRequest.content_submitted_at

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    rows = session.execute(
        select(
            ProductRequest.influencer_id,
            func.count(),
            count(ProductRequest.status.in_(WAS_APPROVED)),
            count(status == DENIED),
            count(status == EXPIRED),
            count(status == WITHDRAWN),
            count(ProductRequest.status.in_(DELIVERED_OR_LATER)),
            count(and_(due.is_not(None), or_(submitted.is_not(None), due <= now))),
            count(and_(due.is_not(None), submitted.is_not(None), submitted <= due)),
            count(ProductRequest.status == CANCELLED),
            func.count(Rating.id),
            func.coalesce(func.sum(Rating.stars), 0),
        )
        .outerjoin(Rating, and_(Rating.request_id == ProductRequest.id, Rating.side == BRAND_SIDE))
        .where(
            ProductRequest.brand_id == brand_id,
            ProductRequest.influencer_id.in_(influencer_ids),
        )
        .group_by(ProductRequest.influencer_id)
    ).all()
    return {ident: TrackRecord(*(int(n) for n in counts)) for ident, *counts in rows}


@dataclass
class ArchiveQuery:
    """The archive's filters, already checked."""

    status: str | None = None
    start: date | None = None
    end: date | None = None
    influencer: str | None = None
    product: str | None = None
    q: str | None = None


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _shown_as(status: str | None, now: datetime) -> Any:
    """Requests people see in ``status`` (None: any but pending), spelled so the
    database walks an index: the plain ``status`` column wherever the overdue
    rule cannot change the answer, rather than :func:`effective_status_sql` on every row."""
    stored, expires_at = ProductRequest.status, ProductRequest.expires_at
    overdue = and_(stored == PENDING, expires_at <= now)
    if status is None:
        return or_(stored != PENDING, expires_at <= now)
    if status == EXPIRED:
        return or_(stored == EXPIRED, overdue)
    if status == PENDING:
        return and_(stored == PENDING, expires_at > now)
    return stored == status


def archive_select(brand_id: int, filters: ArchiveQuery) -> Select:
    """Every decided request of the brand that matches ``filters``."""
    now = clock.now()
    query = (
        select(ProductRequest)
        .join(ProductRequest.influencer)
        .where(ProductRequest.brand_id == brand_id, _shown_as(filters.status, now))
    )
    query = query.where(
        *_day_range(ProductRequest.submitted_at, filters.start, filters.end, now.tzinfo)
    )

    def person(text: str) -> Any:
        pattern = _like(text)
        return or_(
            func.lower(Influencer.name).like(pattern, escape="\\"),
            func.lower(Influencer.email).like(pattern, escape="\\"),
        )

    def item(text: str) -> Any:
        pattern = _like(text)
        return exists().where(
            RequestItem.request_id == ProductRequest.id,
            or_(
                func.lower(RequestItem.product_title).like(pattern, escape="\\"),
                func.lower(RequestItem.product_handle).like(pattern, escape="\\"),
            ),
        )

    if filters.influencer:
        query = query.where(person(filters.influencer))
    if filters.product:
        query = query.where(item(filters.product))
    if filters.q:
        query = query.where(or_(person(filters.q), item(filters.q)))
    return query


def archive_page(brand_id: int, filters: ArchiveQuery, cursor: str | None) -> Page:
    return _page(archive_select(brand_id, filters), cursor)


def in_chunks(query: Select, chunk: int = 500) -> Iterator[ProductRequest]:
    """Every request ``query`` selects, newest first, in keyset chunks (for the CSV exports)."""
    cursor = None
    while True:
        page = _page(query, cursor, size=chunk)
        yield from page.requests
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def archive_rows(
    brand_id: int, filters: ArchiveQuery, chunk: int = 500
) -> Iterator[ProductRequest]:
    """Every matching request, in keyset chunks (for the CSV export)."""
    return in_chunks(archive_select(brand_id, filters), chunk)


@dataclass
class FulfilmentQuery:
    """The fulfilment export's filters, already checked: one status, days it was decided."""

    status: str = APPROVED
    start: date | None = None
    end: date | None = None


def _day_range(column: Any, start: date | None, end: date | None, tz: Any) -> list[Any]:
    """Conditions for ``column`` on the days ``start`` to ``end`` (inclusive, either open)."""
    conditions = []
    if start:
        conditions.append(column >= datetime.combine(start, time.min, tzinfo=tz))
    if end:
        conditions.append(column < datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))
    return conditions


def fulfilment_rows(brand_id: int, filters: FulfilmentQuery) -> Iterator[ProductRequest]:
    """The brand's requests in ``filters.status`` decided in the date range, with their items'
    store variants and (for the denial reason) their events, in keyset chunks."""
    query = (
        select(ProductRequest)
        .where(
            ProductRequest.brand_id == brand_id,
            ProductRequest.status == filters.status,
            *_day_range(ProductRequest.decided_at, filters.start, filters.end, UTC),
        )
        .options(
            selectinload(ProductRequest.items).selectinload(RequestItem.variant),
            selectinload(ProductRequest.events),
        )
    )
    return in_chunks(query)
