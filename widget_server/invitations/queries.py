"""Reads of the Influencers page, always scoped to one brand."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from widget_server.db import session
from widget_server.influencers.models import Influencer, InfluencerLink
from widget_server.invitations.models import ACCEPTED, DECLINED, PENDING, Application
from widget_server.review.queries import TrackRecord, _like, track_records

#: Influencers on one page; "More people" shows the next ones.
LIMIT = 200


@dataclass
class InfluencerRow:
    """One influencer of the brand: their links here (newest first) and their record."""

    influencer: Influencer
    links: list[InfluencerLink] = field(default_factory=list)
    record: TrackRecord = field(default_factory=TrackRecord)


@dataclass
class Listing:
    rows: list[InfluencerRow]
    #: The ``after`` of the next page (the newest link id of this page's last person).
    next_after: int | None


def influencers(brand_id: int, search: str | None = None, after: int | None = None) -> Listing:
    """Everyone with a link at this brand, most recently invited first, a page at a time.

    Keyset paging on each person's newest link id (unique per person):
    ``after`` is the page's starting point, as :attr:`Listing.next_after` gave it.
    """
    newest = (
        select(InfluencerLink.influencer_id, func.max(InfluencerLink.id).label("last"))
        .where(InfluencerLink.brand_id == brand_id)
        .group_by(InfluencerLink.influencer_id)
        .subquery()
    )
    query = select(Influencer, newest.c.last).join(newest, newest.c.influencer_id == Influencer.id)
    if after is not None:
        query = query.where(newest.c.last < after)
    if search:
        pattern = _like(search)
        query = query.where(
            or_(
                func.lower(Influencer.name).like(pattern, escape="\\"),
                func.lower(Influencer.email).like(pattern, escape="\\"),
            )
        )
    found = session.execute(
        query.order_by(newest.c.last.desc())
        .limit(LIMIT + 1)
        .options(selectinload(Influencer.handles))
    ).all()
    more, found = len(found) > LIMIT, found[:LIMIT]
    people = [person for person, _last in found]
    ids = {person.id for person in people}
    rows = {person.id: InfluencerRow(person) for person in people}
    if ids:
        links = session.scalars(
            select(InfluencerLink)
            .where(InfluencerLink.brand_id == brand_id, InfluencerLink.influencer_id.in_(ids))
            .order_by(InfluencerLink.id.desc())
        )
        for link in links:
            rows[link.influencer_id].links.append(link)
        for ident, record in track_records(brand_id, ids).items():
            rows[ident].record = record
    return Listing(list(rows.values()), found[-1].last if more else None)


def pending_applications(brand_id: int) -> list[Application]:
    """Confirmed applications waiting for the brand, oldest first (first come, first served)."""
    return list(
        session.scalars(
            select(Application)
            .where(Application.brand_id == brand_id, Application.status == PENDING)
            .order_by(Application.confirmed_at, Application.id)
        )
    )


def decided_applications(brand_id: int, limit: int = 20) -> list[Application]:
    """The latest accepted and declined applications (what happened to them)."""
    return list(
        session.scalars(
            select(Application)
            .where(Application.brand_id == brand_id, Application.status.in_((ACCEPTED, DECLINED)))
            .order_by(Application.decided_at.desc(), Application.id.desc())
            .limit(limit)
        )
    )
