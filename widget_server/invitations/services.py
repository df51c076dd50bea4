"""Invitations and applications: the work behind the console's and /apply's forms.

Views only call these; each adds and flushes in the request's transaction,
so the link, the application's new state and the email promising it commit
together (the one outbox) or not at all.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.console import audit
from widget_server.db import session
from widget_server.influencers.models import Influencer, InfluencerLink, SocialHandle
from widget_server.influencers.schemas import InfluencerInput
from widget_server.influencers.services import (
    InfluencerError,
    create_influencer,
    find_influencer,
    issue_link,
    link_url,
    revoke_link,
    state_handle,
)
from widget_server.invitations import tokens
from widget_server.invitations.models import (
    ACCEPTED,
    DECLINED,
    PENDING,
    UNCONFIRMED,
    Application,
    ApplyRules,
    _nonce,
)
from widget_server.money import format_minor
from widget_server.notifications.outbox import enqueue_email

#: The actor written on applications the rules accepted.
AUTO_ACCEPT = "auto-accept"
#: Furthest a link can be extended, from today.
MAX_EXTENSION = timedelta(days=366)


def sender_name(brand: Brand) -> str:
    """The From name of emails to influencers: the brand, through the service."""
    return f"{brand.name} via Dots"


def offer(brand: Brand) -> str:
    """What the brand offers, in one sentence for the emails and the apply page."""
    items = f"{brand.max_items} product" + ("" if brand.max_items == 1 else "s")
    value = format_minor(brand.max_value_minor, brand.currency)
    return f"Request up to {items} (up to {value} in retail value) per request, free of charge."


def apply_url(brand: Brand) -> str:
    """The brand's open invitation: the one link it can post anywhere."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/apply/{brand.slug}"


def _link_ttl() -> str:
    return str(current_app.config.get("LINK_TTL") or "30d")


def _to_influencer(brand: Brand, to: str, template: str, context: dict[str, Any]) -> None:
    enqueue_email(
        to=to,
        template=template,
        context={"brand": brand, "offer": offer(brand), **context},
        reply_to=brand.notify_email,
        from_name=sender_name(brand),
    )


def send_invitation(link: InfluencerLink, note: str | None = None) -> None:
    """Email ``link`` to its influencer: who invites, what they offer, the link."""
    _to_influencer(
        link.brand,
        link.influencer.email,
        "influencer_invitation",
        {"influencer": link.influencer, "link_url": link_url(link), "link": link, "note": note},
    )


def _add_handles(influencer: Influencer, handles: list[dict[str, Any]]) -> None:
    """Accounts the brand typed for a known influencer: new ones only, nothing overwritten."""
    known = {(h.platform, h.handle.lower()) for h in influencer.handles}
    for handle in handles:
        if (handle["platform"], handle["handle"].lower()) not in known:
            influencer.handles.append(SocialHandle(**handle))
            known.add((handle["platform"], handle["handle"].lower()))
    session.flush()


def invite(
    brand: Brand, data: dict[str, Any], note: str | None = None, *, email: bool = True
) -> InfluencerLink:
    """Invite someone: the influencer (found by email, or new), a fresh link, the email.

    ``data`` is ``{"name", "email", "handles"}`` as
    :class:`~widget_server.influencers.schemas.InfluencerInput` takes it; it
    is validated there (raises marshmallow's ValidationError per field). A
    known influencer keeps their name and profile; new handles are added.
    """
    influencer = find_influencer(str(data.get("email") or ""))
    if influencer is None:
        influencer = create_influencer(data)
    else:
        loaded = InfluencerInput().load({**data, "name": data.get("name") or influencer.name})
        _add_handles(influencer, loaded["handles"])
    link = issue_link(brand, influencer, ttl=_link_ttl())
    if email:
        send_invitation(link, note)
    return link


def send_again(link: InfluencerLink) -> InfluencerLink:
    """A fresh link to the same page for the same person, emailed; the old one revoked."""
    revoke_link(link)
    fresh = issue_link(link.brand, link.influencer, link.store_url, ttl=_link_ttl())
    send_invitation(fresh)
    return fresh


def extend(link: InfluencerLink, until: date) -> None:
    """Make ``link`` work until the end of ``until`` (UTC); an expired link works again.

    A revoked link stays revoked: it was stopped on purpose, and "Send again"
    is the way to give that person a new one.
    """
    if link.revoked_at is not None:
        raise InfluencerError("This link is revoked; use Send again to give them a new link.")
    # The link's last moment is the end of that day, so it "expires on" the day chosen.
    end = datetime.combine(until, time.max, tzinfo=UTC)
    now = clock.now()
    if end <= now:
        raise InfluencerError("Choose a day from today on.")
    if end > now + MAX_EXTENSION:
        raise InfluencerError("Choose a day within a year from today.")
    link.expires_at = end
    session.flush()


# --- the open invitation ------------------------------------------------------------------


def rules_of(brand: Brand) -> ApplyRules:
    """The brand's auto-accept rules (an unsaved, switched-off set when it has none)."""
    return session.get(ApplyRules, brand.id) or ApplyRules(
        brand_id=brand.id, auto_accept=False, platform=None, min_followers=0, countries=[]
    )


def save_rules(brand: Brand, data: dict[str, Any], actor: str) -> ApplyRules:
    """Store the brand's auto-accept rules (``data`` checked by the rules form)."""
    rules = session.get(ApplyRules, brand.id)
    if rules is None:
        rules = ApplyRules(brand_id=brand.id, auto_accept=False, min_followers=0, countries=[])
        session.add(rules)
    before = _rules_shown(rules)
    rules.auto_accept = bool(data["auto_accept"])
    rules.platform = data.get("platform") or None
    rules.min_followers = int(data.get("min_followers") or 0)
    rules.countries = sorted(set(data.get("countries") or []))
    rules.updated_at = clock.now()
    rules.updated_by = actor
    audit.record_changes(brand, actor, "auto-accept", before, _rules_shown(rules))
    session.flush()
    return rules


def _rules_shown(rules: ApplyRules) -> dict[str, Any]:
    """The rules as the audit log shows them."""
    return {
        "auto-accept": rules.auto_accept,
        "platform": rules.platform or "any",
        "minimum followers": rules.min_followers,
        "countries": " ".join(rules.countries) or "any",
    }


def _send_confirmation(application: Application) -> None:
    token = tokens.sign_confirmation(application.id, application.nonce)
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    _to_influencer(
        application.brand,
        application.email,
        "application_confirm",
        {"application": application, "confirm_url": f"{base}/apply/confirm/{token}"},
    )


def submit_application(brand: Brand, data: dict[str, Any]) -> Application:
    """Record an application (unconfirmed) and email its confirmation link.

    The same address applying again before confirming replaces its details
    and gets a new link; one already waiting or decided is left as it is
    (and no email goes out, so the form cannot be used to spam an address).
    """
    email = data["email"].strip().lower()
    found = session.scalar(
        select(Application)
        .where(Application.brand_id == brand.id, Application.email == email)
        .order_by(Application.id.desc())
    )
    if found is not None and found.status == PENDING:
        return found
    if found is not None and found.status == UNCONFIRMED:
        application = found
        application.nonce = _nonce()
    else:
        application = Application(brand=brand, email=email)
        session.add(application)
    application.name = data["name"]
    application.country = data["country"]
    application.handles = data["handles"]
    application.pitch = data.get("pitch") or ""
    application.created_at = clock.now()
    session.flush()
    _send_confirmation(application)
    return application


def confirm_application(token: str) -> Application:
    """Confirm the applicant's email: pending for the brand, or accepted by its rules.

    Raises :class:`~widget_server.invitations.tokens.TokenRefused` for a bad,
    expired or already used link.
    """
    ident, nonce = tokens.read_confirmation(token)
    application = session.get(Application, ident)
    if application is None or application.nonce != nonce or application.status != UNCONFIRMED:
        raise tokens.TokenRefused("This confirmation link was already used or replaced.")
    application.status = PENDING
    application.confirmed_at = clock.now()
    application.nonce = _nonce()  # the link in the email now names nothing
    session.flush()
    if rules_of(application.brand).matches(application):
        accept_application(application, AUTO_ACCEPT)
    return application


def _influencer_for(application: Application) -> Influencer:
    """The influencer an accepted application becomes (an existing one by email, updated)."""
    influencer = find_influencer(application.email)
    if influencer is None:
        influencer = create_influencer(
            {
                "name": application.name,
                "email": application.email,
                "country": application.country,
                "handles": application.handles,
            }
        )
        # The follower counts are the applicant's word, and the brand is told so.
        for account in influencer.handles:
            account.stated_at = application.confirmed_at or clock.now()
        return influencer
    # The applicant proved the address: their stated accounts count as stated.
    for handle in application.handles:
        state_handle(influencer, handle)
    if influencer.country is None:
        influencer.country = application.country
    return influencer


def accept_application(application: Application, actor: str) -> InfluencerLink:
    """Accept: the influencer, a personal link, and the email that carries it."""
    if application.status != PENDING:
        raise InfluencerError("Only a pending application can be accepted.")
    brand = application.brand
    link = issue_link(brand, _influencer_for(application), ttl=_link_ttl())
    application.status = ACCEPTED
    application.decided_at = clock.now()
    application.decided_by = actor
    application.link = link
    session.flush()
    _to_influencer(
        brand,
        application.email,
        "application_accepted",
        {"application": application, "link_url": link_url(link), "link": link},
    )
    return link


def decline_application(application: Application, actor: str, reason: str | None) -> None:
    """Decline, with the brand's reason if it gave one; the applicant is told by email."""
    if application.status != PENDING:
        raise InfluencerError("Only a pending application can be declined.")
    application.status = DECLINED
    application.decided_at = clock.now()
    application.decided_by = actor
    application.decline_reason = reason or None
    session.flush()
    _to_influencer(
        application.brand,
        application.email,
        "application_declined",
        {"application": application, "reason": application.decline_reason},
    )
