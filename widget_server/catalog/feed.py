"""Reading a store's catalog feed in Shopify's public ``products.json`` format.

Every Shopify store serves ``/products.json?limit=250&page=N``; other stores
can export the same shape to a file. The whole feed is read and checked
before anything is written, so a malformed feed changes nothing.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email.message import Message
from http.client import HTTPException
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from urllib.request import (
    HTTPHandler,
    HTTPRedirectHandler,
    HTTPSHandler,
    OpenerDirector,
    ProxyHandler,
    Request,
    build_opener,
)

from marshmallow import EXCLUDE, ValidationError, fields, validate

from widget_server.errors import flatten_messages
from widget_server.money import to_minor
from widget_server.outbound import connect_public
from widget_server.validation import StrictSchema

PAGE_SIZE = 250
MAX_PAGES = 2_000  # 500,000 products: far beyond any store, but a loop guard
TIMEOUT_SECONDS = 30
MAX_ID_LENGTH = 64  # the store_id columns
MAX_PRICE_MINOR = 2**31 - 1  # the price_minor column is a 32-bit integer


class FeedError(ValueError):
    """The feed cannot be read or is malformed; the message says where."""


class StoreId(fields.Field):
    """Store ids are numbers in Shopify and strings elsewhere: keep them as text."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int | str) or str(value).strip() == "":
            raise ValidationError("Must be a non-empty string or integer id.")
        if len(str(value).strip()) > MAX_ID_LENGTH:
            raise ValidationError(f"Longer than {MAX_ID_LENGTH} characters.")
        return str(value).strip()


class _FeedSchema(StrictSchema):
    """Text from a store is checked like any input (no NUL, no lone surrogates)."""

    class Meta:
        unknown = EXCLUDE  # feeds carry many fields we do not need


class FeedImage(_FeedSchema):
    id = StoreId(load_default=None)
    src = fields.String(required=True, validate=validate.Length(1, 2000))
    position = fields.Integer(load_default=0)


class FeedOption(_FeedSchema):
    name = fields.String(required=True)
    position = fields.Integer(load_default=0)


class FeedVariant(_FeedSchema):
    id = StoreId(required=True)
    title = fields.String(required=True, validate=validate.Length(1, 500))
    sku = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=255))
    # Shopify's name for the GTIN (UPC/EAN/ISBN); Google's ``gtin`` and the CSV's land here too.
    barcode = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=255))
    option1 = fields.String(allow_none=True, load_default=None)
    option2 = fields.String(allow_none=True, load_default=None)
    option3 = fields.String(allow_none=True, load_default=None)
    # Google feeds have four option attributes (size, colour, material, pattern).
    option4 = fields.String(allow_none=True, load_default=None)
    price = fields.Raw(required=True)
    available = fields.Boolean(load_default=True)
    position = fields.Integer(load_default=0)
    image_id = StoreId(allow_none=True, load_default=None)
    # The variant's own page, where the feed names one per variant (a Google
    # feed's ``link`` per item: PrestaShop links each combination's own URL).
    url = fields.String(allow_none=True, load_default=None, validate=validate.Length(1, 2000))


class FeedProduct(_FeedSchema):
    id = StoreId(required=True)
    handle = fields.String(required=True, validate=validate.Length(1, 255))
    title = fields.String(required=True, validate=validate.Length(1, 500))
    body_html = fields.String(allow_none=True, load_default="")
    # The store's own product page. Shopify's is derived from the handle; every
    # other platform names its own (WooCommerce ``permalink``, Google ``link``).
    url = fields.String(allow_none=True, load_default=None, validate=validate.Length(1, 2000))
    vendor = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=255))
    product_type = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=255)
    )
    images = fields.List(fields.Nested(FeedImage), load_default=list)
    options = fields.List(fields.Nested(FeedOption), load_default=list)
    variants = fields.List(
        fields.Nested(FeedVariant),
        required=True,
        validate=validate.Length(min=1, error="A product needs at least one variant."),
    )


def _describe(raw: Any, index: int) -> str:
    if isinstance(raw, dict):
        ident = raw.get("id", "?")
        handle = raw.get("handle")
        return f"product {ident}" + (f" ({handle!r})" if handle else "")
    return f"product #{index + 1}"


def check_products(raw_products: Any, currency: str) -> list[dict[str, Any]]:
    """Validate raw feed products; raise :class:`FeedError` naming product and field."""
    if not isinstance(raw_products, list):
        raise FeedError('the feed has no "products" list')
    products: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_products):
        if not isinstance(raw, dict):
            raise FeedError(f"{_describe(raw, index)}: is not an object")
        try:
            product = FeedProduct().load(raw)
        except ValidationError as exc:
            fields_ = "; ".join(
                f"{path}: {' '.join(msgs)}" for path, msgs in flatten_messages(exc.messages).items()
            )
            raise FeedError(f"{_describe(raw, index)}: {fields_}") from None
        if product["id"] in seen:
            raise FeedError(f"{_describe(raw, index)}: the id appears twice in the feed")
        seen.add(product["id"])
        variant_ids: set[str] = set()
        for v_index, variant in enumerate(product["variants"]):
            if variant["id"] in variant_ids:
                raise FeedError(
                    f"{_describe(raw, index)}: variants.{v_index}.id: "
                    f"variant {variant['id']} appears twice in the product"
                )
            variant_ids.add(variant["id"])
            try:
                variant["price_minor"] = to_minor(str(variant["price"]), currency)
            except ValueError as exc:
                raise FeedError(
                    f"{_describe(raw, index)}: variants.{v_index}.price: {exc}"
                ) from None
            if variant["price_minor"] > MAX_PRICE_MINOR:
                raise FeedError(
                    f"{_describe(raw, index)}: variants.{v_index}.price: "
                    f"{variant['price']!r} is too large"
                )
        products.append(product)
    return products


def _page_url(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("limit", "page")]
    query += [("limit", str(PAGE_SIZE)), ("page", str(page))]
    return urlunsplit(parts._replace(query=urlencode(query)))


class _PublicHTTPConnection(http.client.HTTPConnection):
    """Connects only to a public address of its host, the one it checked."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = connect_public


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    """As :class:`_PublicHTTPConnection`; TLS still verifies the certificate against the name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = connect_public


class _PublicHTTPHandler(HTTPHandler):
    def http_open(self, req: Request) -> Any:
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(HTTPSHandler):
    def https_open(self, req: Request) -> Any:
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


class _GuardedRedirects(HTTPRedirectHandler):
    """Follows redirects only to URLs the guard accepts (a public feed must not bounce inside)."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str):  # type: ignore[no-untyped-def]
        guard = _url_guard.get()
        if guard is not None:
            guard.check(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@dataclass(frozen=True)
class _Guard:
    check: Callable[[str], object]
    opener: OpenerDirector


_opener = build_opener(_GuardedRedirects)
# Direct connections, as webhooks make: through a proxy, the proxy would resolve
# the name, and the address checked here would be the proxy's.
_public_opener = build_opener(
    ProxyHandler({}), _GuardedRedirects, _PublicHTTPHandler, _PublicHTTPSHandler
)

#: What a sync may fetch: ``check`` sees every URL it is about to fetch, redirects
#: included, and raises ValueError to refuse one; ``opener`` connects. The brand
#: console sets it (public addresses only); the CLI does not.
_url_guard: ContextVar[_Guard | None] = ContextVar("url_guard", default=None)


@contextmanager
def guarded_fetches(guard: Callable[[str], object], public_only: bool = False) -> Iterator[None]:
    """Within the block, every fetch and every redirect is first passed to ``guard``.

    With ``public_only``, every connection also goes only to a public address,
    checked as the name is resolved to connect (so DNS rebinding after the
    guard's own check cannot send a request inside).
    """
    token = _url_guard.set(_Guard(guard, _public_opener if public_only else _opener))
    try:
        yield
    finally:
        _url_guard.reset(token)


def fetch(url: str, accept: str = "application/json") -> tuple[bytes, Message]:
    """GET ``url``: the body and the headers, or a :class:`FeedError` naming the URL."""
    request = Request(url, headers={"User-Agent": "Dots-catalog-sync/1", "Accept": accept})
    guard = _url_guard.get()
    try:
        if guard is not None:
            guard.check(url)
        opener = guard.opener if guard is not None else _opener
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.read(), response.headers
    except HTTPError as exc:
        raise FeedError(f"{url}: the store answered HTTP {exc.code}") from None
    except URLError as exc:
        raise FeedError(f"{url}: cannot reach the store ({exc.reason})") from None
    except (OSError, HTTPException) as exc:  # a timeout or a dropped connection mid-answer
        raise FeedError(f"{url}: the answer could not be read ({exc!r})") from None
    except ValueError as exc:  # the guard refused the URL, a redirect or an address
        raise FeedError(f"{url}: {exc}") from None


def _fetch_json(url: str) -> Any:
    body, _ = fetch(url)
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"{url}: the answer is not JSON ({exc})") from None


def products_of(document: Any, where: str) -> Any:
    if not isinstance(document, dict) or "products" not in document:
        raise FeedError(f'{where}: the feed has no "products" list')
    return document["products"]


def iter_pages(url: str) -> Iterator[list[Any]]:
    """Yield the raw products of each page of a store's feed, until a short page.

    A store that ignores ``?page=`` answers page 1 again and again; a page
    whose products were all seen before ends the feed instead of looping.
    """
    seen: set[Any] = set()
    for page in range(1, MAX_PAGES + 1):
        page_url = _page_url(url, page)
        products = products_of(_fetch_json(page_url), page_url)
        if not isinstance(products, list):
            raise FeedError(f'{page_url}: "products" is not a list')
        ids = {p.get("id") for p in products if isinstance(p, dict)}
        if products and ids and ids <= seen:
            return
        seen |= ids
        if products:
            yield products
        if len(products) < PAGE_SIZE:
            return
    raise FeedError(f"{url}: more than {MAX_PAGES} pages; stopping")


def feed_url(source: str) -> str:
    """A store URL or a feed URL -> the feed URL (``/products.json``)."""
    parts = urlsplit(source)
    if parts.path in ("", "/"):
        parts = parts._replace(path="/products.json")
    return urlunsplit(parts)


def is_url(source: str) -> bool:
    """Does ``source`` name an http(s) URL rather than a file?"""
    return urlsplit(source).scheme in ("http", "https")


def store_base_of(url: str) -> str:
    """``https://shop.example/products.json`` -> ``https://shop.example``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
