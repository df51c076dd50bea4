"""URL table and thin views of the review pages (server-rendered, no JavaScript needed)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from itertools import chain

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from widget_server import clock
from widget_server.brands.services import change_password
from widget_server.brands.sessions import ABSOLUTE_LIFETIME
from widget_server.console import blueprint as console
from widget_server.db import session
from widget_server.errors import ApiError, flatten_messages
from widget_server.messages import rules as message_rules
from widget_server.messages import services as messages
from widget_server.messages.rules import BRAND
from widget_server.money import format_minor, to_decimal_string
from widget_server.notifications.outbox import is_http_url
from widget_server.product_requests import lifecycle, states, uploads
from widget_server.product_requests.models import ContentScreenshot, ProductRequest
from widget_server.ratelimit import PER_IP_SIGN_IN, PER_USER_MESSAGES, limiter, user_key
from widget_server.ratings.forms import RatingForm
from widget_server.review import queries
from widget_server.review.auth import (
    authenticate,
    check_password,
    get_request_or_404,
    load_user,
    login_required,
    sign_in,
    sign_out,
)
from widget_server.review.forms import (
    ActionForm,
    ArchiveFilter,
    ChangesForm,
    DenyForm,
    LoginForm,
    MessageForm,
    NoteForm,
    PasswordForm,
    ShipForm,
    problems,
)
from widget_server.review.timeline import timeline
from widget_server.validation import display_text, platform_name

bp = Blueprint(
    "review",
    __name__,
    url_prefix="/review",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
csrf = CSRFProtect()


@bp.before_request
def before() -> None:
    """Every review request: CSRF on POSTs, then who is signed in."""
    if request.method == "POST":
        csrf.protect()
    load_user()


@bp.context_processor
def template_helpers() -> dict[str, object]:
    return {
        "now": clock.now,
        "effective_status": states.effective_status,
        "tabs": queries.TABS,
        "http_url": is_http_url,
    }


def _safe_next(target: str | None, default: str) -> str:
    # Only our own pages: never an absolute or protocol-relative URL.
    if target and target.startswith("/review") and not target.startswith("//"):
        return target
    return default


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(PER_IP_SIGN_IN, methods=["POST"])
def login() -> Response | str:
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            sign_in(user)
            return redirect(_safe_next(request.args.get("next"), url_for("review.index")))
        flash("That email and password do not match.", "error")
    return render_template("review/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("review.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(PER_IP_SIGN_IN, methods=["POST"])
@login_required
def password() -> Response | str:
    """Change one's own password; every session of the user ends, this one restarts."""
    form = PasswordForm()
    if form.validate_on_submit():
        if not check_password(g.user, form.current.data or ""):
            form.current.errors = ["That is not your current password."]
        else:
            try:
                ended = change_password(g.user, form.new.data or "")
            except ValidationError as exc:
                form.new.errors = [m for ms in flatten_messages(exc.messages).values() for m in ms]
            else:
                sign_in(g.user)
                others = ended - 1
                flash(
                    "Your password is changed."
                    + (f" {others} other session(s) were signed out." if others > 0 else ""),
                    "success",
                )
                return redirect(url_for("review.index"))
    return render_template("review/password.html", form=form)


def _refuse_stray_args(*names: str) -> None:
    """400 for query arguments this page does not take.

    The archive hands its arguments back to ``url_for`` for its links, where
    names like ``_method`` or ``_external`` mean something else: only the
    page's own names ever get that far.
    """
    stray = sorted(set(request.args) - set(names))
    if stray:
        abort(400, f"This page does not take the argument(s): {', '.join(stray)}.")


def _sort() -> str:
    """The pending list's ``?sort=`` (newest by default); 400 for one it does not have."""
    sort = request.args.get("sort", "newest")
    if sort not in queries.PENDING_SORTS:
        abort(400, f"Sort by one of: {', '.join(queries.PENDING_SORTS)}.")
    return sort


@bp.get("/")
@login_required
def index() -> str:
    _refuse_stray_args("after", "sort")
    sort = _sort()
    page = queries.pending_page(g.brand.id, request.args.get("after"), sort)
    records = queries.track_records(g.brand.id, {r.influencer_id for r in page.requests})
    summary = queries.summary(g.brand.id)
    return render_template(
        "review/index.html",
        summary=summary,
        counts=queries.tab_counts(g.brand.id, pending=summary.pending.count),
        sort=sort,
        page=page,
        unread=messages.unread_counts((r.id for r in page.requests), BRAND),
        records=records,
        deny_form=DenyForm(),
        action_form=ActionForm(),
    )


def _lifecycle_forms() -> dict[str, FlaskForm]:
    """The forms of the collaboration's steps, for the lists and the detail page."""
    return {
        "action_form": ActionForm(),
        "ship_form": ShipForm(),
        "cancel_form": NoteForm(),
        "changes_form": ChangesForm(),
    }


@bp.get("/tab/<slug>")
@login_required
def tab(slug: str) -> str:
    """One state of the collaboration (awaiting shipment, shipped, …) as a list."""
    _refuse_stray_args("after")
    current = queries.TABS_BY_SLUG.get(slug)
    if current is None:
        abort(404)
    page = queries.tab_page(g.brand.id, current, request.args.get("after"))
    return render_template(
        "review/tab.html",
        tab=current,
        counts=queries.tab_counts(g.brand.id),
        page=page,
        unread=messages.unread_counts((r.id for r in page.requests), BRAND),
        records=queries.track_records(g.brand.id, {r.influencer_id for r in page.requests}),
        **_lifecycle_forms(),
    )


def _archive_filters(*also: str) -> tuple[ArchiveFilter, queries.ArchiveQuery | None]:
    """The archive's form and its checked filters (None when the form has errors)."""
    _refuse_stray_args(*ArchiveFilter.FIELDS, *also)
    form = ArchiveFilter(request.args)
    if not form.validate():
        return form, None

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None  # checked by the form

    filters = queries.ArchiveQuery(
        status=form.status.data if form.status.data in states.STATUSES else None,
        start=day(form.start.data),
        end=day(form.end.data),
        influencer=(form.influencer.data or "").strip() or None,
        product=(form.product.data or "").strip() or None,
        q=(form.q.data or "").strip() or None,
    )
    return form, filters


@bp.get("/archive")
@login_required
def archive() -> tuple[str, int]:
    form, filters = _archive_filters("after")
    if filters is None:  # the form shows what is wrong with the filters
        page, status = queries.Page([], None), 400
    else:
        page, status = queries.archive_page(g.brand.id, filters, request.args.get("after")), 200
    args = {name: request.args[name] for name in ArchiveFilter.FIELDS if request.args.get(name)}
    return render_template("review/archive.html", form=form, page=page, args=args), status


_CSV_COLUMNS = [
    "id", "status", "submitted_at", "decided_at", "influencer", "email", "country",
    "items", "total", "currency", "content_types", "platforms", "publish_on",
]  # fmt: skip


def _cell(value: object) -> str:
    # Shown to people like the pages: bidirectional controls and bad stored text neutralised.
    text = display_text("" if value is None else str(value))
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_lines(
    header: Iterable[str], rows: Iterable[Iterable[object]], bom: bool = False
) -> Iterator[str]:
    """``header`` then each row as CSV text, one line at a time, every cell through :func:`_cell`.

    ``bom`` starts the file with a byte-order mark, which is how spreadsheet
    programs (Excel) know a CSV is UTF-8 and read its accents.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(header)
    yield ("\ufeff" if bom else "") + flush()
    for row in rows:
        writer.writerow(_cell(value) for value in row)
        yield flush()


def csv_download(lines: Iterator[str], name: str) -> Response:
    """Stream ``lines`` as the attachment ``<brand>-<name>-<date>.csv``.

    The header and the first row are produced before the 200 is sent, so a
    failing query is an error page, not a cut file.
    """
    ready = [next(lines), next(lines, "")]  # the header, then the first row (or none)
    filename = f"{g.brand.slug}-{name}-{clock.now():%Y%m%d}.csv"
    return Response(
        stream_with_context(chain(ready, lines)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _archive_cells(r: ProductRequest, now: datetime) -> tuple[object, ...]:
    items = "; ".join(f"{i.product_title} ({i.variant_title}) x{i.quantity}" for i in r.items)
    return (
        r.id,
        states.effective_status(r, now),
        r.submitted_at.isoformat(),
        r.decided_at.isoformat() if r.decided_at else "",
        r.influencer.name,
        r.influencer.email,
        r.influencer.country,
        items,
        to_decimal_string(r.total_minor, r.currency),
        r.currency,
        " ".join(map(str, r.proposal.get("content_types", []))),
        " ".join(map(str, r.proposal.get("platforms", []))),
        r.proposal.get("publish_on", ""),
    )


@bp.get("/archive.csv")
@login_required
def archive_csv() -> Response:
    """The archive as CSV, checked before the first byte goes out.

    Bad filters answer 400; the header and the first row are produced before
    the 200 is sent, so a failing query is an error page, not a cut file.
    """
    form, filters = _archive_filters()
    if filters is None:
        abort(400, " ".join(m for messages in form.errors.values() for m in messages))
    now = clock.now()
    rows = (_archive_cells(r, now) for r in queries.archive_rows(g.brand.id, filters))
    return csv_download(csv_lines(_CSV_COLUMNS, rows), "requests")


def _detail_page(product_request: ProductRequest, message_form: MessageForm) -> str:
    """The request's page; the influencer's messages on it count as read from now on."""
    read_up_to = product_request.brand_read_message_id or 0
    messages.mark_read(product_request, BRAND)
    record = queries.track_records(g.brand.id, {product_request.influencer_id})
    return render_template(
        "review/detail.html",
        r=product_request,
        timeline=timeline(product_request),
        record=record.get(product_request.influencer_id),
        deny_form=DenyForm(),
        message_form=message_form,
        read_up_to=read_up_to,
        thread_open=not message_rules.closed(product_request),
        open_after_end=message_rules.OPEN_AFTER_END,
        undo_until=states.undo_deadline(product_request),
        rating_form=RatingForm(),
        **_lifecycle_forms(),
    )


@bp.get("/requests/<int:request_id>")
@login_required
def detail(request_id: int) -> str:
    return _detail_page(get_request_or_404(request_id), MessageForm())


def _back(request_id: int) -> Response:
    """To the page the form came from (``next``), else the request's page."""
    return redirect(
        _safe_next(request.form.get("next"), url_for("review.detail", request_id=request_id))
    )


def _step(
    request_id: int, step: Callable[[int], object], done: str, back: str | None = None
) -> Response:
    """Run one step of the one state machine on the brand's request; refusals are flashes.

    ``done`` may name ``{name}`` (the influencer); ``back`` overrides ``next``.
    """
    product_request = get_request_or_404(request_id)
    try:
        step(product_request.id)
    except states.TransitionRefused as exc:
        flash(exc.description or "This request cannot be changed now.", "error")
    else:
        flash(done.format(name=product_request.influencer.name), "success")
    return redirect(back) if back else _back(request_id)


def _decide(request_id: int, target: str, note: str | None, done: str) -> Response:
    return _step(
        request_id,
        lambda ident: states.transition(ident, target, actor=g.user.email, note=note),
        done,
    )


def _refused_form(request_id: int, form: FlaskForm) -> Response:
    """A step's form did not validate: say why, back where it came from (no change made)."""
    get_request_or_404(request_id)
    flash(problems(form), "error")
    return _back(request_id)


@bp.route("/requests/<int:request_id>/approve", methods=["GET", "POST"])
@login_required
def approve(request_id: int) -> Response | str:
    """GET: the confirmation step, with the optional note; POST: approve.

    The approval's email and webhook wait for the undo window, so the page
    after it (the request's own) offers Undo until then.
    """
    product_request = get_request_or_404(request_id)
    form = NoteForm()
    if request.method == "GET":
        _refuse_stray_args("next")
        back = _safe_next(request.args.get("next"), url_for("review.detail", request_id=request_id))
        window = int(states.undo_window(g.brand).total_seconds())
        return render_template(
            "review/approve.html", r=product_request, form=form, next=back, window=window
        )
    if not form.validate():
        return _refused_form(request_id, form)
    window = int(states.undo_window(g.brand).total_seconds())
    if not window:
        return _decide(request_id, states.APPROVED, form.text(), "Approved. We emailed {name}.")
    try:
        states.transition(request_id, states.APPROVED, actor=g.user.email, note=form.text())
    except states.TransitionRefused as exc:
        flash(exc.description or "This request cannot be changed now.", "error")
    else:
        # Flashed with its own Undo button (base.html), wherever "next" leads.
        name = product_request.influencer.name
        text = f"Approved. We email {name} in {window} seconds unless you undo it."
        flash({"text": text, "request_id": request_id}, "undo")
    return _back(request_id)


@bp.post("/requests/<int:request_id>/ship")
@login_required
def ship(request_id: int) -> Response:
    form = ShipForm()
    shipment = form.shipment()
    if shipment is None:
        return _refused_form(request_id, form)
    return _step(
        request_id,
        lambda ident: lifecycle.ship(ident, g.user.email, **shipment),
        "Marked shipped. We emailed {name} the tracking.",
    )


#: Steps with nothing to fill in: URL word -> (lifecycle function, message when done).
_PLAIN_STEPS: dict[str, tuple[Callable[[int, str], object], str]] = {
    "undo": (
        lifecycle.undo_approval,
        "Approval undone: the request is pending again and {name} was not emailed.",
    ),
    "delivered": (
        lifecycle.mark_delivered,
        "Marked delivered. {name}'s content is due in {days} days.",
    ),
    "accept": (
        lifecycle.accept_content,
        "Content accepted: the collaboration with {name} is completed.",
    ),
}


@bp.post("/requests/<int:request_id>/<any(undo, delivered, accept):step>")
@login_required
def plain_step(request_id: int, step: str) -> Response:
    """Undo an approval, mark delivered or accept content: one button each."""
    run, done = _PLAIN_STEPS[step]
    return _step(
        request_id,
        lambda ident: run(ident, g.user.email),
        done.replace("{days}", str(g.brand.content_days)),
    )


@bp.post("/requests/<int:request_id>/changes")
@login_required
def changes(request_id: int) -> Response:
    form = ChangesForm()
    if not form.validate():
        return _refused_form(request_id, form)
    return _step(
        request_id,
        lambda ident: lifecycle.request_changes(ident, g.user.email, form.text() or ""),
        "We asked {name} for changes.",
    )


@bp.post("/requests/<int:request_id>/cancel")
@login_required
def cancel(request_id: int) -> Response:
    form = NoteForm()
    if not form.validate():
        return _refused_form(request_id, form)
    return _step(
        request_id,
        lambda ident: lifecycle.cancel(ident, g.user.email, form.text()),
        "Cancelled. We emailed {name}.",
    )


@bp.post("/requests/<int:request_id>/deny")
@login_required
def deny(request_id: int) -> Response:
    form = DenyForm()
    if not form.validate():
        abort(400, "The reason is not one of the choices, or the note is too long.")
    return _decide(request_id, states.DENIED, form.note(), "Denied. We emailed {name}.")


@bp.post("/requests/<int:request_id>/messages")
# #4's "Email influencer" form posted here: it is a message on the thread now.
@bp.post("/requests/<int:request_id>/email", endpoint="email")
@login_required
@limiter.limit(PER_USER_MESSAGES, key_func=user_key)
def message(request_id: int) -> Response | tuple[str, int]:
    """Write to the influencer on the request's thread; they are emailed a link to it.

    A message that breaks the rules shows the page again with the text kept
    and the reason next to it (400).
    """
    product_request = get_request_or_404(request_id)
    form = MessageForm()
    if not form.validate():
        return _detail_page(product_request, form), 400
    try:
        messages.post(product_request, BRAND, g.user.email, form.message.data)
    except ApiError as refused:  # the thread is closed
        flash(refused.description or "This thread is closed.", "error")
    else:
        name = product_request.influencer.name
        flash(f"Message sent. We emailed {name} a link to it.", "success")
    return redirect(url_for("review.detail", request_id=request_id, _anchor="messages"))


@bp.get("/requests/<int:request_id>/screenshots/<int:screenshot_id>")
@login_required
def screenshot(request_id: int, screenshot_id: int) -> Response:
    """A screenshot the influencer sent, for this brand's reviewers only; 404 for any other.

    Served as the type its bytes proved (nosniff), inline, under a policy
    that lets nothing in it run even if a browser were fooled.
    """
    product_request = get_request_or_404(request_id)
    shot = session.scalar(
        select(ContentScreenshot).where(
            ContentScreenshot.id == screenshot_id,
            ContentScreenshot.request_id == product_request.id,
        )
    )
    if shot is None or not uploads.path_of(shot).is_file():
        abort(404, "There is no such screenshot.")
    response = send_file(uploads.path_of(shot), mimetype=shot.content_type, etag=shot.sha256)
    response.headers["Content-Disposition"] = "inline"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; frame-ancestors 'none'; sandbox"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response


@bp.errorhandler(HTTPException)
def error_page(exc: HTTPException) -> tuple[str, int]:
    """Errors on these pages are pages too (the JSON shape is for the API)."""
    return render_template("review/error.html", error=exc), exc.code or 500


class _ReviewSessionCookie(SecureCookieSessionInterface):
    """The sign-in cookie is ``Secure`` whenever the browser reached us over https.

    An https ``DOTS_PUBLIC_URL`` says so up front; a sign-in that arrives over
    TLS (directly, or through ``DOTS_PROXY_HOPS`` proxies saying
    ``X-Forwarded-Proto: https``) must not get a cookie that a later plain-http
    request would carry.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    """Register the pages, CSRF and the session cookie settings."""
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # the JSON API uses bearer tokens
    app.config.update(
        SESSION_COOKIE_NAME="dots_review",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=str(app.config.get("PUBLIC_URL", "")).startswith("https://"),
        # The server ends sessions (brands.sessions); the cookie only must not outlive them.
        PERMANENT_SESSION_LIFETIME=ABSOLUTE_LIFETIME,
    )
    app.session_interface = _ReviewSessionCookie()
    csrf.init_app(app)
    app.jinja_env.filters["money"] = format_minor
    app.jinja_env.filters["platform_name"] = platform_name
    # The nav's unread count, on every signed-in page (console ones too); asked only when shown.
    app.jinja_env.globals["unread_messages_total"] = lambda: messages.brand_unread_total(g.brand.id)
    # The bulk pages hang their views on this blueprint: imported before it is registered.
    from widget_server.analytics import views  # noqa: F401
    from widget_server.ratings import pages  # noqa: F401
    from widget_server.review import bulk  # noqa: F401

    app.register_blueprint(bp)
    console.init_app(app)
