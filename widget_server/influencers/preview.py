"""Preview links: a brand sees its store as an influencer would, to check its install.

A preview token names the brand and an expiry, nothing else: no influencer,
no database row. With it the widget API answers like for a link, minus
anything personal, and refuses every write (403 ``preview_only``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.errors import ApiError
from widget_server.influencers.tokens import LinkRefused, read_preview_token, sign_preview

#: A preview is for checking an install now, not a standing pass.
MAX_PREVIEW_MINUTES = 24 * 60
DEFAULT_PREVIEW_MINUTES = 60
PREVIEW_NAME = "Preview"


class PreviewError(ValueError):
    """A preview link that cannot be issued, with a sentence saying why."""


@dataclass(frozen=True)
class PreviewVisit:
    """Who calls with a preview token: the brand itself, as a nameless influencer.

    It stands where an :class:`~widget_server.influencers.models.InfluencerLink`
    does, so views can ask ``.preview`` instead of telling the two apart.
    """

    brand: Brand
    expires_at: datetime
    influencer: None = None
    preview: bool = field(default=True, init=False)

    @property
    def shown_influencer(self) -> dict[str, Any]:
        """The influencer the overlay shows: "Preview", no accounts."""
        return {"name": PREVIEW_NAME, "handles": []}


def preview_refused() -> ApiError:
    """The answer to any write made with a preview token."""
    return ApiError(403, "preview_only", "This is a preview: requests are turned off.")


def issue_preview_url(brand: Brand, url: str | None = None, minutes: int = 60) -> str:
    """``URL#dots=<preview token>`` for ``brand``, valid for ``minutes`` (1 to 1440).

    ``url`` defaults to the brand's store; it may be any http(s) page (a
    staging store too: the preview's diagnostics say whether its origin is
    one of the brand's).
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise PreviewError("minutes must be a whole number")
    if not 1 <= minutes <= MAX_PREVIEW_MINUTES:
        raise PreviewError(f"minutes must be between 1 and {MAX_PREVIEW_MINUTES} (24 hours)")
    target = url or brand.store_url
    try:
        parts = urlsplit(target)
    except ValueError:
        raise PreviewError(f"{target!r} is not an http(s) URL") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PreviewError(f"{target!r} is not an http(s) URL")
    token = sign_preview(brand, clock.now() + timedelta(minutes=minutes))
    fragment = f"{parts.fragment}&" if parts.fragment else ""
    return urlunsplit(parts._replace(fragment=f"{fragment}dots={token}"))


def verify_preview(token: str, brand: Brand) -> PreviewVisit:
    """The preview a token grants at ``brand``, or raise (401 bad or expired, 403 other brand)."""
    brand_id, expires_at = read_preview_token(token)
    if expires_at <= clock.now():
        raise LinkRefused(
            401, "link_expired", f"This preview of {brand.name} has expired. Issue a new one."
        )
    if brand_id != brand.id:
        raise LinkRefused(403, "wrong_brand", "This preview is for another store.")
    return PreviewVisit(brand=brand, expires_at=expires_at)
