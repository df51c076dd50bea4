"""``widget-server remind``: content reminders to influencers, expiry digests and the
metrics survey to brands.

Idempotent however often and however many times at once it runs: each
reminder first claims its (request, kind) row in :class:`ReminderSent`, whose
unique constraint lets exactly one run win; only the winner writes the email,
in the same transaction. ``--now`` decides what is due (testing), as for
``expire``; the emails go out at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from widget_server import clock
from widget_server.analytics.models import SurveyAnswer
from widget_server.brands.models import Brand
from widget_server.cli_helpers import now_option
from widget_server.db import session
from widget_server.product_requests import emails, states
from widget_server.product_requests.models import ProductRequest, ReminderSent

#: Reminder kind -> days before the content is due it goes out (at most).
CONTENT_REMINDERS = {"content_due_3d": 3, "content_due_1d": 1}
#: The brand hears of pending requests expiring within this.
DIGEST_WINDOW = timedelta(days=2)
DIGEST = "expiry_digest"
SURVEY = "metrics_survey"
#: A survey this late is not sent at all: after an upgrade (old completions
#: have no survey yet) or a long outage, a burst of stale surveys helps no one.
SURVEY_TOO_LATE = timedelta(days=14)
#: The most ``Brand.survey_days`` can be (the settings' range).
MAX_SURVEY_DAYS = 60


@dataclass
class RemindReport:
    """What one run sent."""

    content: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CONTENT_REMINDERS, 0))
    digests: int = 0
    digest_requests: int = 0
    surveys: int = 0

    def __str__(self) -> str:
        three, one = self.content["content_due_3d"], self.content["content_due_1d"]
        return (
            f"Sent {three} 3-day and {one} 1-day content reminder(s), "
            f"{self.digests} expiry digest(s) covering {self.digest_requests} request(s), "
            f"{self.surveys} metrics survey(s)."
        )

    @property
    def sent_any(self) -> bool:
        return bool(self.digests or self.surveys or any(self.content.values()))


def _claim(request_id: int, kind: str) -> bool:
    """Insert the (request, kind) marker; False when another run already has it."""
    try:
        with session.begin_nested():
            session.add(ReminderSent(request_id=request_id, kind=kind, created_at=clock.now()))
            session.flush()
    except IntegrityError:
        return False
    return True


def _content_kind(request: ProductRequest, cutoff: datetime) -> str | None:
    """The one content reminder due for ``request`` at ``cutoff`` (the closest deadline)."""
    assert request.content_due_at is not None
    left = request.content_due_at - cutoff
    due = [kind for kind, days in CONTENT_REMINDERS.items() if left <= timedelta(days=days)]
    # A run that missed the 3-day mark while the 1-day one is due sends only that one.
    return min(due, key=CONTENT_REMINDERS.__getitem__) if due else None


def _content_reminders(cutoff: datetime, report: RemindReport) -> None:
    horizon = cutoff + timedelta(days=max(CONTENT_REMINDERS.values()))
    requests = session.scalars(
        select(ProductRequest)
        .where(
            ProductRequest.status == states.DELIVERED,
            ProductRequest.content_due_at > cutoff,
            ProductRequest.content_due_at <= horizon,
        )
        .options(selectinload(ProductRequest.items), selectinload(ProductRequest.link))
        .order_by(ProductRequest.content_due_at)
    ).all()
    for request in requests:
        kind = _content_kind(request, cutoff)
        if kind is None or not _claim(request.id, kind):
            continue
        emails.content_reminder(request, CONTENT_REMINDERS[kind])
        session.commit()
        report.content[kind] += 1


def _expiry_digests(cutoff: datetime, report: RemindReport) -> None:
    requests = session.scalars(
        select(ProductRequest)
        .where(
            ProductRequest.status == states.PENDING,
            ProductRequest.expires_at > cutoff,
            ProductRequest.expires_at <= cutoff + DIGEST_WINDOW,
        )
        .options(selectinload(ProductRequest.items), selectinload(ProductRequest.brand))
        .order_by(ProductRequest.expires_at)
    ).all()
    by_brand: dict[int, list[ProductRequest]] = defaultdict(list)
    for request in requests:
        by_brand[request.brand_id].append(request)
    for brand_requests in by_brand.values():
        # Each request is in one digest only: a later run lists only the new ones.
        claimed = [r for r in brand_requests if _claim(r.id, DIGEST)]
        if claimed:
            emails.expiry_digest(claimed[0].brand, claimed)
            report.digests += 1
            report.digest_requests += len(claimed)
        session.commit()


def _metrics_surveys(cutoff: datetime, report: RemindReport) -> None:
    """Email each brand the survey of collaborations completed ``survey_days`` ago.

    Not for brands that set 0 days, nor when the survey is already answered
    (from the request's page), nor more than :data:`SURVEY_TOO_LATE` late.
    """
    requests = session.scalars(
        select(ProductRequest)
        .join(Brand, Brand.id == ProductRequest.brand_id)
        .where(
            ProductRequest.status == states.COMPLETED,
            ProductRequest.completed_at <= cutoff,
            ProductRequest.completed_at
            > cutoff - timedelta(days=MAX_SURVEY_DAYS) - SURVEY_TOO_LATE,
            Brand.survey_days > 0,
            ~exists().where(
                ReminderSent.request_id == ProductRequest.id, ReminderSent.kind == SURVEY
            ),
            ~exists().where(SurveyAnswer.request_id == ProductRequest.id),
        )
        .options(selectinload(ProductRequest.brand), selectinload(ProductRequest.influencer))
        .order_by(ProductRequest.completed_at)
    ).all()
    for request in requests:
        assert request.completed_at is not None
        due = request.completed_at + timedelta(days=request.brand.survey_days)
        if not due <= cutoff < due + SURVEY_TOO_LATE or not _claim(request.id, SURVEY):
            continue
        emails.metrics_survey(request)
        session.commit()
        report.surveys += 1


def remind(as_of: datetime | None = None) -> RemindReport:
    """Send every reminder due at ``as_of`` (default now) that was not sent before."""
    cutoff = as_of or clock.now()
    report = RemindReport()
    try:
        _content_reminders(cutoff, report)
        _expiry_digests(cutoff, report)
        _metrics_surveys(cutoff, report)
    except BaseException:
        session.rollback()
        raise
    return report


@click.command("remind")
@with_appcontext
@now_option(help="Send what is due at this ISO 8601 time (testing); emails go out now.")
def remind_command(now: datetime | None) -> None:
    """Remind influencers of content due in 3 and 1 days; tell brands what expires in 2 days;
    ask brands for a collaboration's results its survey days after completion.

    Each reminder goes out once, however often this runs.
    """
    click.echo(str(remind(as_of=now)))
