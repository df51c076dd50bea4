"""The creator's history next to every pending request (#12 item 2): the brand's average
rating of the influencer, their collaborations and their content delivery rate.

The figures are checked against a seeded set whose answers this file works out
on its own from the seed (plain Python over the rows below), never by calling
the query under test; another brand's ratings and rows must never count. The
whole list page costs the same number of statements with 2 rows as with a
full page (one grouped query for every row's history).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from tests.factories import make_brand, make_influencer
from tests.review_helpers import login
from widget_server.brands.services import add_brand_user
from widget_server.db import engine, session
from widget_server.product_requests.models import ProductRequest
from widget_server.ratings.models import Rating
from widget_server.review.queries import PAGE_SIZE, track_records

PASSWORD = "correct horse battery"
TEAM = "team@north.example"
COLLABORATING = {"approved", "shipped", "delivered", "content_submitted", "completed", "cancelled"}


@dataclass(frozen=True)
class Row:
    """One seeded request: at which brand, whose, in what state, with which dates and ratings.

    ``due`` and ``sent`` are days from now (the content's due date and when it was
    first submitted); ``by_brand`` / ``by_influencer`` are the stars each side gave.
    """

    brand: str
    who: str
    status: str
    due: int | None = None
    sent: int | None = None
    by_brand: int | None = None
    by_influencer: int | None = None


SEED = [
    # Ana at north: two completed on time (rated 5 and 4), one completed late (rated 2,
    # and she rated north 1: the influencer's rating of the brand never counts here).
    Row("north", "ana", "completed", due=-30, sent=-32, by_brand=5),
    Row("north", "ana", "completed", due=-20, sent=-20, by_brand=4),  # exactly on the due date
    Row("north", "ana", "completed", due=-10, sent=-5, by_brand=2, by_influencer=1),
    # Overdue and not sent: counts as due, not on time. Inside its window: not counted yet.
    Row("north", "ana", "delivered", due=-1),
    Row("north", "ana", "delivered", due=+6),
    # Sent early while still inside the window: due (it was sent) and on time.
    Row("north", "ana", "content_submitted", due=+3, sent=-1),
    Row("north", "ana", "shipped"),
    Row("north", "ana", "cancelled"),
    Row("north", "ana", "denied"),
    Row("north", "ana", "withdrawn"),
    Row("north", "ana", "pending"),
    # Ana at the rival brand: five stars and perfect delivery that north must not see.
    Row("rival", "ana", "completed", due=-30, sent=-40, by_brand=5),
    Row("rival", "ana", "completed", due=-30, sent=-40, by_brand=5),
    Row("rival", "ana", "pending"),
    # Ben at north: one collaboration, not rated, content not due yet.
    Row("north", "ben", "approved"),
    Row("north", "ben", "pending"),
    # Cara at north: her first request.
    Row("north", "cara", "pending"),
    # Dan at north: rated once (3), late once.
    Row("north", "dan", "completed", due=-9, sent=-8, by_brand=3),
    Row("north", "dan", "pending"),
]


@dataclass
class Expected:
    rated: int
    average: float | None
    collaborations: int
    due: int
    on_time: int


def expected(brand: str, who: str, now: datetime) -> Expected:
    """The figures worked out from ``SEED`` alone."""
    rows = [r for r in SEED if r.brand == brand and r.who == who]
    stars = [r.by_brand for r in rows if r.by_brand is not None]
    due = [r for r in rows if r.due is not None and (r.sent is not None or r.due <= 0)]
    on_time = [r for r in due if r.sent is not None and r.sent <= r.due]
    return Expected(
        rated=len(stars),
        average=sum(stars) / len(stars) if stars else None,
        collaborations=sum(r.status in COLLABORATING for r in rows),
        due=len(due),
        on_time=len(on_time),
    )


def seed(now: datetime) -> dict[str, object]:
    """The rows of ``SEED``, written as they would be left by the state machine."""
    brands = {slug: make_brand(slug) for slug in ("north", "rival")}
    add_brand_user(brands["north"], TEAM, PASSWORD)
    people = {
        who: make_influencer(f"{who}@example.com", name=who.title())
        for who in ("ana", "ben", "cara", "dan")
    }
    for n, row in enumerate(SEED):
        day = timedelta(days=1)
        request = ProductRequest(
            brand_id=brands[row.brand].id,
            influencer_id=people[row.who].id,
            status=row.status,
            submitted_at=now - 60 * day + n * timedelta(minutes=1),
            expires_at=now + 7 * day,
            decided_at=None if row.status == "pending" else now - 50 * day,
            currency="USD",
            total_minor=2500,
            proposal={"content_types": ["reel"], "platforms": ["instagram"], "message": "Hi"},
            shipping_address={"city": "Lisbon", "country": "PT"},
            content_due_at=None if row.due is None else now + row.due * day,
            content_submitted_at=None if row.sent is None else now + row.sent * day,
        )
        session.add(request)
        session.flush()
        for side, stars in (("brand", row.by_brand), ("influencer", row.by_influencer)):
            if stars is not None:
                actor = TEAM if side == "brand" else people[row.who].email
                session.add(Rating(request_id=request.id, side=side, stars=stars, actor=actor))
    session.commit()
    return {"brands": brands, "people": people}


@pytest.fixture
def seeded(app, frozen_clock):
    with app.app_context():
        world = seed(frozen_clock)
        return {
            "north": world["brands"]["north"].id,
            "rival": world["brands"]["rival"].id,
            "ids": {who: person.id for who, person in world["people"].items()},
        }


def test_the_figures_match_the_seed_worked_out_independently(app, seeded, frozen_clock):
    with app.app_context():
        for brand in ("north", "rival"):
            ids = seeded["ids"]
            records = track_records(seeded[brand], set(ids.values()))
            for who, ident in ids.items():
                want = expected(brand, who, frozen_clock)
                got = records.get(ident)
                if got is None:  # no request at this brand at all
                    assert not [r for r in SEED if r.brand == brand and r.who == who]
                    continue
                assert (got.rated, got.collaborations) == (want.rated, want.collaborations), who
                assert (got.content_due, got.content_on_time) == (want.due, want.on_time), who
                assert (
                    got.average_stars == pytest.approx(want.average)
                    if want.average
                    else (got.average_stars is None)
                ), who
    # Spelled out once, so a wrong reading of the seed above cannot hide a wrong query.
    ana = expected("north", "ana", frozen_clock)
    assert (ana.rated, ana.average, ana.collaborations, ana.due, ana.on_time) == (
        3,
        11 / 3,
        8,
        5,
        3,
    )


def _history(html: str, name: str | None = None) -> str:
    """The history line (as text) of the card headed ``name`` on a list page, else the first."""
    start = re.search(rf">{name}</a>", html).end() if name else 0
    found = re.search(r'data-testid="creator-history"[^>]*>(.*?)</ul>', html[start:], re.S)
    assert found, f"no history for {name}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def _shown(want: Expected) -> str:
    rating = (
        f"{want.average:.1f} ★ stars from {want.rated} rating{'' if want.rated == 1 else 's'}"
        if want.rated
        else "not rated yet"
    )
    collabs = f"{want.collaborations} collaboration{'' if want.collaborations == 1 else 's'}"
    if want.due:
        percent = round(100 * want.on_time / want.due)
        delivery = f"content on time {want.on_time} of {want.due} ({percent}%)"
    else:
        delivery = "no content due yet"
    return f"{rating} {collabs} {delivery}"


def test_the_pending_list_and_the_detail_page_show_each_history(client, seeded, frozen_clock):
    login(client, TEAM, PASSWORD)
    html = client.get("/review/").get_data(as_text=True)
    for who in ("ana", "ben", "cara", "dan"):
        assert _history(html, who.title()) == _shown(expected("north", who, frozen_clock)), who
    assert (
        _history(html, "Ana")
        == "3.7 ★ stars from 3 ratings 8 collaborations content on time 3 of 5 (60%)"
    )
    assert _history(html, "Cara") == "not rated yet 0 collaborations no content due yet"
    assert "Rival" not in html

    ana_pending = re.search(r'href="/review/requests/(\d+)">Ana</a>', html).group(1)
    detail = client.get(f"/review/requests/{ana_pending}").get_data(as_text=True)
    assert detail.count('data-testid="creator-history"') == 1
    assert _history(detail) == _shown(expected("north", "ana", frozen_clock))


def test_a_tab_row_shows_the_history_too(client, seeded, frozen_clock):
    login(client, TEAM, PASSWORD)
    html = client.get("/review/tab/content-submitted").get_data(as_text=True)
    assert _history(html, "Ana") == _shown(expected("north", "ana", frozen_clock))


def _statements(client, path: str) -> int:
    count = []

    def tally(*_args) -> None:
        count.append(1)

    with client.application.app_context():
        bind = engine()
    event.listen(bind, "before_cursor_execute", tally)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(bind, "before_cursor_execute", tally)
    return len(count)


def test_the_pending_list_reads_every_rows_history_in_one_query(client, app, frozen_clock):
    """No query per row: a full page costs what two rows cost."""
    with app.app_context():
        world = seed(frozen_clock)
        north = world["brands"]["north"]
    login(client, TEAM, PASSWORD)
    few = _statements(client, "/review/")
    with app.app_context():
        for n in range(PAGE_SIZE + 5):
            person = make_influencer(f"extra{n}@example.com", name=f"Extra {n}")
            for status in ("completed", "pending"):
                request = ProductRequest(
                    brand_id=north.id,
                    influencer_id=person.id,
                    status=status,
                    submitted_at=frozen_clock - timedelta(hours=n),
                    expires_at=frozen_clock + timedelta(days=7),
                    currency="USD",
                    total_minor=100,
                    proposal={"content_types": ["reel"], "platforms": ["instagram"]},
                    shipping_address={"city": "Lisbon", "country": "PT"},
                )
                session.add(request)
                session.flush()
                if status == "completed":
                    session.add(Rating(request_id=request.id, side="brand", stars=4, actor=TEAM))
        session.commit()
    full = _statements(client, "/review/")
    html = client.get("/review/").get_data(as_text=True)
    assert html.count('data-testid="creator-history"') == PAGE_SIZE
    assert (
        _history(html, "Extra 0") == "4.0 ★ stars from 1 rating 1 collaboration no content due yet"
    )
    assert full == few, (few, full)
