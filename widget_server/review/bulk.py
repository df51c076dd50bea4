"""Many requests at once: bulk approve/deny, the fulfilment export, shipping from a CSV,
and the webhook delivery log.

Views on the review blueprint (its sign-in, CSRF check and error pages
apply). Every id a form names is checked against the signed-in brand first:
another brand's ids are left alone and reported as not found. Every change
goes through the one state machine (:func:`states.transition_many`,
:func:`lifecycle.ship`), so each request gets its event, email and webhook
through the outbox in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from widget_server.db import session
from widget_server.invitations.bulk import upload_text
from widget_server.invitations.forms import BulkConfirmForm, BulkUploadForm
from widget_server.money import to_decimal_string
from widget_server.product_requests import states
from widget_server.product_requests.models import ProductRequest
from widget_server.review import queries, shipments
from widget_server.review.auth import login_required
from widget_server.review.forms import BulkDecideForm, FulfilmentFilter
from widget_server.review.routes import _refuse_stray_args, bp, csv_download, csv_lines
from widget_server.store_sync.webhook_settings import deliveries

FULFILMENT_COLUMNS = [
    "request id", "status", "reason", "decided at", "influencer", "email", "handles",
    "sku", "store variant id", "product", "variant", "quantity", "unit price", "currency",
    "ship to", "address line 1", "address line 2", "postal code", "city", "region",
    "country", "phone", "carrier", "tracking number", "tracking url",
]  # fmt: skip
_ADDRESS_KEYS = ("name", "line1", "line2", "postal_code", "city", "region", "country", "phone")


def _ids_list(ids: list[int]) -> str:
    return ", ".join(f"#{ident}" for ident in ids)


@bp.post("/bulk/decide")
@login_required
def bulk_decide() -> Response:
    """Approve or deny the ticked pending requests in one transaction."""
    form = BulkDecideForm()
    if not form.validate():
        abort(400, " ".join(m for messages in form.errors.values() for m in messages))
    wanted = list(dict.fromkeys(form.ids.data))
    owned = set(
        session.scalars(
            select(ProductRequest.id).where(
                ProductRequest.brand_id == g.brand.id, ProductRequest.id.in_(wanted)
            )
        )
    )
    deny = form.action.data == "deny"
    moved, refused = states.transition_many(
        [ident for ident in wanted if ident in owned],
        states.DENIED if deny else states.APPROVED,
        g.user.email,
        form.note() if deny else None,
    )
    if moved:
        verb = "Denied" if deny else "Approved"
        flash(
            f"{verb} {len(moved)} request{'' if len(moved) == 1 else 's'} "
            f"({_ids_list(moved)}); we emailed each influencer.",
            "success",
        )
    if refused:
        why = ", ".join(
            f"#{ident} ({'expired' if status == states.EXPIRED else f'already {status}'})"
            for ident, status in refused.items()
        )
        flash(f"Not changed, no longer pending: {why}.", "error")
    unknown = [ident for ident in wanted if ident not in owned]
    if unknown:
        flash(f"Not found among your requests: {_ids_list(unknown)}.", "error")
    return redirect(url_for("review.index"))


def _fulfilment_cells(r: ProductRequest) -> Iterator[tuple[object, ...]]:
    """One row per item of ``r``; the address only once the brand approved it (it ships)."""
    address = r.shipping_address if r.status in states.WAS_APPROVED else {}
    handles = "; ".join(f"{h.platform_name} @{h.handle}" for h in r.influencer.handles)
    reason = states.denial_reason(r) or ""
    for item in r.items:
        yield (
            r.id,
            r.status,
            reason,
            r.decided_at.isoformat() if r.decided_at else "",
            r.influencer.name,
            r.influencer.email,
            handles,
            item.sku or "",
            item.variant.store_id,
            item.product_title,
            item.variant_title,
            item.quantity,
            to_decimal_string(item.unit_price_minor, r.currency),
            r.currency,
            *(address.get(key) or "" for key in _ADDRESS_KEYS),
            r.carrier or "",
            r.tracking_number or "",
            r.tracking_url or "",
        )


@bp.get("/fulfilment.csv")
@login_required
def fulfilment_csv() -> Response:
    """What to pack and where to send it, one row per item (UTF-8 with a BOM, for Excel)."""
    _refuse_stray_args(*FulfilmentFilter.FIELDS)
    form = FulfilmentFilter(request.args)
    if not form.validate():
        abort(400, " ".join(m for messages in form.errors.values() for m in messages))

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None  # checked by the form

    filters = queries.FulfilmentQuery(form.status.data, day(form.start.data), day(form.end.data))
    rows = (
        cells
        for r in queries.fulfilment_rows(g.brand.id, filters)
        for cells in _fulfilment_cells(r)
    )
    return csv_download(csv_lines(FULFILMENT_COLUMNS, rows, bom=True), "fulfilment")


def _fulfilment_page(
    upload_form: BulkUploadForm | None = None,
    preview: shipments.ShipPreview | None = None,
    text: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    upload_form = upload_form or BulkUploadForm(formdata=None)
    upload_form.file.description = (
        "Columns: request id, carrier, tracking number, tracking URL (optional). "
        f"At most {shipments.MAX_ROWS:,} rows, {shipments.MAX_BYTES // 1024} KB."
    )
    return render_template(
        "review/fulfilment.html",
        filter_form=FulfilmentFilter(formdata=None),
        upload_form=upload_form,
        preview=preview,
        confirm_form=BulkConfirmForm(text=text or ""),
    ), status


@bp.get("/fulfilment")
@login_required
def fulfilment() -> tuple[str, int]:
    """Export what to ship; upload what was shipped."""
    _refuse_stray_args()
    return _fulfilment_page()


@bp.post("/shipments")
@login_required
def shipments_preview() -> tuple[str, int]:
    """Upload a shipping CSV and see every row checked; nothing is written here."""
    form = BulkUploadForm()
    text = None
    if form.validate():
        text, error = upload_text(form.file.data, shipments.MAX_BYTES)
        if error:
            form.file.errors = [error]
    preview = None if text is None else shipments.read_csv(g.brand.id, text)
    return _fulfilment_page(form, preview, text, 400 if preview is None else 200)


@bp.post("/shipments/confirm")
@login_required
def shipments_confirm() -> Response:
    """Ship every good row of the previewed CSV, all in one transaction."""
    form = BulkConfirmForm()
    if not form.validate():
        flash("Upload the file again.", "error")
        return redirect(url_for("review.fulfilment"))
    preview = shipments.read_csv(g.brand.id, form.text.data or "")
    if not preview.to_ship:
        flash("No row of the file can be shipped now.", "error")
        return redirect(url_for("review.fulfilment"))
    shipped, refused = shipments.ship_all(preview, g.user.email)
    skipped = len(preview.bad)
    flash(
        f"Marked {len(shipped)} request{'' if len(shipped) == 1 else 's'} shipped "
        f"({_ids_list(shipped)}); we emailed each influencer the tracking."
        + (f" {skipped} row(s) with errors were skipped." if skipped else ""),
        "success" if shipped else "error",
    )
    if refused:
        flash(
            "Changed since the preview, not shipped: "
            + "; ".join(f"#{ident}: {why}" for ident, why in refused.items()),
            "error",
        )
    return redirect(url_for("review.fulfilment"))


@bp.get("/webhooks")
@login_required
def webhooks() -> str:
    """The last 50 webhook deliveries to the brand's store (owners and members alike)."""
    _refuse_stray_args()
    return render_template("review/webhooks.html", deliveries=deliveries(g.brand.id))
