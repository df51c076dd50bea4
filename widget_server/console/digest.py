"""The daily digest: one email a day listing new requests, for brands that chose it.

A brand that gets many requests would rather read one email than fifty:
with the digest on, new requests send no email of their own
(:func:`widget_server.product_requests.emails.on_submitted`) and this job,
run by the worker, sends every address the requests of the past day.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.db import session
from widget_server.notifications.outbox import enqueue_email
from widget_server.product_requests.models import ProductRequest

EVERY = timedelta(days=1)


def send_digests(force: bool = False) -> int:
    """Send each due brand's digest (every digest brand's when ``force``); how many emails.

    A day without requests sends nothing but still counts as the day's digest.
    """
    now = clock.now()
    query = select(Brand).where(Brand.notify_digest.is_(True))
    if not force:
        query = query.where(
            or_(Brand.digest_sent_at.is_(None), Brand.digest_sent_at <= now - EVERY)
        )
    sent = 0
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    for brand in session.scalars(query.order_by(Brand.id)).all():
        since = brand.digest_sent_at or now - EVERY
        requests = list(
            session.scalars(
                select(ProductRequest)
                .where(
                    ProductRequest.brand_id == brand.id,
                    ProductRequest.submitted_at > since,
                    ProductRequest.submitted_at <= now,
                )
                .options(
                    selectinload(ProductRequest.items), selectinload(ProductRequest.influencer)
                )
                .order_by(ProductRequest.submitted_at)
            )
        )
        if requests:
            for address in brand.notify_addresses:
                enqueue_email(
                    to=address,
                    template="request_digest",
                    context={"brand": brand, "requests": requests, "review_base": base},
                )
                sent += 1
        brand.digest_sent_at = now
        session.commit()
    return sent
