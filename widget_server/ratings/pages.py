"""The brand rates the influencer of a completed request, from the request's page.

Hung on the review blueprint (imported by ``review.routes.init_app``), so it
gets the site's CSRF check, sign-in and error pages.
"""

from __future__ import annotations

from flask import Response, flash, g, redirect, url_for

from widget_server.ratelimit import PER_IP_SUBMIT, limiter
from widget_server.ratings.forms import RatingForm
from widget_server.ratings.models import BRAND
from widget_server.ratings.services import RatingRefused
from widget_server.ratings.services import rate as rate_request
from widget_server.review.auth import get_request_or_404, login_required
from widget_server.review.routes import bp


@bp.post("/requests/<int:request_id>/rating")
@limiter.limit(PER_IP_SUBMIT)
@login_required
def rate(request_id: int) -> Response:
    """Rate once: stars 1..5 and an optional comment; refusals are flashed, nothing changes."""
    product_request = get_request_or_404(request_id)
    back = url_for("review.detail", request_id=request_id, _anchor="rating")
    rating, problems = RatingForm().rating()
    if rating is None:
        flash(" ".join(problems) or "Choose 1 to 5 stars.", "error")
        return redirect(back)
    try:
        rate_request(product_request.id, BRAND, rating["stars"], rating["comment"], g.user.email)
    except RatingRefused as exc:
        flash(exc.description or "This request cannot be rated now.", "error")
    else:
        name = product_request.influencer.name
        flash(f"Thank you: you rated {name} {rating['stars']} of 5. We emailed {name}.", "success")
    return redirect(back)
