"""The console's blueprint: the review site's sign-in, CSRF and error pages, its own URL table.

The console lives under ``/review`` like the review pages and shares their
session, CSRF protection and error page; its views are in
:mod:`.settings`, :mod:`.catalog` and :mod:`.team`, which register on ``bp``.
"""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, request
from werkzeug.exceptions import HTTPException

from widget_server.review.auth import load_user

bp = Blueprint("console", __name__, url_prefix="/review", template_folder="templates")


@bp.before_request
def before() -> None:
    """Every console request: CSRF on POSTs, then who is signed in (as on the review pages)."""
    from widget_server.review.routes import csrf

    if request.method == "POST":
        csrf.protect()
    load_user()


@bp.errorhandler(HTTPException)
def error_page(exc: HTTPException) -> tuple[str, int]:
    """Errors here are pages too, the review site's."""
    return render_template("review/error.html", error=exc), exc.code or 500


def init_app(app: Flask) -> None:
    """Register the console's pages (importing the view modules fills ``bp``)."""
    from widget_server.console import catalog, settings, team  # noqa: F401

    app.register_blueprint(bp)
    app.jinja_env.globals["console_settings_endpoints"] = SETTINGS_ENDPOINTS


#: The settings pages' endpoints, for the main navigation's "Settings" mark.
SETTINGS_ENDPOINTS = frozenset(
    {
        "console.store",
        "console.policy",
        "console.notifications",
        "console.products",
        "console.audit_log",
    }
)
