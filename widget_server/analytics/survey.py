"""The metrics survey's answers: kept with the request, each save on its timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from widget_server import clock
from widget_server.analytics.models import SurveyAnswer
from widget_server.db import session
from widget_server.money import format_minor
from widget_server.product_requests.models import ProductRequest, RequestEvent

ANSWERED = "survey_answered"
EDITED = "survey_edited"
UNCHANGED = "unchanged"


def answer_of(request: ProductRequest) -> SurveyAnswer | None:
    """The survey's answers for ``request`` (the caller checked the brand), or None."""
    return session.scalar(select(SurveyAnswer).where(SurveyAnswer.request_id == request.id))


def summary(answer: SurveyAnswer) -> str:
    """The figures in one line, for the timeline (notes stay on the survey)."""
    parts = [
        f"{label} {value:,}"
        for label, value in (
            ("reach", answer.reach),
            ("clicks", answer.clicks),
            ("orders", answer.orders),
        )
        if value is not None
    ]
    if answer.revenue_minor is not None:
        parts.append(f"revenue {format_minor(answer.revenue_minor, answer.currency)}")
    return " · ".join(parts) or "notes only"


def save(request: ProductRequest, answers: dict[str, Any], actor: str) -> str:
    """Keep ``answers`` (checked by the form) for ``request``: :data:`ANSWERED` the first
    time, :data:`EDITED` after, :data:`UNCHANGED` when they are what was kept (no event).

    Two first answers at once: the unique request id lets one insert win; the
    other becomes an edit of it.
    """
    now = clock.now()
    answer = answer_of(request)
    first = answer is None
    if answer is None:
        try:
            with session.begin_nested():
                answer = SurveyAnswer(
                    request_id=request.id, answered_by=actor, created_at=now, **answers
                )
                session.add(answer)
                session.flush()
        except IntegrityError:
            answer, first = answer_of(request), False
    assert answer is not None
    if not first:
        if all(getattr(answer, key) == value for key, value in answers.items()):
            return UNCHANGED
        for key, value in answers.items():
            setattr(answer, key, value)
        answer.answered_by = actor
    answer.updated_at = now
    session.add(
        RequestEvent(
            request_id=request.id,
            kind=ANSWERED if first else EDITED,
            actor=actor,
            note=summary(answer),
            created_at=now,
        )
    )
    session.flush()
    return ANSWERED if first else EDITED
