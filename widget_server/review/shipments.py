"""Bulk "mark shipped" from a CSV: check every row first, ship only when the brand confirms.

The same flow as the bulk invitations (:mod:`widget_server.invitations.bulk`):
the preview and the confirmation read the same text with the same checks, and
the confirmed rows are shipped in one transaction through
:func:`widget_server.product_requests.lifecycle.ship`, so each gets its
timeline event, email and webhook as a shipment entered by hand does.

Columns are found by their header, in any order and any case: ``request id``,
``carrier``, ``tracking number`` and optionally ``tracking url`` (``_`` or
``-`` for the spaces too). The fulfilment export has these columns, so the
brand can fill in its file and upload it back; a request on several lines
(one line per item there) ships once when the lines agree.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select

from widget_server.db import session
from widget_server.errors import flatten_messages
from widget_server.invitations.bulk import Preview
from widget_server.product_requests import lifecycle, states
from widget_server.product_requests.models import ProductRequest
from widget_server.store_sync.schemas import ShipmentIn
from widget_server.validation import MAX_ID

#: A file larger than this is split by the brand: it must fit the server's 256 KB
#: request body twice, as the upload and as the confirm form's field.
MAX_BYTES = 200 * 1024
MAX_ROWS = 2000
REQUIRED = ("request id", "carrier", "tracking number")
OPTIONAL = ("tracking url",)
_SEPARATORS = re.compile(r"[\s_\-]+")


@dataclass
class ShipRow:
    """One line of the CSV, what is wrong with it, and the shipment it stands for."""

    line: int
    request_id: str
    carrier: str
    tracking_number: str
    tracking_url: str
    errors: list[str] = field(default_factory=list)
    #: The checked shipment (ShipmentIn's fields) once the row is good.
    data: dict[str, Any] = field(default_factory=dict)
    #: The earlier line this one repeats (the same request, the same tracking).
    same_as: int | None = None

    @property
    def facts(self) -> tuple[str, str, str]:
        return (self.carrier, self.tracking_number, self.tracking_url)


class ShipPreview(Preview[ShipRow]):
    """The checked file; :attr:`to_ship` are the good rows, each request once."""

    @property
    def to_ship(self) -> list[ShipRow]:
        return [row for row in self.good if row.same_as is None]


def _column(name: str) -> str:
    return _SEPARATORS.sub(" ", name.strip().lower())


def _check_cells(row: ShipRow) -> None:
    """The row alone: an id we could hold, a carrier, a tracking number, an http(s) URL."""
    if not re.fullmatch(r"[0-9]{1,10}", row.request_id) or not 1 <= int(row.request_id) <= MAX_ID:
        row.errors.append("request id: not a request number" if row.request_id else "no request id")
    for name, value in (("carrier", row.carrier), ("tracking number", row.tracking_number)):
        if not value:
            row.errors.append(f"missing {name}")
    if row.errors:
        return
    try:
        row.data = ShipmentIn().load(
            {
                "carrier": row.carrier,
                "tracking_number": row.tracking_number,
                "tracking_url": row.tracking_url or None,
            }
        )
    except ValidationError as exc:
        for where, messages in flatten_messages(exc.messages).items():
            row.errors.extend(f"{where.replace('_', ' ')}: {message}" for message in messages)


def _check_requests(brand_id: int, rows: list[ShipRow]) -> None:
    """Against the database, in one query: the brand's own requests, awaiting shipment."""
    ids = {int(row.request_id) for row in rows if not row.errors}
    found = (
        dict(
            session.execute(
                select(ProductRequest.id, ProductRequest.status).where(
                    ProductRequest.brand_id == brand_id, ProductRequest.id.in_(ids)
                )
            ).all()
        )
        if ids
        else {}
    )
    first: dict[int, ShipRow] = {}
    for row in rows:
        if row.errors:
            continue
        ident = int(row.request_id)
        status = found.get(ident)
        if status is None:
            # Another brand's request reads as unknown: the file learns nothing about it.
            row.errors.append("unknown request id")
        elif status != states.APPROVED:
            row.errors.append(f"not awaiting shipment (it is {status.replace('_', ' ')})")
        elif ident in first:
            earlier = first[ident]
            if earlier.facts == row.facts:
                row.same_as = earlier.line
            else:
                row.errors.append(f"line {earlier.line} ships this request with other tracking")
        else:
            first[ident] = row


def read_csv(brand_id: int, text: str) -> ShipPreview:
    """Check every row of ``text`` for ``brand_id``; nothing is written."""
    preview = ShipPreview()
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header = [_column(cell) for cell in lines[0]] if lines else []
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        preview.problems.append(
            "The first line must name the columns request id, carrier and tracking number "
            f"(tracking URL is optional); missing: {', '.join(missing)}."
        )
        return preview
    where = {name: header.index(name) for name in REQUIRED + OPTIONAL if name in header}
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(preview.rows) >= MAX_ROWS:
            preview.problems.append(f"Only the first {MAX_ROWS:,} rows are read; split the file.")
            break

        def cell(name: str, cells: list[str] = cells) -> str:
            index = where.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        row = ShipRow(
            number,
            cell("request id"),
            cell("carrier"),
            cell("tracking number"),
            cell("tracking url"),
        )
        _check_cells(row)
        preview.rows.append(row)
    _check_requests(brand_id, preview.rows)
    if not preview.rows:
        preview.problems.append("The file has no rows under its header.")
    return preview


def ship_all(preview: ShipPreview, actor: str) -> tuple[list[int], dict[int, str]]:
    """Ship every request of ``preview.to_ship`` in the caller's transaction.

    Returns the ids shipped and, for any that changed since the preview (a
    teammate or the store shipped or cancelled it meanwhile), why it was not.
    """
    shipped: list[int] = []
    refused: dict[int, str] = {}
    for row in preview.to_ship:
        ident = int(row.request_id)
        try:
            lifecycle.ship(
                ident,
                actor,
                row.data["carrier"],
                row.data["tracking_number"],
                row.data["tracking_url"],
            )
        except states.TransitionRefused as exc:
            refused[ident] = exc.description or "cannot be shipped now"
        else:
            shipped.append(ident)
    return shipped, refused
