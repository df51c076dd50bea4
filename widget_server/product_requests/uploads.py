"""Screenshots sent as content: checked by their bytes, stored under a random name.

A screenshot's type is what its first bytes prove (PNG, JPEG, WebP, GIF),
never its file name or the browser's ``Content-Type``: a script renamed
``post.png`` is refused. Files are written under ``DOTS_UPLOAD_DIR``
(default ``<instance>/uploads``) as a random id, and each is recorded in
:class:`ContentScreenshot`; the influencer's own file name is only ever
repeated back in a refusal.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.datastructures import FileStorage

from widget_server import clock
from widget_server.db import session
from widget_server.errors import ApiError
from widget_server.product_requests.models import ContentScreenshot
from widget_server.validation import display_text

MAX_SCREENSHOTS = 5
MAX_SCREENSHOT_BYTES = 5 * 1024 * 1024
#: The largest body the content endpoint reads: every screenshot at its
#: largest, plus the form's fields and multipart framing.
MAX_UPLOAD_BODY = MAX_SCREENSHOTS * MAX_SCREENSHOT_BYTES + 64 * 1024
#: What the refusals call the accepted types.
ACCEPTED = "a PNG, JPEG, WebP or GIF image"


@dataclass(frozen=True)
class Screenshot:
    """An uploaded file that proved to be an image, read into memory (at most 5 MB)."""

    data: bytes
    content_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff_image(head: bytes) -> str | None:
    """The image type ``head`` (a file's first bytes) starts with, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _shown_name(upload: FileStorage, index: int) -> str:
    # The name is the influencer's own words: made safe to show, and short.
    name = os.path.basename((upload.filename or "").replace("\\", "/"))
    return display_text(name)[:100] or f"Screenshot {index + 1}"


def read_screenshots(uploads: list[FileStorage]) -> list[Screenshot]:
    """Check every upload (count, size, type by magic bytes) and read it; 400 naming the file.

    Errors are keyed ``screenshots.<n>`` (or ``screenshots`` for their
    number) so a form shows each next to its file.
    """
    uploads = [upload for upload in uploads if upload.filename or upload.content_length]
    if len(uploads) > MAX_SCREENSHOTS:
        message = f"Send at most {MAX_SCREENSHOTS} screenshots (you chose {len(uploads)})."
        raise ApiError(400, "too_many_screenshots", message, {"screenshots": [message]})
    screenshots: list[Screenshot] = []
    errors: dict[str, list[str]] = {}
    for index, upload in enumerate(uploads):
        name = _shown_name(upload, index)
        data = upload.stream.read(MAX_SCREENSHOT_BYTES + 1)
        if len(data) > MAX_SCREENSHOT_BYTES:
            limit = MAX_SCREENSHOT_BYTES // (1024 * 1024)
            errors[f"screenshots.{index}"] = [f"{name} is larger than {limit} MB."]
        elif not data:
            errors[f"screenshots.{index}"] = [f"{name} is empty."]
        elif (content_type := sniff_image(data[:16])) is None:
            errors[f"screenshots.{index}"] = [f"{name} is not {ACCEPTED}."]
        else:
            screenshots.append(Screenshot(data, content_type))
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApiError(400, "bad_screenshot", first, errors)
    return screenshots


def upload_dir() -> Path:
    """Where screenshots are kept: ``DOTS_UPLOAD_DIR``, or the instance folder's ``uploads``."""
    configured = current_app.config.get("UPLOAD_DIR")
    return Path(configured or os.path.join(current_app.instance_path, "uploads"))


def path_of(screenshot: ContentScreenshot) -> Path:
    """The file of a recorded screenshot."""
    return upload_dir() / screenshot.stored_name


def record(request_id: int, screenshots: list[Screenshot]) -> list[ContentScreenshot]:
    """A row per screenshot, in the caller's transaction (:func:`write` writes the files)."""
    rows = [
        ContentScreenshot(
            request_id=request_id,
            # The extension is the proven type's, so a download opens right.
            stored_name=f"{secrets.token_hex(16)}.{shot.content_type.split('/')[1]}",
            content_type=shot.content_type,
            size=len(shot.data),
            sha256=shot.sha256,
            created_at=clock.now(),
        )
        for shot in screenshots
    ]
    session.add_all(rows)
    session.flush()
    return rows


def write(rows: list[ContentScreenshot], screenshots: list[Screenshot]) -> list[Path]:
    """Write each screenshot's file; on any failure remove those written and raise.

    The files outlive the transaction only if it commits: should the commit
    fail (or the caller roll back), they are removed with it.
    """
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for row, shot in zip(rows, screenshots, strict=True):
            path = folder / row.stored_name
            # "x": a random name that exists already is a bug, never overwritten.
            with open(path, "xb") as file:
                written.append(path)
                file.write(shot.data)
    except BaseException:
        remove(written)
        raise
    _remove_unless_committed(written)
    return written


def _remove_unless_committed(paths: list[Path]) -> None:
    """Remove ``paths`` when the session's current transaction ends without a commit."""
    db = session._get_current_object()  # type: ignore[attr-defined]  # the real Session
    outer = db.get_transaction()
    settled = False

    def committed(_session: Session) -> None:
        nonlocal settled
        settled = True

    def ended(_session: Session, transaction: SessionTransaction) -> None:
        nonlocal settled
        if transaction is outer and not settled:
            settled = True
            remove(paths)

    event.listen(db, "after_commit", committed)
    event.listen(db, "after_transaction_end", ended)


def remove(paths: Iterable[Path]) -> None:
    """Delete files written for a submission that did not happen."""
    for path in paths:
        path.unlink(missing_ok=True)
