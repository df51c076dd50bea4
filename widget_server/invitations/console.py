"""The Influencers pages under /review: invite, manage links, bulk invite, applications.

A blueprint nested in the review site's, so its sign-in, CSRF check, error
pages and security headers apply; every row named in a URL is loaded through
:func:`~widget_server.review.auth.get_owned_or_404` (another brand's: 404).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from widget_server.errors import flatten_messages
from widget_server.influencers.models import InfluencerLink
from widget_server.influencers.services import InfluencerError, link_url, revoke_link
from widget_server.invitations import bulk, queries, services
from widget_server.invitations.forms import (
    BulkConfirmForm,
    BulkUploadForm,
    DeclineForm,
    ExtendForm,
    InviteForm,
)
from widget_server.invitations.models import Application
from widget_server.ratelimit import PER_IP_SUBMIT, limiter
from widget_server.review.auth import get_owned_or_404, login_required
from widget_server.review.forms import ActionForm
from widget_server.review.queries import decode_id

bp = Blueprint("influencers", __name__, url_prefix="/influencers", template_folder="templates")

#: Largest CSV taken (the request body limit is larger; a CSV of 500 people is far smaller).
MAX_CSV_BYTES = 200 * 1024


def _page(invite_form: InviteForm | None = None, status: int = 200) -> tuple[str, int]:
    search = (request.args.get("q") or "").strip()[:200] or None
    return render_template(
        "console/influencers.html",
        listing=queries.influencers(g.brand.id, search, _after()),
        search=search or "",
        applications=queries.pending_applications(g.brand.id),
        decided=queries.decided_applications(g.brand.id),
        invite_form=invite_form or InviteForm(),
        action_form=ActionForm(),
        decline_form=DeclineForm(),
        apply_url=services.apply_url(g.brand),
    ), status


def _after() -> int | None:
    """The ``?after=`` of a "More people" link: a row id, or 400 for anything else."""
    after = request.args.get("after")
    return None if after is None else decode_id(after)


@bp.get("/")
@login_required
def index() -> tuple[str, int]:
    return _page()


@bp.post("/invite")
@limiter.limit(PER_IP_SUBMIT)  # each one emails someone
@login_required
def invite() -> Response | tuple[str, int]:
    """Invite one person; on success the link's page, to copy the link for a DM."""
    form = InviteForm()
    if form.validate():
        try:
            data = {
                "name": (form.name.data or "").strip(),
                "email": (form.email.data or "").strip(),
                "handles": bulk.parse_handles(form.handles.data or ""),
            }
            link = services.invite(g.brand, data, (form.note.data or "").strip() or None)
        except InfluencerError as exc:
            form.handles.errors = [str(exc)]
        except ValidationError as exc:
            for where, messages in flatten_messages(exc.messages).items():
                field = getattr(form, where.split(".")[0], form.handles)
                field.errors = list(field.errors) + messages
        else:
            flash(f"Invitation emailed to {link.influencer.email}.", "success")
            return redirect(url_for(".link", link_id=link.id))
    return _page(form, 400)


def _link_or_404(link_id: int) -> InfluencerLink:
    return get_owned_or_404(InfluencerLink, link_id, "link")


@bp.get("/links/<int:link_id>")
@login_required
def link(link_id: int) -> str:
    found = _link_or_404(link_id)
    return render_template(
        "console/link.html",
        link=found,
        url=link_url(found),
        action_form=ActionForm(),
        extend_form=ExtendForm(until=found.expires_at.date().isoformat()),
    )


@bp.post("/links/<int:link_id>/revoke")
@login_required
def revoke(link_id: int) -> Response:
    found = _link_or_404(link_id)
    if ActionForm().validate():
        revoke_link(found)
        flash(f"The link of {found.influencer.name} no longer works.", "success")
    return redirect(url_for(".link", link_id=link_id))


@bp.post("/links/<int:link_id>/extend")
@login_required
def extend(link_id: int) -> Response:
    found = _link_or_404(link_id)
    form = ExtendForm()
    if not form.validate():
        flash(" ".join(form.until.errors) or "Choose a date.", "error")
    else:
        try:
            services.extend(found, date.fromisoformat(form.until.data or ""))
        except InfluencerError as exc:
            flash(str(exc), "error")
        else:
            flash(f"The link now works until {found.expires_at:%d %b %Y}.", "success")
    return redirect(url_for(".link", link_id=link_id))


@bp.post("/links/<int:link_id>/resend")
@limiter.limit(PER_IP_SUBMIT)  # each one emails someone
@login_required
def resend(link_id: int) -> Response:
    found = _link_or_404(link_id)
    if ActionForm().validate():
        fresh = services.send_again(found)
        flash(
            f"A new link is emailed to {fresh.influencer.email}; the old one is revoked.", "success"
        )
        return redirect(url_for(".link", link_id=fresh.id))
    return redirect(url_for(".link", link_id=link_id))


@bp.route("/bulk", methods=["GET", "POST"])
@login_required
def bulk_invite() -> tuple[str, int]:
    """Upload a CSV and see every row checked; nothing is written here."""
    form = BulkUploadForm()
    text = None
    if request.method == "POST" and form.validate():
        text, error = bulk.upload_text(form.file.data, MAX_CSV_BYTES)
        if error:
            form.file.errors = [error]
    preview = None if text is None else bulk.read_csv(text)
    status = 400 if request.method == "POST" and preview is None else 200
    return render_template(
        "console/bulk.html",
        form=form,
        preview=preview,
        confirm_form=BulkConfirmForm(text=text or ""),
    ), status


@bp.post("/bulk/confirm")
@limiter.limit(PER_IP_SUBMIT)  # each one emails someone
@login_required
def bulk_confirm() -> Response | tuple[str, int]:
    """Invite every good row of the previewed CSV, all in one transaction."""
    form = BulkConfirmForm()
    if not form.validate():
        flash("Upload the file again.", "error")
        return redirect(url_for(".bulk_invite"))
    preview = bulk.read_csv(form.text.data or "")
    if not preview.good:
        flash("No row of the file can be invited.", "error")
        return redirect(url_for(".bulk_invite"))
    for row in preview.good:
        services.invite(g.brand, row.data)
    skipped = len(preview.bad)
    flash(
        f"Invited {len(preview.good)} people by email."
        + (f" {skipped} row(s) with errors were skipped." if skipped else ""),
        "success",
    )
    return redirect(url_for(".index"))


def _application_or_404(application_id: int) -> Application:
    return get_owned_or_404(Application, application_id, "application")


@bp.post("/applications/<int:application_id>/accept")
@login_required
def accept(application_id: int) -> Response:
    application = _application_or_404(application_id)
    if ActionForm().validate():
        try:
            services.accept_application(application, g.user.email)
        except InfluencerError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Accepted. We emailed {application.name} their personal link.", "success")
    return redirect(url_for(".index"))


@bp.post("/applications/<int:application_id>/decline")
@login_required
def decline(application_id: int) -> Response:
    application = _application_or_404(application_id)
    form = DeclineForm()
    if not form.validate():
        flash("Write a reason of at most 1,000 characters.", "error")
    else:
        try:
            reason = (form.reason.data or "").strip() or None
            services.decline_application(application, g.user.email, reason)
        except InfluencerError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Declined. We emailed {application.name}.", "success")
    return redirect(url_for(".index"))
