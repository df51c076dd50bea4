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
from typing import Any

from marshmallow import ValidationError

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


@dataclass
class Preview:
    """Every row, and the problems with the file as a whole."""

    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def good(self) -> list[Row]:
        return [row for row in self.rows if not row.errors]

    @property
    def bad(self) -> list[Row]:
        return [row for row in self.rows if row.errors]


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


def read_csv(text: str) -> Preview:
    """Check every row of ``text`` (a header ``name,email,handles`` is optional)."""
    preview = Preview()
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
