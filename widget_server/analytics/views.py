"""The metrics survey of a request and the analytics page: views on the review blueprint
(its sign-in, CSRF check and error pages apply; every row is the signed-in brand's)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from widget_server import clock
from widget_server.analytics import charts, survey
from widget_server.analytics.figures import OUTCOMES, Figures, figures
from widget_server.analytics.forms import PRESET_DAYS, PeriodForm, SurveyForm
from widget_server.money import exponent, to_decimal_string
from widget_server.product_requests import states
from widget_server.review.auth import get_request_or_404, login_required
from widget_server.review.routes import _refuse_stray_args, bp, csv_download, csv_lines


@bp.context_processor
def survey_helpers() -> dict[str, object]:
    """The request page's survey block reads its answers itself (see ``_survey.html``)."""
    return {"survey_answer_of": survey.answer_of}


_SAVED = {
    survey.ANSWERED: "Thank you: the answers are saved.",
    survey.EDITED: "The answers are updated.",
    survey.UNCHANGED: "Nothing changed.",
}


@bp.route("/requests/<int:request_id>/survey", methods=["GET", "POST"])
@login_required
def request_survey(request_id: int) -> Response | tuple[str, int]:
    """The metrics survey of a completed collaboration: reach, clicks, orders, revenue, notes."""
    product_request = get_request_or_404(request_id)
    if product_request.status != states.COMPLETED:
        shown = states.effective_status(product_request).replace("_", " ")
        abort(409, f"The survey opens once the collaboration is completed; this one is {shown}.")
    answer = survey.answer_of(product_request)
    data = None
    if answer is not None:
        revenue = answer.revenue_minor
        data = {
            "reach": answer.reach,
            "clicks": answer.clicks,
            "orders": answer.orders,
            "revenue": "" if revenue is None else to_decimal_string(revenue, answer.currency),
            "notes": answer.notes or "",
        }
    # The saved answers fill the form; a POST is read alone (a field left out is cleared).
    form = SurveyForm(data=data if request.method == "GET" else None)
    form.currency = g.brand.currency
    if form.validate_on_submit():
        outcome = survey.save(product_request, form.answers(), g.user.email)
        flash(_SAVED[outcome], "info" if outcome == survey.UNCHANGED else "success")
        return redirect(url_for("review.detail", request_id=request_id) + "#survey")
    status = 400 if request.method == "POST" else 200
    return render_template(
        "review/survey.html", r=product_request, form=form, answer=answer
    ), status


def _period() -> tuple[PeriodForm, tuple[date, date] | None]:
    """The period the query asks for (``from``, ``to``), checked."""
    _refuse_stray_args(*PeriodForm.FIELDS)
    form = PeriodForm(
        MultiDict({"start": request.args.get("from", ""), "end": request.args.get("to", "")})
    )
    return form, form.period(clock.now().date())


def human_duration(span: timedelta | None) -> str:
    """``1 d 4 h``, ``3 h 20 min``, ``12 min`` (— for none): a time to decision at a glance."""
    if span is None:
        return "—"
    minutes = int(span.total_seconds() // 60)
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _presets(today: date) -> list[tuple[int, dict[str, str]]]:
    """The quick periods: the last 30, 90 and 365 days, today included."""
    return [
        (days, {"from": (today - timedelta(days=days - 1)).isoformat(), "to": today.isoformat()})
        for days in PRESET_DAYS
    ]


def _charts(found: Figures) -> dict[str, charts.Chart]:
    labels = [week.start.strftime("%b %d") for week in found.weeks]
    per_week = charts.stacked(
        [[(o, week.counts[o]) for o in OUTCOMES] for week in found.weeks], labels
    )
    scale = 10 ** exponent(found.currency)  # the axis in currency units, not minor ones
    value = charts.stacked(
        [[("value", week.value_minor)] for week in found.weeks], labels, scale=scale
    )
    return {"requests": per_week, "value": value}


@bp.get("/analytics")
@login_required
def analytics() -> tuple[str, int]:
    """What the brand's product requests cost and returned over a period, as charts and tables."""
    form, period = _period()
    today = clock.now().date()
    found = None if period is None else figures(g.brand.id, g.brand.currency, *period)
    return render_template(
        "review/analytics.html",
        form=form,
        found=found,
        charts=_charts(found) if found else None,
        presets=_presets(today),
        outcomes=OUTCOMES,
        duration=human_duration,
    ), (200 if found else 400)


CSV_COLUMNS = [
    "week", "week starts", "submitted", *OUTCOMES, "value approved", "currency",
]  # fmt: skip


def _csv_rows(found: Figures) -> Iterator[list[object]]:
    money = found.currency
    for week in found.weeks:
        yield [
            week.label,
            week.start.isoformat(),
            week.submitted,
            *(week.counts[o] for o in OUTCOMES),
            to_decimal_string(week.value_minor, money),
            money,
        ]
    yield [
        "total",
        f"{found.start.isoformat()} to {found.end.isoformat()}",
        found.submitted,
        *(found.outcomes[o] for o in OUTCOMES),
        to_decimal_string(found.value_minor, money),
        money,
    ]
    rate = found.approval_rate
    delivery = found.delivery_rate
    wait = found.median_decision
    s = found.survey
    for name, figure in (
        ("approval rate", "" if rate is None else f"{rate:.4f}"),
        ("decided", found.decided),
        ("median hours to decision", "" if wait is None else f"{wait.total_seconds() / 3600:.1f}"),
        ("content due", found.content_due),
        ("content on time", found.content_on_time),
        ("content delivery rate", "" if delivery is None else f"{delivery:.4f}"),
        ("completed", s.completed),
        ("surveys answered", s.answered),
        ("survey reach", s.reach),
        ("survey clicks", s.clicks),
        ("survey orders", s.orders),
        ("survey revenue", to_decimal_string(s.revenue_minor, money)),
    ):
        yield [name, figure, *([""] * (len(CSV_COLUMNS) - 2))]


@bp.get("/analytics.csv")
@login_required
def analytics_csv() -> Response:
    """The analytics figures as CSV: one row per week, the totals, then each figure (UTF-8, BOM)."""
    form, period = _period()
    if period is None:
        abort(400, " ".join(m for messages in form.errors.values() for m in messages))
    found = figures(g.brand.id, g.brand.currency, *period)
    return csv_download(csv_lines(CSV_COLUMNS, _csv_rows(found), bom=True), "analytics")
