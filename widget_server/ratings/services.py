"""Rating a completed collaboration: once per side, on the timeline, the other side emailed.

Callers check who may act (the brand's pages through ``get_request_or_404``,
the influencer's link through ``owned_request_id``) and validate the input;
:func:`rate` takes the request id that check produced.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from widget_server.db import session
from widget_server.errors import ApiError
from widget_server.product_requests import emails, states
from widget_server.product_requests.models import ProductRequest, RequestEvent
from widget_server.ratings.models import BRAND, MAX_STARS, Rating

#: The timeline event of a rating.
RATED = "rated"


class RatingRefused(ApiError):
    """Not rateable now (not completed) or already rated by this side: 409 with the reason."""


def may_rate(request: ProductRequest, side: str) -> bool:
    """Whether ``side`` may still rate ``request``: completed and not yet rated by that side."""
    return request.status == states.COMPLETED and request.rating_by(side) is None


def _event_note(stars: int, comment: str | None) -> str:
    return f"{stars} of {MAX_STARS} stars" + (f"\n{comment}" if comment else "")


def rate(request_id: int, side: str, stars: int, comment: str | None, actor: str) -> Rating:
    """``side`` rates the completed request ``request_id``; raise :class:`RatingRefused` if not.

    The insert runs in a savepoint: when two submissions race, the unique
    (request, side) index lets one in and the other's IntegrityError becomes
    the same 409 as a plain second attempt. The timeline event and the email
    to the other side (outbox) are written in the caller's transaction, so
    they commit with the rating or not at all.
    """
    request = session.get(ProductRequest, request_id, populate_existing=True)
    if request is None:
        raise ApiError(404, "not_found", "There is no such request.")
    if request.status != states.COMPLETED:
        shown = states.effective_status(request).replace("_", " ")
        raise RatingRefused(
            409,
            "not_completed",
            f"This request is {shown}; it can be rated once the collaboration is completed.",
        )
    comment = (comment or "").strip() or None
    # The event first: its INSERT opens the transaction for real, so the
    # savepoint below is nested in it on every driver (pysqlite otherwise
    # starts one with the SAVEPOINT, and its RELEASE would commit the rating
    # before the email is written).
    event = RequestEvent(
        request_id=request.id, kind=RATED, actor=actor, note=_event_note(stars, comment)
    )
    session.add(event)
    session.flush()
    rating = Rating(request_id=request.id, side=side, stars=stars, comment=comment, actor=actor)
    try:
        with session.begin_nested():
            session.add(rating)
    except IntegrityError:
        # Nothing of the attempt stays, even for a caller that commits after a
        # refusal (the brand's page flashes it and answers 302).
        session.delete(event)
        session.flush()
        raise RatingRefused(
            409, "already_rated", "This collaboration is already rated; a rating is given once."
        ) from None
    session.expire(request, ["ratings"])  # the answer shows the new rating
    if side == BRAND:
        emails.rated_by_brand(request, rating)
    else:
        emails.rated_by_influencer(request, rating)
    session.flush()
    return rating
