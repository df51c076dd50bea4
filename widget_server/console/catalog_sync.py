"""Catalog syncs started from the console (Sync now) and by the daily schedule.

Both run the one sync of #9 (:func:`widget_server.catalog.sync.sync_catalog`)
from the source saved on the Catalog page and keep what happened on the brand
(``catalog_sync_result``), so the page can show the last result to anyone.
A scheduled sync that fails emails the brand once; a later success re-arms it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.catalog.feed import FeedError, guarded_fetches
from widget_server.catalog.sync import sync_catalog
from widget_server.console.source_guard import SourceRefused, check_source
from widget_server.db import session
from widget_server.notifications.outbox import enqueue_email
from widget_server.outbound import private_allowed

log = logging.getLogger(__name__)

#: A scheduled sync runs this long after the last one that worked…
EVERY = timedelta(days=1)
#: …and this long after one that failed.
RETRY_AFTER = timedelta(hours=1)


def run_sync(brand: Brand) -> dict[str, Any]:
    """Sync ``brand`` from its saved source now; the result is also kept on the brand.

    A feed that cannot be read or checked changes nothing in the catalog
    (the sync checks every product before it writes) and comes back as
    ``{"ok": False, "error": ...}``.
    """
    now = clock.now()
    brand.catalog_sync_tried_at = now
    result: dict[str, Any]
    try:
        if not brand.catalog_source:
            raise SourceRefused("Save the catalog's source URL first.")
        source = check_source(brand.catalog_source)
        public_only = not private_allowed()
        with session.begin_nested(), guarded_fetches(check_source, public_only=public_only):
            report = sync_catalog(brand, source, fmt=brand.catalog_format)
    except (FeedError, SourceRefused) as exc:
        result = {"ok": False, "error": str(exc), "at": now.isoformat()}
    else:
        result = {
            "ok": True,
            "at": now.isoformat(),
            "products": report.products,
            "added": report.created,
            # ``changed`` counts new products too: "updated" is the ones that were there.
            "updated": report.changed - report.created,
            "deactivated": report.deactivated,
            "renamed": len(report.renamed),
        }
        brand.catalog_synced_at = now
        brand.catalog_failure_notified_at = None
    brand.catalog_sync_result = result
    session.flush()
    return result


def _due(now: datetime) -> list[Brand]:
    return list(
        session.scalars(
            select(Brand)
            .where(
                Brand.catalog_source.is_not(None),
                Brand.catalog_auto_sync.is_(True),
                or_(
                    Brand.catalog_sync_tried_at.is_(None),
                    Brand.catalog_sync_tried_at <= now - EVERY,
                    (Brand.catalog_sync_tried_at <= now - RETRY_AFTER)
                    & Brand.catalog_failure_notified_at.is_not(None),
                ),
            )
            .order_by(Brand.id)
        )
    )


def _tell_failure(brand: Brand, error: str) -> None:
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    enqueue_email(
        to=brand.notify_email,
        template="catalog_sync_failed",
        context={
            "brand": brand,
            "source": brand.catalog_source,
            "error": error,
            "catalog_url": f"{base}/review/catalog",
        },
    )
    brand.catalog_failure_notified_at = clock.now()


def run_scheduled_syncs(force: bool = False) -> int:
    """Sync every brand that is due (every one with a source when ``force``); how many ran.

    Each brand commits on its own, so one broken feed never holds up the rest.
    """
    now = clock.now()
    if force:
        brands = list(
            session.scalars(
                select(Brand).where(Brand.catalog_source.is_not(None)).order_by(Brand.id)
            )
        )
    else:
        brands = _due(now)
    for brand in brands:
        try:
            result = run_sync(brand)
            if not result["ok"] and brand.catalog_failure_notified_at is None:
                _tell_failure(brand, result["error"])
            session.commit()
        except Exception:  # one brand's surprise must not stop the others
            session.rollback()
            log.exception("scheduled catalog sync of %s failed", brand.slug)
    return len(brands)
