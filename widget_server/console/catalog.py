"""The Catalog page (owners only): where the catalog comes from, Sync now, and the last result."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from widget_server.catalog.models import Product
from widget_server.console import audit
from widget_server.console.blueprint import bp
from widget_server.console.catalog_sync import EVERY, run_sync
from widget_server.console.forms import ActionForm, CatalogForm
from widget_server.console.source_guard import SourceRefused, check_source
from widget_server.db import session
from widget_server.review.auth import owner_required


def _counts() -> dict[str, int]:
    rows = session.execute(
        select(Product.active, func.count())
        .where(Product.brand_id == g.brand.id)
        .group_by(Product.active)
    ).all()
    by_state = {bool(active): int(n) for active, n in rows}
    return {"active": by_state.get(True, 0), "inactive": by_state.get(False, 0)}


@bp.route("/catalog", methods=["GET", "POST"])
@owner_required
def catalog() -> Response | tuple[str, int]:
    brand = g.brand
    form = CatalogForm(
        data={
            "source": brand.catalog_source or "",
            "format": brand.catalog_format,
            "auto_sync": brand.catalog_auto_sync,
        }
    )
    if form.validate_on_submit():
        try:
            source = check_source(form.source.data or "")
        except SourceRefused as exc:
            form.source.errors = [str(exc)]
        else:
            before = {
                "source": brand.catalog_source,
                "format": brand.catalog_format,
                "daily sync": brand.catalog_auto_sync,
            }
            brand.catalog_source = source
            brand.catalog_format = form.format.data
            brand.catalog_auto_sync = bool(form.auto_sync.data)
            after = {
                "source": source,
                "format": form.format.data,
                "daily sync": brand.catalog_auto_sync,
            }
            if audit.record_changes(brand, g.user.email, "catalog", before, after):
                flash("Saved. Sync now to read the catalog from it.", "success")
            else:
                flash("Nothing changed.", "info")
            return redirect(url_for("console.catalog"))
    return (
        render_template(
            "console/catalog.html",
            form=form,
            action_form=ActionForm(formdata=None),
            counts=_counts(),
            result=brand.catalog_sync_result,
            next_sync=(brand.catalog_synced_at + EVERY) if brand.catalog_synced_at else None,
        ),
        400 if form.errors else 200,
    )


@bp.post("/catalog/sync")
@owner_required
def sync_now() -> Response:
    ActionForm().validate()
    result = run_sync(g.brand)
    if result["ok"]:
        flash(
            "Synced: {added} added, {updated} updated, {deactivated} deactivated.".format(**result),
            "success",
        )
    else:
        flash(f"The sync failed and changed nothing: {result['error']}", "error")
    return redirect(url_for("console.catalog"))
