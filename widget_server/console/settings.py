"""Settings pages (owners only): store origins and install, request policy, notifications,
products, and the audit log of every change made here."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import or_, select
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.brands.schemas import BrandInput
from widget_server.brands.services import BrandError, update_brand
from widget_server.catalog.models import Product
from widget_server.catalog.services import set_excluded
from widget_server.console import audit
from widget_server.console.blueprint import bp
from widget_server.console.forms import (
    NotificationsForm,
    OriginChoiceForm,
    OriginForm,
    PolicyForm,
    ProductSearch,
    ReplaceCredentialForm,
    ToggleForm,
    WebhookForm,
    credential_tag,
)
from widget_server.db import session
from widget_server.errors import flatten_messages
from widget_server.influencers.preview import issue_preview_url
from widget_server.money import format_minor, to_decimal_string
from widget_server.review.auth import get_product_or_404, owner_required
from widget_server.store_sync.keys import issue_api_key
from widget_server.store_sync.webhook_settings import set_webhook

#: Products listed on one page of the products settings.
PRODUCTS_SHOWN = 60


def _messages(exc: ValidationError) -> list[str]:
    return [m for ms in flatten_messages(exc.messages).values() for m in ms]


def snippets(brand: Brand) -> dict[str, str]:
    """The two ways to install Dots on the store: the script tag and the zero-request snippet.

    The same text as the README's: the inline one loads the loader only when
    the page was opened through an influencer link (or once was).
    """
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    slug = brand.slug
    return {
        "tag": f'<script async src="{base}/v1/dots.js" data-brand="{slug}"></script>',
        "inline": (
            "<script>(function(b,h){try{if(!/[#&]dots=/.test(location.hash)"
            '&&!localStorage.getItem("dots:"+b))return}catch(e){}'
            'var s=document.createElement("script");s.async=1;s.src=h+"/v1/dots.js";'
            "s.dataset.brand=b;document.head.appendChild(s)})"
            f'("{slug}","{base}")</script>'
        ),
    }


@bp.get("/settings")
@owner_required
def settings_home() -> Response:
    return redirect(url_for("console.store"))


def _store_page(
    add_form: OriginForm | None = None,
    status: int = 200,
    webhook_form: WebhookForm | None = None,
    revealed: dict[str, str] | None = None,
) -> tuple[str, int]:
    """The store page; ``revealed`` secrets (label -> value) are shown on this answer only."""
    return (
        render_template(
            "console/store.html",
            snippets=snippets(g.brand),
            add_form=add_form or OriginForm(formdata=None),
            choice_form=OriginChoiceForm(formdata=None),
            webhook_form=webhook_form or WebhookForm(formdata=None, url=g.brand.webhook_url),
            key_form=ReplaceCredentialForm(formdata=None),
            secret_tag=credential_tag(g.brand.webhook_secret),
            key_tag=credential_tag(g.brand.api_key_hash),
            revealed=revealed or {},
        ),
        status,
    )


@bp.get("/settings/store")
@owner_required
def store() -> tuple[str, int]:
    return _store_page()


@bp.post("/settings/store/origins")
@owner_required
def add_origin() -> Response | tuple[str, int]:
    form = OriginForm()
    if form.validate():
        try:
            loaded = BrandInput(partial=True, only=("allowed_origins",)).load(
                {"allowed_origins": [form.origin.data or ""]}
            )
            origin = loaded["allowed_origins"][0]
            if origin in g.brand.allowed_origins:
                raise BrandError(f"{origin} is already one of your store origins.")
            before = list(g.brand.allowed_origins)
            update_brand(g.brand, {"allowed_origins": [*before, origin]})
        except ValidationError as exc:
            form.origin.errors = _messages(exc)
        except BrandError as exc:
            form.origin.errors = [str(exc)]
        else:
            audit.record(g.brand, g.user.email, "store", "store origin", None, origin)
            flash(
                f"Added {origin}. Put the snippet on its pages, then check the install.", "success"
            )
            return redirect(url_for("console.store"))
    return _store_page(form, 400)


def _chosen_origin(origin: str | None = None) -> str:
    """The origin a form (or the install check's link) names; 404 unless it is the brand's."""
    if origin is None:
        form = OriginChoiceForm()
        origin = (form.origin.data or "").strip() if form.validate() else ""
    if origin not in g.brand.allowed_origins:
        raise NotFound("That is not one of your store origins.")
    return origin


@bp.post("/settings/store/origins/remove")
@owner_required
def remove_origin() -> Response:
    origin = _chosen_origin()
    remaining = [o for o in g.brand.allowed_origins if o != origin]
    if not remaining:
        flash("Keep at least one store origin: influencer links open the first one.", "error")
        return redirect(url_for("console.store"))
    update_brand(g.brand, {"allowed_origins": remaining})
    audit.record(g.brand, g.user.email, "store", "store origin", origin, None)
    flash(f"Removed {origin}: the widget no longer answers its pages.", "success")
    return redirect(url_for("console.store"))


@bp.post("/settings/store/webhook")
@owner_required
def webhook() -> tuple[str, int]:
    """Set, change or remove the webhook URL; a new signing secret is shown once, here.

    The answer is the page itself, not a redirect: a secret must never travel
    through the (signed, not encrypted) session cookie that flashes use.
    """
    form = WebhookForm()
    if not form.validate():
        return _store_page(status=400, webhook_form=form)
    url = (form.url.data or "").strip() or None
    before_url, before_secret = g.brand.webhook_url, g.brand.webhook_secret
    if form.rotate.data and not form.replaces_current(before_secret):
        return _replaced_already("signing secret")
    try:
        set_webhook(g.brand, url, rotate_secret=bool(form.rotate.data))
    except ValueError as exc:
        form.url.errors = [f"Use an http:// or https:// address ({exc})."]
        return _store_page(status=400, webhook_form=form)
    audit.record(g.brand, g.user.email, "store", "webhook URL", before_url, url)
    revealed = {}
    if g.brand.webhook_secret and g.brand.webhook_secret != before_secret:
        audit.record(g.brand, g.user.email, "store", "webhook signing secret", None, "new")
        revealed["Webhook signing secret"] = g.brand.webhook_secret
    flash("The webhook is removed." if url is None else f"Events now go to {url}.", "success")
    return _store_page(revealed=revealed)


@bp.post("/settings/store/api-key")
@owner_required
def api_key() -> tuple[str, int]:
    """A new store API key (the old one stops working at once), shown once, here."""
    form = ReplaceCredentialForm()
    if not form.validate():
        abort(400, "The form expired; reload the page and try again.")
    if not form.replaces_current(g.brand.api_key_hash):
        return _replaced_already("store API key")
    key = issue_api_key(g.brand)
    audit.record(g.brand, g.user.email, "store", "store API key", None, "new")
    flash("A new store API key is made; the old one no longer works.", "success")
    return _store_page(revealed={"Store API key": key})


def _replaced_already(what: str) -> tuple[str, int]:
    """409: the form named a secret that was replaced since (a reload sends a form again)."""
    flash(
        f"The {what} was replaced a moment ago (here, or by a teammate); nothing changed. "
        f"The new one was shown only once: if no one copied it, replace it again.",
        "error",
    )
    return _store_page(status=409)


@bp.get("/settings/store/check")
@owner_required
def install_check() -> Response:
    """Open the store as an influencer would, with the preview link's Install check (#7).

    A link, not a form: the review pages' CSP (``form-action 'self'``) would
    stop a form whose answer redirects to the store. It changes nothing, and
    the preview token it issues goes only to the brand's own origin.
    """
    origin = _chosen_origin(request.args.get("origin", ""))
    return redirect(issue_preview_url(g.brand, origin + "/"), code=303)


def _policy_values(brand: Brand) -> dict[str, Any]:
    return {
        "expiry days": brand.expiry_days,
        "max items": brand.max_items,
        "max retail value": format_minor(brand.max_value_minor, brand.currency),
        "currency": brand.currency,
        "content days": brand.content_days,
        "approval undo seconds": brand.approval_undo_seconds,
        "survey days": brand.survey_days,
    }


@bp.route("/settings/policy", methods=["GET", "POST"])
@owner_required
def policy() -> Response | tuple[str, int]:
    brand = g.brand
    form = PolicyForm(
        data={
            "expiry_days": brand.expiry_days,
            "max_items": brand.max_items,
            "max_value": to_decimal_string(brand.max_value_minor, brand.currency),
            "currency": brand.currency,
            "content_days": brand.content_days,
            "approval_undo_seconds": brand.approval_undo_seconds,
            "survey_days": brand.survey_days,
        }
    )
    if form.validate_on_submit():
        before = _policy_values(brand)
        try:
            with session.begin_nested():
                update_brand(
                    brand,
                    {
                        "expiry_days": form.expiry_days.data,
                        "max_items": form.max_items.data,
                        "max_value": (form.max_value.data or "").strip(),
                        "currency": (form.currency.data or "").strip(),
                        "content_days": form.content_days.data or brand.content_days,
                        "approval_undo_seconds": form.approval_undo_seconds.data,
                        # Empty keeps it (0 is a value: no survey email).
                        "survey_days": brand.survey_days
                        if form.survey_days.data is None
                        else form.survey_days.data,
                    },
                )
        except ValidationError as exc:
            for name, messages in flatten_messages(exc.messages).items():
                field = getattr(form, name.split(".")[0], form.max_value)
                field.errors = list(field.errors) + list(messages)
        except BrandError as exc:
            form.max_value.errors = [str(exc).removeprefix("max value: ")]
        else:
            if audit.record_changes(
                brand, g.user.email, "request policy", before, _policy_values(brand)
            ):
                flash("Saved. The next request follows the new policy.", "success")
            else:
                flash("Nothing changed.", "info")
            return redirect(url_for("console.policy"))
    status = 400 if form.errors else 200
    default_undo = current_app.config.get("APPROVAL_UNDO_SECONDS", 0)
    return render_template("console/policy.html", form=form, default_undo=default_undo), status


def _notification_values(brand: Brand) -> dict[str, Any]:
    return {
        "addresses for new requests": brand.notify_addresses,
        "daily digest": brand.notify_digest,
        "sender name": brand.email_sender_name,
        "reply-to": brand.email_reply_to,
    }


@bp.route("/settings/notifications", methods=["GET", "POST"])
@owner_required
def notifications() -> Response | tuple[str, int]:
    brand = g.brand
    form = NotificationsForm(
        data={
            "addresses": "\n".join(brand.notify_addresses),
            "digest": brand.notify_digest,
            "sender_name": brand.email_sender_name or "",
            "reply_to": brand.email_reply_to or "",
        }
    )
    if form.validate_on_submit():
        before = _notification_values(brand)
        first, *rest = form.address_list()
        update_brand(brand, {"notify_email": first})
        brand.notify_also = rest
        if form.digest.data and not brand.notify_digest:
            # The first digest covers what came after the switch: earlier
            # requests were each emailed already.
            brand.digest_sent_at = clock.now()
        brand.notify_digest = bool(form.digest.data)
        brand.email_sender_name = " ".join((form.sender_name.data or "").split()) or None
        brand.email_reply_to = (form.reply_to.data or "").strip().lower() or None
        session.flush()
        if audit.record_changes(
            brand, g.user.email, "notifications", before, _notification_values(brand)
        ):
            flash("Saved.", "success")
        else:
            flash("Nothing changed.", "info")
        return redirect(url_for("console.notifications"))
    status = 400 if form.errors else 200
    return render_template("console/notifications.html", form=form), status


@bp.get("/settings/products")
@owner_required
def products() -> str:
    search = ProductSearch(request.args)
    q = (search.q.data or "").strip() if search.validate() else ""
    query = select(Product).where(Product.brand_id == g.brand.id)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            or_(
                Product.title_key.like(pattern),
                Product.handle.ilike(pattern),
                Product.title.ilike(pattern),
            )
        )
    found = session.scalars(
        query.order_by(Product.excluded.desc(), Product.active.desc(), Product.title).limit(
            PRODUCTS_SHOWN + 1
        )
    ).all()
    return render_template(
        "console/products.html",
        search=search,
        q=q,
        products=found[:PRODUCTS_SHOWN],
        more=len(found) > PRODUCTS_SHOWN,
        toggle_form=ToggleForm(),
    )


def _toggle(product_id: int, excluded: bool) -> Response:
    product = get_product_or_404(product_id)
    ToggleForm().validate()
    change = set_excluded(g.brand, [product.handle], excluded)
    if change.changed:
        audit.record(
            g.brand,
            g.user.email,
            "products",
            f"product {product.handle}",
            "excluded" if not excluded else "offered",
            "excluded" if excluded else "offered",
        )
    verb = "no longer offered" if excluded else "offered again"
    flash(f"{product.title} is {verb}.", "success")
    q = (request.form.get("q") or "").strip()[:200]
    return redirect(url_for("console.products", q=q or None))


@bp.post("/settings/products/<int:product_id>/exclude")
@owner_required
def exclude(product_id: int) -> Response:
    return _toggle(product_id, True)


@bp.post("/settings/products/<int:product_id>/include")
@owner_required
def include(product_id: int) -> Response:
    return _toggle(product_id, False)


@bp.get("/settings/audit")
@owner_required
def audit_log() -> str:
    return render_template("console/audit.html", entries=audit.entries(g.brand))
