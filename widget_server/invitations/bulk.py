"""Bulk invitations from a CSV: read and check every row first, write only when confirmed.

The preview and the confirmation read the same text with the same checks, so
what the brand confirmed is what is written; the confirmed rows are written
in one transaction (all of them or, on any failure, none).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from marshmallow import ValidationError
from werkzeug.datastructures import FileStorage

from widget_server.errors import flatten_messages
from widget_server.influencers.schemas import InfluencerInput
from widget_server.influencers.services import InfluencerError, parse_handle_spec

#: A CSV of more people than this is split by the brand (one page of preview).
MAX_ROWS = 500
COLUMNS = ("name", "email", "handles")
#: Handles in one cell: "instagram:ana:12k tiktok:ana:3000" (spaces or semicolons between).
_HANDLE_SEPARATORS = re.compile(r"[\s;]+")


@dataclass
class Row:
    """One line of the CSV: what it says, and what is wrong with it (nothing when it is good)."""

    line: int
    name: str
    email: str
    handles: str
    errors: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


class Checked(Protocol):
    """A row of an uploaded CSV after its checks: empty ``errors`` when it is good."""

    errors: list[str]


R = TypeVar("R", bound=Checked)


@dataclass
class Preview(Generic[R]):
    """Every row, and the problems with the file as a whole (any CSV preview/confirm flow)."""

    rows: list[R] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def good(self) -> list[R]:
        return [row for row in self.rows if not row.errors]

    @property
    def bad(self) -> list[R]:
        return [row for row in self.rows if row.errors]


def upload_text(upload: FileStorage, max_bytes: int) -> tuple[str | None, str | None]:
    """An uploaded CSV as text, or why not: ``(text, None)`` or ``(None, error)``.

    Read at most ``max_bytes`` (the request body limit is larger); UTF-8 with
    or without the byte-order mark spreadsheets write.
    """
    raw = upload.read(max_bytes + 1)
    if len(raw) > max_bytes:
        return None, f"The file is over {max_bytes // 1024} KB; split it."
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return None, "Save the file as CSV in UTF-8 and upload it again."


def parse_handles(text: str) -> list[dict[str, Any]]:
    """``"instagram:ana:12k; tiktok:ana:3000"`` -> handle dicts (raises InfluencerError)."""
    return [parse_handle_spec(spec) for spec in _HANDLE_SEPARATORS.split(text.strip()) if spec]


def _check(row: Row, seen: dict[str, int]) -> None:
    try:
        handles = parse_handles(row.handles)
    except InfluencerError as exc:
        row.errors.append(f"handles: {exc}")
        handles = []
    data = {"name": row.name, "email": row.email, "handles": handles}
    try:
        row.data = InfluencerInput().load(data)
    except ValidationError as exc:
        for where, messages in flatten_messages(exc.messages).items():
            row.errors.extend(f"{where.split('.')[0]}: {message}" for message in messages)
    email = row.email.strip().lower()
    if email and email in seen:
        row.errors.append(f"email: also on line {seen[email]}")
    seen.setdefault(email, row.line)


def read_csv(text: str) -> Preview[Row]:
    """Check every row of ``text`` (a header ``name,email,handles`` is optional)."""
    preview: Preview[Row] = Preview()
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if lines and [cell.strip().lower() for cell in lines[0][:3]] == list(COLUMNS[: len(lines[0])]):
        start, lines = 2, lines[1:]
    else:
        start = 1
    seen: dict[str, int] = {}
    for number, cells in enumerate(lines, start=start):
        if not any(cell.strip() for cell in cells):
            continue
        if len(preview.rows) >= MAX_ROWS:
            preview.problems.append(f"Only the first {MAX_ROWS} people are read; split the file.")
            break
        cells = [cell.strip() for cell in cells] + ["", "", ""]
        row = Row(number, cells[0], cells[1], cells[2])
        if len([c for c in cells if c]) > 3:
            row.errors.append("more than three columns (name, email, handles)")
        _check(row, seen)
        preview.rows.append(row)
    if not preview.rows:
        preview.problems.append("The file has no one in it.")
    return preview
