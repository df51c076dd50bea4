"""Schemas of the request API: what the panel sends, what the widget reads."""

from __future__ import annotations

from typing import Any

from apispec.ext.marshmallow import OpenAPIConverter
from marshmallow import Schema, fields, pre_load, validate

from widget_server.influencers.schemas import HandleSchema
from widget_server.messages.rules import INFLUENCER as INFLUENCER_SIDE
from widget_server.messages.services import timeline_entries, unread_in
from widget_server.product_requests.models import ProductRequest, RequestEvent, RequestItem
from widget_server.product_requests.services import SAVED_SOURCES
from widget_server.product_requests.states import (
    CANCELLED,
    CHANGES_REQUESTED,
    DELIVERED,
    DENIED,
    STATUSES,
    denial_reason,
    effective_decided_at,
    effective_status,
)
from widget_server.product_requests.uploads import MAX_SCREENSHOTS
from widget_server.ratings.schemas import InfluencerRating
from widget_server.ratings.services import may_rate
from widget_server.store_sync.services import STORE
from widget_server.validation import (
    COUNTRY,
    ID,
    PLATFORMS,
    SLUG,
    HttpUrl,
    ShownText,
    StrictSchema,
    display_text,
)

CONTENT_TYPES = ("post", "story", "reel", "video", "blog", "other")
MAX_LINKS = 5
MAX_QUANTITY = 10
#: A brand accepts at most 100 items per request (its ``max_items``), each a
#: different product: more entries than that can never be a valid request.
MAX_ITEMS = 100


class ItemIn(StrictSchema):
    variant_id = fields.Integer(required=True, strict=True, validate=ID)
    quantity = fields.Integer(load_default=1, strict=True, validate=validate.Range(1, MAX_QUANTITY))


class ProposalIn(StrictSchema):
    content_types = fields.List(
        fields.String(validate=validate.OneOf(CONTENT_TYPES)),
        required=True,
        validate=validate.Length(
            1, len(CONTENT_TYPES), error=f"Pick 1 to {len(CONTENT_TYPES)} kinds of content."
        ),
    )
    platforms = fields.List(
        fields.String(validate=validate.Length(1, 32)),
        required=True,
        validate=validate.Length(1, len(PLATFORMS), error=f"Pick 1 to {len(PLATFORMS)} platforms."),
    )
    publish_on = fields.Date(required=True)
    message = fields.String(required=True, validate=validate.Length(1, 2000))
    links = fields.List(
        HttpUrl(validate=validate.Length(max=2000)),
        load_default=list,
        validate=validate.Length(max=MAX_LINKS, error=f"At most {MAX_LINKS} links."),
    )


class AddressIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    line1 = fields.String(required=True, validate=validate.Length(1, 200))
    line2 = fields.String(load_default="", validate=validate.Length(max=200))
    city = fields.String(required=True, validate=validate.Length(1, 100))
    region = fields.String(load_default="", validate=validate.Length(max=100))
    postal_code = fields.String(required=True, validate=validate.Length(1, 20))
    country = fields.String(required=True, validate=COUNTRY)
    phone = fields.String(
        load_default="",
        validate=validate.Regexp(r"^[0-9+()\-. ]{0,40}$", error="Use digits, spaces and + - ( )."),
    )

    @pre_load
    def upper_country(self, data: object, **_kwargs: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("country"), str):
            return {**data, "country": data["country"].strip().upper()}
        return data


class SavedAddressIn(StrictSchema):
    """Ship to an address given before, by reference: the server copies it.

    ``this_store``: the address of the influencer's latest request at this
    brand; ``another_store``: at another brand (only when they choose it).
    """

    use_saved = fields.String(
        required=True,
        validate=validate.OneOf(SAVED_SOURCES, error="Use one of: {choices}."),
    )


def _inline_schema(schema: type[Schema]) -> dict[str, Any]:
    """``schema`` as an inline OpenAPI object, so a ``oneOf`` is documented from the schemas."""
    converter = OpenAPIConverter(
        openapi_version="3.0.3", schema_name_resolver=lambda _schema: None, spec=None
    )
    return converter.schema2jsonschema(schema)


class ShippingAddress(fields.Field):
    """``shipping_address``: an address typed now (:class:`AddressIn`), or
    ``{"use_saved": …}`` (:class:`SavedAddressIn`).

    Errors keep the paths of the shape that was sent, e.g.
    ``shipping_address.postal_code``.
    """

    def __init__(self, **kwargs: Any) -> None:
        one_of = [_inline_schema(AddressIn), _inline_schema(SavedAddressIn)]
        description = (
            "The address to ship to, or {use_saved: this_store | another_store} to ship to "
            "the one given before (the server copies it; 422 when there is none)."
        )
        super().__init__(metadata={"oneOf": one_of, "description": description}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        saved = isinstance(value, dict) and "use_saved" in value
        return (SavedAddressIn() if saved else AddressIn()).load(value)


class RequestIn(StrictSchema):
    """Body of ``POST /v1/requests``."""

    brand = fields.String(required=True, validate=SLUG)
    items = fields.List(
        fields.Nested(ItemIn),
        required=True,
        validate=validate.Length(
            1, MAX_ITEMS, error=f"Pick at least one product, and at most {MAX_ITEMS}."
        ),
    )
    proposal = fields.Nested(ProposalIn, required=True)
    shipping_address = ShippingAddress(required=True)


class BrandBody(StrictSchema):
    """Body of ``POST /v1/requests/<id>/withdraw``: the brand whose store this is."""

    brand = fields.String(required=True, validate=SLUG)


class ContentIn(BrandBody):
    """Body of ``POST /v1/requests/<id>/content``: the links to the influencer's posts.

    At least one link, or (multipart) one screenshot: the view checks the pair.
    """

    urls = fields.List(
        HttpUrl(validate=validate.Length(max=2000)),
        load_default=list,
        validate=validate.Length(max=MAX_LINKS, error=f"Give at most {MAX_LINKS} links."),
    )


#: The content endpoint's body in the OpenAPI document: JSON, or a form with files.
CONTENT_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": _inline_schema(ContentIn)},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["brand"],
                "properties": {
                    "brand": {"type": "string"},
                    "urls": {
                        "type": "array",
                        "maxItems": MAX_LINKS,
                        "items": {"type": "string", "format": "uri"},
                    },
                    "screenshots": {
                        "type": "array",
                        "maxItems": MAX_SCREENSHOTS,
                        "description": "PNG, JPEG, WebP or GIF (by their bytes), 5 MB each.",
                        "items": {"type": "string", "format": "binary"},
                    },
                },
            },
            "encoding": {
                "screenshots": {"contentType": "image/png, image/jpeg, image/webp, image/gif"}
            },
        },
    },
}


class BrandQuery(StrictSchema):
    """``?brand=SLUG`` of the widget's GET calls."""

    brand = fields.String(required=True, validate=SLUG)


class ItemOut(Schema):
    variant_id = fields.Integer()
    product_handle = fields.String()
    product_title = ShownText()
    variant_title = ShownText()
    option_values = fields.Method(
        "_option_values", metadata={"type": "array", "items": {"type": "string"}}
    )
    image_url = fields.String(allow_none=True)
    quantity = fields.Integer()
    unit_price_minor = fields.Integer()

    def _option_values(self, item: RequestItem) -> list[str]:
        # Rows from before option values were kept read the variant's today.
        values = (
            item.option_values if item.option_values is not None else item.variant.option_values
        )
        return [display_text(value) for value in values]


#: Who did a step, in the influencer's words: never a reviewer's email (a
#: link token may be replayed by anyone who read it).
INFLUENCER = "you"
BRAND_SIDE = "the brand"
STORE_SIDE = "the store"
#: Events whose note is the brand's word to the influencer (emailed to them anyway).
NOTES_SHOWN = frozenset({DENIED, CHANGES_REQUESTED, CANCELLED})


class TimelineEventOut(Schema):
    """One step of a request as the influencer sees it: what, when, and which side.

    ``emailed`` is the brand writing to the influencer: shown, its text not
    (the influencer has it in their mail; a replayed token must not read it).
    """

    kind = fields.String(
        metadata={"description": "submitted, approved, shipped, … (a status or event)."}
    )
    at = fields.AwareDateTime(attribute="created_at")
    by = fields.Method(
        "_by",
        metadata={"type": "string", "enum": [INFLUENCER, BRAND_SIDE, STORE_SIDE], "nullable": True},
    )
    note = fields.Method(
        "_note",
        metadata={
            "type": "string",
            "nullable": True,
            "description": "The brand's words on a denial, a cancellation or a change request.",
        },
    )

    def _by(self, event: RequestEvent) -> str | None:
        if event.actor == "system":
            return None  # expiry: nobody did it
        if event.actor == event.request.influencer.email:
            return INFLUENCER
        return STORE_SIDE if event.actor == STORE else BRAND_SIDE

    def _note(self, event: RequestEvent) -> str | None:
        return display_text(event.note) if event.kind in NOTES_SHOWN and event.note else None


class _TimelineEntries(fields.Nested):
    """The request's events and its messages (read from their own table), oldest first."""

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return timeline_entries(obj)


def _http_only(url: str | None) -> str | None:
    """``url`` if it is http(s): a link the influencer's browser may follow."""
    return url if url and url.lower().startswith(("https://", "http://")) else None


class RequestOut(Schema):
    """A request as the influencer sees it (no address: the host page may read it)."""

    id = fields.Integer()
    status = fields.Method("_status", metadata={"type": "string", "enum": list(STATUSES)})
    submitted_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    decided_at = fields.Method(
        "_decided_at",
        metadata={"type": "string", "format": "date-time", "nullable": True},
    )
    reason = fields.Method(
        "_reason",
        metadata={
            "type": "string",
            "nullable": True,
            "description": "The brand's reason for a denial; null otherwise.",
        },
    )
    currency = fields.String()
    total_minor = fields.Integer()
    items = fields.List(fields.Nested(ItemOut))
    # After approval: where the parcel is and when the content is due.
    carrier = ShownText(allow_none=True)
    tracking_number = ShownText(allow_none=True)
    tracking_url = fields.Method(
        "_tracking_url", metadata={"type": "string", "format": "uri", "nullable": True}
    )
    shipped_at = fields.AwareDateTime(allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    content_due_at = fields.AwareDateTime(allow_none=True)
    content_urls = fields.List(fields.String(), allow_none=True)
    content_overdue = fields.Method(
        "_content_overdue",
        metadata={"type": "boolean", "description": "Delivered, and the content due date passed."},
    )
    changes_note = fields.Method(
        "_changes_note",
        metadata={
            "type": "string",
            "nullable": True,
            "description": "While delivered again: what the brand asked to change.",
        },
    )
    screenshot_count = fields.Method(
        "_screenshot_count",
        metadata={"type": "integer", "description": "Screenshots sent as content, all rounds."},
    )
    can_rate = fields.Method(
        "_can_rate",
        metadata={
            "type": "boolean",
            "description": "Completed and not yet rated by you: POST /v1/requests/<id>/rating.",
        },
    )
    my_rating = InfluencerRating(
        metadata={"description": "Your rating of the brand for this request, once given."}
    )
    timeline = _TimelineEntries(
        TimelineEventOut,
        many=True,
        metadata={
            "description": "The request's steps and messages (kind ``message``, without its "
            "text: see /messages), oldest first: sides, never people."
        },
    )
    unread_messages = fields.Method(
        "_unread_messages",
        metadata={"type": "integer", "description": "Messages from the brand not read yet."},
    )

    def _unread_messages(self, request: ProductRequest) -> int:
        return unread_in(request, INFLUENCER_SIDE)

    def _can_rate(self, request: ProductRequest) -> bool:
        return may_rate(request, INFLUENCER_SIDE)

    def _tracking_url(self, request: ProductRequest) -> str | None:
        return _http_only(request.tracking_url)

    def _content_overdue(self, request: ProductRequest) -> bool:
        return request.content_overdue()

    def _changes_note(self, request: ProductRequest) -> str | None:
        if request.status != DELIVERED:
            return None
        notes = [event.note for event in request.events if event.kind == CHANGES_REQUESTED]
        return display_text(notes[-1]) if notes and notes[-1] else None

    def _screenshot_count(self, request: ProductRequest) -> int:
        return len(request.screenshots)

    def _status(self, request: ProductRequest) -> str:
        return effective_status(request)

    def _decided_at(self, request: ProductRequest) -> str | None:
        moment = effective_decided_at(request)
        return moment.isoformat() if moment else None

    def _reason(self, request: ProductRequest) -> str | None:
        reason = denial_reason(request)
        return None if reason is None else display_text(reason)


class MyRequestsOut(Schema):
    currency = fields.String()
    requests = fields.List(fields.Nested(RequestOut))


class AddressSummaryOut(Schema):
    """Enough of an address to recognise it, never enough to find anyone."""

    city = fields.String()
    country = fields.String()


class ProfileOut(Schema):
    """What the panel needs to know of the influencer: nothing personal.

    A link token can be replayed by any script that read it, so this holds
    no email and no street address: only summaries the panel offers by
    reference (``shipping_address: {"use_saved": …}``).
    """

    name = ShownText()
    handles = fields.List(fields.Nested(HandleSchema))
    saved_address = fields.Nested(
        AddressSummaryOut,
        allow_none=True,
        metadata={"description": "The address last used at this brand; null for none."},
    )
    another_store_address = fields.Nested(
        AddressSummaryOut,
        allow_none=True,
        metadata={
            "description": "When this brand has none: the address last used with another "
            "store, offered only as an explicit choice (use_saved: another_store)."
        },
    )
