"""``widget-server influencer …`` and ``widget-server link …``"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from widget_server.brands.cli import load_brand
from widget_server.cli_helpers import echo_rows, json_option, unit_of_work
from widget_server.db import session
from widget_server.influencers.models import Influencer, InfluencerLink
from widget_server.influencers.preview import (
    DEFAULT_PREVIEW_MINUTES,
    MAX_PREVIEW_MINUTES,
    PreviewError,
    issue_preview_url,
)
from widget_server.influencers.services import (
    create_influencer,
    find_influencer,
    issue_link,
    link_url,
    parse_handle_spec,
    revoke_link,
)
from widget_server.validation import MAX_ID


@click.group("influencer", cls=AppGroup)
def influencer_group() -> None:
    """Influencers and their social handles."""


@influencer_group.command("create")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--country", help="Two-letter ISO code, e.g. US.")
@click.option(
    "--handle", "handles", multiple=True, help="PLATFORM:HANDLE:FOLLOWERS, e.g. instagram:ana:12k."
)
def influencer_create_command(
    name: str, email: str, country: str | None, handles: tuple[str, ...]
) -> None:
    """Create an influencer."""
    with unit_of_work():
        influencer = create_influencer(
            {
                "name": name,
                "email": email,
                "country": country.upper() if country else None,
                "handles": [parse_handle_spec(spec) for spec in handles],
            }
        )
    click.echo(f"Created influencer {influencer.name} <{influencer.email}>.")


@influencer_group.command("list")
@json_option
def influencer_list_command(as_json: bool) -> None:
    """List influencers."""
    influencers = session.scalars(select(Influencer).order_by(Influencer.name)).all()
    rows = [
        {
            "name": i.name,
            "email": i.email,
            "country": i.country,
            "handles": [
                {"platform": h.platform, "handle": h.handle, "followers": h.followers}
                for h in i.handles
            ],
        }
        for i in influencers
    ]

    def line(row: dict) -> str:
        handles = ", ".join(
            f"{h['platform']}:@{h['handle']} ({h['followers']:,})" for h in row["handles"]
        )
        return f"{row['name']:<24} {row['email']:<32} {row['country'] or '--'}  {handles}"

    echo_rows(rows, as_json, line)


@click.group("link", cls=AppGroup)
def link_group() -> None:
    """Signed influencer links to a brand's store."""


@link_group.command("issue")
@click.option("--brand", "brand_slug", required=True)
@click.option("--influencer", "email", required=True, help="The influencer's email.")
@click.option("--url", help="Store page to open (default: the brand's first origin).")
@click.option("--expires-in", default=None, help="How long it is valid: 30d, 12h, 90s.")
def link_issue_command(
    brand_slug: str, email: str, url: str | None, expires_in: str | None
) -> None:
    """Issue a link; the link itself is the last line printed."""
    with unit_of_work():
        brand = load_brand(brand_slug)
        influencer = find_influencer(email)
        if influencer is None:
            raise click.ClickException(f"unknown influencer {email!r}")
        link = issue_link(brand, influencer, url, expires_in or current_app.config["LINK_TTL"])
    click.echo(
        f"Link {link.id} for {influencer.name} at {brand.name}, "
        f"valid until {link.expires_at:%Y-%m-%d %H:%M} UTC:"
    )
    click.echo(link_url(link))


@link_group.command("preview")
@click.option("--brand", "brand_slug", required=True)
@click.option("--url", help="Store page to open (default: the brand's first origin).")
@click.option(
    "--minutes",
    type=click.IntRange(1, MAX_PREVIEW_MINUTES),
    default=DEFAULT_PREVIEW_MINUTES,
    show_default=True,
    help="How long the preview works (at most 24 hours).",
)
def link_preview_command(brand_slug: str, url: str | None, minutes: int) -> None:
    """Print a preview link: the store as an influencer sees it, requests off, install check.

    It names no influencer and is stored nowhere; it simply expires.
    """
    brand = load_brand(brand_slug)
    try:
        preview = issue_preview_url(brand, url, minutes)
    except PreviewError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Preview of {brand.name}, valid for {minutes} minutes:")
    click.echo(preview)


@link_group.command("list")
@click.option("--brand", "brand_slug", help="Only this brand's links.")
@json_option
def link_list_command(brand_slug: str | None, as_json: bool) -> None:
    """List links with their status."""
    query = select(InfluencerLink).order_by(InfluencerLink.id)
    if brand_slug:
        query = query.where(InfluencerLink.brand_id == load_brand(brand_slug).id)
    rows = [
        {
            "id": link.id,
            "brand": link.brand.slug,
            "influencer": link.influencer.email,
            "status": link.status,
            "issued_at": link.issued_at.isoformat(),
            "expires_at": link.expires_at.isoformat(),
        }
        for link in session.scalars(query)
    ]
    echo_rows(
        rows,
        as_json,
        lambda row: (
            f"{row['id']:>5}  {row['brand']:<16} {row['influencer']:<32} {row['status']:<8} "
            f"expires {row['expires_at'][:16]}"
        ),
    )


@link_group.command("revoke")
@click.argument("link_id", type=click.IntRange(1, MAX_ID))
def link_revoke_command(link_id: int) -> None:
    """Revoke link LINK_ID: its token stops working at once."""
    with unit_of_work():
        link = session.get(InfluencerLink, link_id)
        if link is None:
            raise click.ClickException(f"unknown link {link_id}")
        revoke_link(link)
    click.echo(f"Revoked link {link_id}.")
