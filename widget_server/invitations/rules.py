"""The open invitation's page under /review: its share link and the auto-accept rules.

Owners only, like the other settings; every change is in the audit log.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, url_for

from widget_server.invitations import services
from widget_server.invitations.forms import RulesForm, country_list
from widget_server.review.auth import owner_required

bp = Blueprint("open_invitation", __name__, template_folder="templates")


@bp.route("/open-invitation", methods=["GET", "POST"])
@owner_required
def open_invitation() -> Response | tuple[str, int]:
    rules = services.rules_of(g.brand)
    form = RulesForm(
        data={
            "auto_accept": rules.auto_accept,
            "platform": rules.platform or "",
            "min_followers": rules.min_followers,
            "countries": " ".join(rules.countries),
        }
    )
    if form.is_submitted():
        form = RulesForm()
        if form.validate():
            services.save_rules(
                g.brand,
                {
                    "auto_accept": form.auto_accept.data,
                    "platform": form.platform.data,
                    "min_followers": form.min_followers.data,
                    "countries": country_list(form.countries.data),
                },
                g.user.email,
            )
            flash("Auto-accept rules saved.", "success")
            return redirect(url_for(".open_invitation"))
    status = 400 if form.errors else 200
    return render_template(
        "console/open_invitation.html",
        form=form,
        rules=rules,
        apply_url=services.apply_url(g.brand),
    ), status
