"""The open invitation: ``/apply/<slug>``, the public application page of each brand.

No sign-in and no third-party script: bots are kept out by a honeypot field
people never see, a minimum fill time carried in a signed stamp, and a rate
limit per IP. The applicant confirms their address through a one-time link
(48 hours) before the brand sees anything.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from werkzeug.exceptions import HTTPException

from widget_server.brands.models import Brand
from widget_server.brands.services import find_brand
from widget_server.invitations import services, tokens
from widget_server.invitations.forms import ApplyForm
from widget_server.invitations.models import ACCEPTED
from widget_server.ratelimit import PER_IP_APPLY, limiter
from widget_server.review.forms import ActionForm

bp = Blueprint("apply", __name__, url_prefix="/apply", template_folder="templates")

#: Seconds a person needs at least to fill the form in; a bot answers at once.
MIN_FILL_SECONDS = 3


def _brand_or_404(slug: str) -> Brand:
    brand = find_brand(slug)
    if brand is None:
        abort(404, "There is no such brand.")
    return brand


def _handles(form: ApplyForm) -> list[dict[str, Any]]:
    """The accounts filled in; per-row errors go on the row's fields."""
    found = []
    for row in form.handles:
        platform, handle = row.platform.data, (row.handle.data or "").strip().lstrip("@")
        if not platform and not handle:
            continue
        if not platform:
            row.platform.errors = ["Choose the platform of this account."]
        if not handle:
            row.handle.errors = ["Write the handle of this account."]
        if row.followers.data is None:
            row.followers.errors = list(row.followers.errors) or ["Write how many follow you."]
        if platform and handle and row.followers.data is not None:
            found.append({"platform": platform, "handle": handle, "followers": row.followers.data})
    keys = [(h["platform"], h["handle"].lower()) for h in found]
    if len(set(keys)) != len(keys):
        form.handles.errors = ["An account is given twice."]
    if not found and not any(row.errors for row in form.handles):
        form.handles.errors = ["Give at least one account (platform, handle and followers)."]
    return found


def _form_page(brand: Brand, form: ApplyForm, status: int = 200) -> tuple[str, int]:
    form.started.data = tokens.form_stamp()
    form.website.data = ""
    return render_template(
        "apply/form.html", brand=brand, form=form, offer=services.offer(brand)
    ), status


@bp.get("/<slug>")
def form(slug: str) -> tuple[str, int]:
    return _form_page(_brand_or_404(slug), ApplyForm())


@bp.post("/<slug>")
@limiter.limit(PER_IP_APPLY)
def submit(slug: str) -> Response | tuple[str, int]:
    brand = _brand_or_404(slug)
    form = ApplyForm()
    if form.website.data:
        # A bot filled in the field people never see: it is told what a person is told.
        return redirect(url_for(".sent", slug=slug))
    try:
        elapsed = tokens.seconds_since_stamp(form.started.data or "")
    except tokens.TokenRefused:
        elapsed = None
    valid = form.validate()
    handles = _handles(form)
    country = (form.country.data or "").strip().upper()
    if valid and not country.isalpha():
        form.country.errors = ["Use a two-letter code, like PT or US."]
    if elapsed is None or elapsed < MIN_FILL_SECONDS:
        form.form_errors.append(
            "This form was sent too quickly, or was open too long. Check it, then send it again."
        )
    if (
        not valid
        or form.form_errors
        or form.handles.errors
        or form.country.errors
        or any(row.errors for row in form.handles)
    ):
        return _form_page(brand, form, 400)
    services.submit_application(
        brand,
        {
            "name": (form.name.data or "").strip(),
            "email": (form.email.data or "").strip(),
            "country": country,
            "handles": handles,
            "pitch": (form.pitch.data or "").strip(),
        },
    )
    return redirect(url_for(".sent", slug=slug))


@bp.get("/<slug>/sent")
def sent(slug: str) -> str:
    return render_template("apply/sent.html", brand=_brand_or_404(slug))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> tuple[str, int]:
    """GET asks (mail scanners open links), POST confirms: the link works once."""
    form = ActionForm()
    try:
        tokens.read_confirmation(token)
    except tokens.TokenRefused as exc:
        return render_template("apply/confirm.html", error=str(exc), form=form), 400
    if not form.is_submitted():
        return render_template("apply/confirm.html", error=None, form=form), 200
    if not form.validate():
        abort(400, "The form expired; open the link from the email again.")
    try:
        application = services.confirm_application(token)
    except tokens.TokenRefused as exc:
        return render_template("apply/confirm.html", error=str(exc), form=form), 400
    return render_template(
        "apply/confirmed.html",
        application=application,
        brand=application.brand,
        accepted=application.status == ACCEPTED,
    ), 200


@bp.errorhandler(HTTPException)
def error_page(exc: HTTPException) -> tuple[str, int]:
    """Errors on these pages are pages too."""
    return render_template("apply/error.html", error=exc), exc.code or 500
