"""The settings audit log: every console change says who made it, when, and old → new.

Written in the same transaction as the change itself, so a change that rolls
back leaves no entry, and an entry always means the change happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from widget_server.brands.models import Brand
from widget_server.console.models import AuditEntry
from widget_server.db import session
from widget_server.money import format_minor

#: Who changed settings from ``widget-server`` (an operator, not a brand user).
CLI_ACTOR = "widget-server (command line)"


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or None
    return str(value)


def record(brand: Brand, actor: str, area: str, field: str, old: Any, new: Any) -> None:
    """Add one entry (values shown as people read them); nothing when nothing changed."""
    old_text, new_text = _text(old), _text(new)
    if old_text == new_text:
        return
    session.add(
        AuditEntry(
            brand_id=brand.id, actor=actor, area=area, field=field, old=old_text, new=new_text
        )
    )


def record_changes(
    brand: Brand, actor: str, area: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> int:
    """One entry per field whose value differs between ``before`` and ``after``; how many."""
    changed = 0
    for field, old in before.items():
        new = after.get(field)
        if _text(old) != _text(new):
            record(brand, actor, area, field, old, new)
            changed += 1
    return changed


def brand_settings(brand: Brand) -> dict[str, Any]:
    """The settings ``brand update`` can change, as the audit log shows them."""
    return {
        "name": brand.name,
        "store origins": brand.allowed_origins,
        "notify address": brand.notify_email,
        "currency": brand.currency,
        "expiry days": brand.expiry_days,
        "max items": brand.max_items,
        "max retail value": format_minor(brand.max_value_minor, brand.currency),
        "survey days": brand.survey_days,
    }


def entries(brand: Brand, limit: int = 500) -> list[AuditEntry]:
    """The brand's latest entries, newest first."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.brand_id == brand.id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
