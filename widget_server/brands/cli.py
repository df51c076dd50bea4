"""``widget-server brand …``"""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from widget_server.brands import sessions
from widget_server.brands.models import Brand, BrandUser
from widget_server.brands.services import (
    add_brand_user,
    change_password,
    create_brand,
    find_brand,
    find_brand_user,
    update_brand,
)
from widget_server.cli_helpers import echo_rows, json_option, unit_of_work
from widget_server.config import duration_setting
from widget_server.db import session
from widget_server.money import format_minor


def load_brand(slug: str) -> Brand:
    """The brand named on the command line, or a clear error."""
    brand = find_brand(slug)
    if brand is None:
        raise click.ClickException(f"unknown brand {slug!r} (see 'widget-server brand list')")
    return brand


def _policy_options(command: Any) -> Any:
    for option in reversed(
        [
            click.option("--expiry-days", type=int, help="Days before a pending request expires."),
            click.option("--max-items", type=int, help="Most items in one request."),
            click.option(
                "--content-days", type=int, help="Days after delivery the content is due [14]."
            ),
            click.option(
                "--survey-days",
                type=int,
                help="Days after completion the metrics survey is emailed (0: never) [3].",
            ),
            click.option("--max-value", help="Most retail value of one request, e.g. 250.00."),
            click.option("--currency", help="ISO currency of the store's prices, e.g. USD."),
        ]
    ):
        command = option(command)
    return command


def _given(**options: Any) -> dict[str, Any]:
    return {key: value for key, value in options.items() if value not in (None, ())}


@click.group("brand", cls=AppGroup)
def brand_group() -> None:
    """Brands: their store origins, notify address and request policy."""


@brand_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The brand's display name.")
@click.option("--origin", "origins", multiple=True, required=True, help="Store origin (repeat).")
@click.option("--notify-email", required=True, help="Where new requests are announced.")
@_policy_options
def create_command(slug: str, name: str, origins: tuple[str, ...], **options: Any) -> None:
    """Create brand SLUG."""
    with unit_of_work():
        brand = create_brand(
            {"slug": slug, "name": name, "allowed_origins": list(origins), **_given(**options)}
        )
    click.echo(f"Created brand {brand.slug} ({brand.name}) for {', '.join(brand.allowed_origins)}.")


@brand_group.command("update")
@click.argument("slug")
@click.option("--name")
@click.option("--origin", "origins", multiple=True, help="Replace the store origins (repeat).")
@click.option("--notify-email")
@_policy_options
def update_command(slug: str, origins: tuple[str, ...], **options: Any) -> None:
    """Change settings of brand SLUG (only the options given)."""
    from widget_server.console import audit

    with unit_of_work():
        changes = _given(allowed_origins=list(origins) or None, **options)
        if not changes:
            raise click.UsageError("nothing to change: give at least one option")
        brand = load_brand(slug)
        before = audit.brand_settings(brand)
        update_brand(brand, changes)
        # The console's audit log shows operators' changes too.
        audit.record_changes(
            brand, audit.CLI_ACTOR, "command line", before, audit.brand_settings(brand)
        )
    click.echo(f"Updated brand {slug}.")


@brand_group.command("list")
@json_option
def list_command(as_json: bool) -> None:
    """List brands."""
    brands = session.scalars(select(Brand).order_by(Brand.slug)).all()
    rows = [
        {
            "slug": b.slug,
            "name": b.name,
            "origins": b.allowed_origins,
            "notify_email": b.notify_email,
            "currency": b.currency,
            "expiry_days": b.expiry_days,
            "max_items": b.max_items,
            "max_value": format_minor(b.max_value_minor, b.currency),
        }
        for b in brands
    ]
    echo_rows(
        rows,
        as_json,
        lambda row: (
            f"{row['slug']:<20} {row['name']:<24} {' '.join(row['origins'])}  "
            f"expiry {row['expiry_days']}d, max {row['max_items']} items / {row['max_value']}"
        ),
    )


@brand_group.group("user")
def user_group() -> None:
    """People who sign in to a brand's review page."""


@user_group.command("add")
@click.argument("slug")
@click.option("--email", required=True)
@click.option("--password", required=True, help="At least 10 characters.")
def user_add_command(slug: str, email: str, password: str) -> None:
    """Give EMAIL a sign-in for brand SLUG."""
    with unit_of_work():
        user = add_brand_user(load_brand(slug), email, password)
    click.echo(f"Added {user.email} to brand {slug}.")


@user_group.command("invite")
@click.argument("slug")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["owner", "member"]), default="owner", show_default=True)
def user_invite_command(slug: str, email: str, role: str) -> None:
    """Email EMAIL a link to choose their password for brand SLUG (no password on the command line).

    The link works once, for 7 days; it goes out through the outbox (the
    worker or 'widget-server outbox send' delivers it).
    """
    from widget_server.console.accounts import invite

    with unit_of_work():
        user = invite(load_brand(slug), email, role, actor="An operator")
    click.echo(f"Invited {user.email} to brand {slug} as {role}; the email is in the outbox.")


def load_user(email: str) -> BrandUser:
    """The brand user named on the command line, or a clear error."""
    user = find_brand_user(email)
    if user is None:
        raise click.ClickException(f"no brand user with email {email!r}")
    return user


@user_group.command("passwd")
@click.argument("email")
@click.option(
    "--password",
    prompt="New password",
    hide_input=True,
    confirmation_prompt=True,
    help="At least 10 characters (asked for when not given).",
)
def user_passwd_command(email: str, password: str) -> None:
    """Set a new password for EMAIL and sign them out everywhere."""
    with unit_of_work():
        ended = change_password(load_user(email), password)
    click.echo(f"Changed the password of {email}; {ended} open session(s) ended.")


@user_group.group("sessions")
def sessions_group() -> None:
    """Where a brand user is signed in to the review page."""


@sessions_group.command("list")
@click.argument("email")
@json_option
def sessions_list_command(email: str, as_json: bool) -> None:
    """List the open sessions of EMAIL."""
    timeout = duration_setting(current_app.config, "REVIEW_IDLE_TIMEOUT")
    rows = [
        {
            "signed_in_at": row.created_at.isoformat(),
            "last_seen_at": row.last_seen_at.isoformat(),
            "ends_at": sessions.ends_at(row, timeout).isoformat(),
        }
        for row in sessions.live_sessions(load_user(email), timeout)
    ]
    if not rows and not as_json:
        click.echo(f"{email} is not signed in anywhere.")
        return
    echo_rows(
        rows,
        as_json,
        lambda row: (
            f"signed in {row['signed_in_at']}  last seen {row['last_seen_at']}  "
            f"ends {row['ends_at']}"
        ),
    )


@sessions_group.command("revoke")
@click.argument("email")
def sessions_revoke_command(email: str) -> None:
    """Sign EMAIL out everywhere, at once (a copied cookie stops working too)."""
    with unit_of_work():
        ended = sessions.revoke_all(load_user(email))
    click.echo(f"Signed {email} out: {ended} session(s) ended.")


@brand_group.command("api-key")
@click.argument("slug")
def api_key_command(slug: str) -> None:
    """Make a new store API key for brand SLUG and print it once (the old one stops working)."""
    from widget_server.store_sync.keys import issue_api_key

    with unit_of_work():
        key = issue_api_key(load_brand(slug))
    click.echo(key)
    click.echo(
        f"The store API key of {slug}: give it to the store's server as "
        "'Authorization: Bearer …'. It is shown only now (only its hash is kept).",
        err=True,
    )


@brand_group.command("webhook")
@click.argument("slug")
@click.option("--url", help="Where to POST lifecycle events (http or https).")
@click.option("--new-secret", is_flag=True, help="Replace the signing secret.")
@click.option("--remove", is_flag=True, help="Stop sending events (what waits is dropped).")
@click.option("--log", "show_log", is_flag=True, help="Show the latest delivery attempts.")
def webhook_command(
    slug: str, url: str | None, new_secret: bool, remove: bool, show_log: bool
) -> None:
    """Set, show or remove the webhook of brand SLUG; prints its signing secret."""
    from widget_server.store_sync.webhook_settings import delivery_log, set_webhook

    with unit_of_work():
        brand = load_brand(slug)
        if remove or url or new_secret:
            set_webhook(brand, None if remove else url or brand.webhook_url, new_secret)
    if show_log:
        for line in delivery_log(brand):
            click.echo(line)
        return
    if brand.webhook_url is None:
        click.echo(f"Brand {slug} has no webhook.")
        return
    click.echo(f"Webhook of {slug}: {brand.webhook_url}")
    click.echo(f"Signing secret: {brand.webhook_secret}")
