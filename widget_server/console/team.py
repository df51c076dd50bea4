"""Team pages (owners only), the set-password page of invitations and resets,
"Forgot password?", and a brand's own sign-in page (``/review/login/<slug>``)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from marshmallow import ValidationError
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from widget_server.brands.services import BrandError, find_brand
from widget_server.console import accounts
from widget_server.console.blueprint import bp
from widget_server.console.forms import (
    ActionForm,
    ForgotForm,
    InviteForm,
    RoleForm,
    SetPasswordForm,
)
from widget_server.errors import flatten_messages
from widget_server.ratelimit import PER_IP_SIGN_IN, limiter
from widget_server.review.auth import get_teammate_or_404, owner_required, sign_in, sign_out
from widget_server.review.forms import LoginForm

#: The one answer of "Forgot password?", whether or not the address has a sign-in.
RESET_SENT = (
    "If {email} has a sign-in, a link to choose a new password is on its way. "
    "It works once, for one hour."
)


def _team_page(invite_form: InviteForm | None = None, status: int = 200) -> tuple[str, int]:
    return (
        render_template(
            "console/team.html",
            people=accounts.team(g.brand),
            is_pending=accounts.is_pending,
            invite_form=invite_form or InviteForm(formdata=None),
            role_form=RoleForm(formdata=None),
            action_form=ActionForm(formdata=None),
        ),
        status,
    )


@bp.get("/team")
@owner_required
def team() -> tuple[str, int]:
    return _team_page()


@bp.post("/team/invite")
@owner_required
def invite() -> Response | tuple[str, int]:
    form = InviteForm()
    if form.validate():
        try:
            user = accounts.invite(g.brand, form.email.data or "", form.role.data, g.user.email)
        except BrandError as exc:
            form.email.errors = [str(exc)]
        else:
            flash(
                f"Invitation emailed to {user.email}: the link works once, for 7 days.", "success"
            )
            return redirect(url_for("console.team"))
    return _team_page(form, 400)


@bp.post("/team/<int:user_id>/role")
@owner_required
def change_role(user_id: int) -> Response:
    user = get_teammate_or_404(user_id)
    form = RoleForm()
    if not form.validate():
        flash("Choose owner or member.", "error")
        return redirect(url_for("console.team"))
    try:
        accounts.set_role(g.brand, user, form.role.data, g.user.email)
    except BrandError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{user.email} is now {user.role}.", "success")
    return redirect(url_for("console.team"))


@bp.post("/team/<int:user_id>/remove")
@owner_required
def remove(user_id: int) -> Response:
    user = get_teammate_or_404(user_id)
    try:
        accounts.remove(g.brand, user, g.user)
    except BrandError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Removed {user.email}; they were signed out everywhere.", "success")
    return redirect(url_for("console.team"))


@bp.get("/login/<slug>")
def brand_login(slug: str) -> str:
    """The sign-in page with the brand's name on it: the address a brand bookmarks."""
    brand = find_brand(slug)
    if brand is None:
        raise NotFound("There is no such brand.")
    return render_template("review/login.html", form=LoginForm(formdata=None), brand=brand)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(PER_IP_SIGN_IN, methods=["POST"])
def forgot() -> Response | str:
    form = ForgotForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip()
        accounts.request_reset(email)
        flash(RESET_SENT.format(email=email), "info")
        return redirect(url_for("console.forgot"))
    return render_template("console/forgot.html", form=form)


@bp.route("/password/set/<token>", methods=["GET", "POST"])
@limiter.limit(PER_IP_SIGN_IN, methods=["POST"])
def set_password(token: str) -> Response | tuple[str, int]:
    """Choose a password with an invitation's or a reset's link; it works once."""
    row = accounts.usable_token(token)
    if row is None:
        return render_template("console/link_used.html"), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.use_token(row, form.new.data or "")
        except ValidationError as exc:
            form.new.errors = [m for ms in flatten_messages(exc.messages).values() for m in ms]
        else:
            sign_out()
            sign_in(user)
            flash("Your password is set. Welcome to Dots.", "success")
            return redirect(url_for("review.index"))
    return (
        render_template("console/set_password.html", form=form, user=row.user, purpose=row.purpose),
        400 if form.errors else 200,
    )
