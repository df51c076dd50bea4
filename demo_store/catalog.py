"""Deterministic product data for the demo store, in Shopify's ``products.json`` shape.

Every product is derived from its index alone, so ``make_catalog(n)`` is always a prefix of
``make_catalog(m)`` for ``n <= m`` and two calls never differ. That lets a page rendered with
``?count=200`` link to products that the product page and image routes can still resolve.
"""

from __future__ import annotations

import copy
import html
import re
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

#: Largest catalog the store will ever build; ``?count=`` is clamped to this.
MAX_PRODUCTS = 1000

#: Generated images are portrait, like most apparel photography.
IMAGE_WIDTH = 800
IMAGE_HEIGHT = 1000

VENDOR = "Northwind Supply"

# Shopify stores timestamps in the shop's zone; a fixed offset keeps the output stable.
_SHOP_TZ = timezone(timedelta(hours=-5))
_EPOCH = datetime(2024, 3, 1, 9, 30, tzinfo=_SHOP_TZ)

SIZES = ["XS", "S", "M", "L", "XL"]
SOCK_SIZES = ["S/M", "L/XL"]


@dataclass(frozen=True)
class Kind:
    """A kind of product: how it is sold (options) and how its image is drawn (``shape``)."""

    shape: str
    noun: str
    product_type: str
    tag: str  # "tops" or "accessories", used by the /spa collection filter
    options: tuple[str, ...]  # option names, e.g. ("Size", "Colour"), or () for one variant
    base_price: int  # whole dollars


KINDS: dict[str, Kind] = {
    "tee": Kind("tee", "Tee", "T-Shirts", "tops", ("Size", "Colour"), 32),
    "hoodie": Kind("hoodie", "Hoodie", "Hoodies", "tops", ("Size", "Colour"), 78),
    "sweater": Kind("sweater", "Sweater", "Knitwear", "tops", ("Size", "Colour"), 96),
    "jacket": Kind("jacket", "Jacket", "Outerwear", "tops", ("Size", "Colour"), 185),
    "tote": Kind("tote", "Tote Bag", "Bags", "accessories", (), 28),
    "backpack": Kind("backpack", "Backpack", "Bags", "accessories", ("Colour",), 118),
    "cap": Kind("cap", "Cap", "Hats", "accessories", ("Colour",), 34),
    "beanie": Kind("beanie", "Beanie", "Hats", "accessories", ("Colour",), 29),
    "scarf": Kind("scarf", "Scarf", "Scarves", "accessories", ("Colour",), 64),
    "socks": Kind("socks", "Socks", "Socks", "accessories", ("Size",), 14),
}

#: Colour name -> hex; the first colour of a product is the one its image is drawn in.
COLOURS: dict[str, str] = {
    "Navy": "#22364f",
    "Sage": "#8ea58c",
    "Rust": "#b6553a",
    "Oat": "#d8c7a8",
    "Charcoal": "#3b3d40",
    "Sky": "#7fa8c9",
    "Ochre": "#c99a2e",
    "Forest": "#2f5a43",
    "Blush": "#e2a9a1",
    "Ivory": "#efe8da",
    "Plum": "#6d3b5a",
    "Slate": "#687684",
}
_COLOUR_NAMES = list(COLOURS)

# Hand-written products first: they carry the awkward cases (unicode titles, HTML entities in
# descriptions, a four-figure price, a product without images, a sold-out product).
_CURATED: list[dict[str, Any]] = [
    {"title": "Everyday Organic Tee", "kind": "tee", "colours": ["Navy", "Ivory", "Sage"]},
    {"title": "Café Crème Hoodie", "kind": "hoodie", "colours": ["Oat", "Charcoal"]},
    {"title": "Ærø Wool Scarf", "kind": "scarf", "colours": ["Rust", "Slate", "Forest"]},
    {"title": "Market Canvas Tote", "kind": "tote", "colours": ["Ivory"], "price": "12.50"},
    {"title": "Harbour Rain Jacket", "kind": "jacket", "colours": ["Ochre", "Navy"]},
    {"title": "Fjällräv Trail Backpack", "kind": "backpack", "colours": ["Forest", "Rust"]},
    # No images: the collection shows a placeholder and the JSON-LD has no image.
    {"title": "Gift Card Sleeve", "kind": "tote", "colours": ["Oat"], "images": False},
    {"title": "Søndag Merino Sweater", "kind": "sweater", "colours": ["Sage", "Oat", "Plum"]},
    {"title": "Harbor Wool Beanie", "kind": "beanie", "colours": ["Rust", "Charcoal", "Sky"]},
    {"title": "Coastline 6-Panel Cap", "kind": "cap", "colours": ["Sky", "Navy"]},
    {
        "title": "Heirloom Shearling Jacket",
        "kind": "jacket",
        "colours": ["Charcoal"],
        "price": "1299.00",
    },
    {"title": "Crew Sock 3-Pack", "kind": "socks", "colours": ["Ochre"], "price": "19.95"},
    # Its first variant (XS / Blush) is sold out: "first available" is not "first".
    {
        "title": "Niño Pocket Tee",
        "kind": "tee",
        "colours": ["Blush", "Sky"],
        "sale": True,
        "first_sold_out": True,
    },
    {"title": "Zürich Fleece Hoodie", "kind": "hoodie", "colours": ["Slate"], "sold_out": True},
]

_ADJECTIVES = [
    "Heritage",
    "Coastal",
    "Alpine",
    "Weekend",
    "Studio",
    "Meadow",
    "Harbour",
    "Field",
    "Nordic",
    "Summit",
    "Drift",
    "Atelier",
]

_DESCRIPTIONS = {
    "tee": "Cut from heavyweight organic cotton and garment-dyed for a soft, lived-in hand.",
    "hoodie": "Brushed-back fleece with a double-layer hood, ribbed cuffs &amp; a kangaroo pocket.",
    "sweater": "Knitted from responsibly sourced merino that's warm without the bulk.",
    "jacket": "A water-resistant shell with taped seams, storm flap and two hand-warmer pockets.",
    "tote": "Sturdy 14&nbsp;oz canvas with long handles that sit comfortably on the shoulder.",
    "backpack": 'Waxed canvas, padded 15" laptop sleeve and leather-trimmed straps.',
    "cap": "Unstructured six-panel cap in washed cotton twill with a brass buckle.",
    "beanie": "Chunky rib-knit beanie with a deep turn-up cuff.",
    "scarf": "Woven on traditional looms from lambswool, finished with a hand-knotted fringe.",
    "socks": "Combed-cotton crew socks with a cushioned sole &amp; reinforced heel.",
}

_ORIGINS = ["Portugal", "Scotland", "Japan", "Peru", "Italy", "Canada"]

_TRANSLITERATE = str.maketrans(
    {"Æ": "Ae", "æ": "ae", "Ø": "O", "ø": "o", "ß": "ss", "Œ": "Oe", "œ": "oe", "Ð": "D", "ð": "d"}
)


def slugify(title: str) -> str:
    """Turn a title into a Shopify-style handle: ASCII, lower case, words joined by hyphens."""
    ascii_title = (
        unicodedata.normalize("NFKD", title.translate(_TRANSLITERATE))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


def plain_text(body_html: str) -> str:
    """Strip tags and entities from store HTML, e.g. for a JSON-LD ``description``."""
    text = re.sub(r"<[^>]+>", " ", body_html)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def _stable_int(text: str) -> int:
    # Python's hash() is salted per process; crc32 gives the same number every run.
    return zlib.crc32(text.encode("utf-8"))


def _specs() -> list[dict[str, Any]]:
    """All product specs, curated ones first, then generated ones with unique titles."""
    specs = [dict(spec) for spec in _CURATED]
    titles = {spec["title"] for spec in specs}
    kinds = list(KINDS)
    # Walk every adjective x colour x kind combination once, in an interleaved order so that
    # neighbouring products differ in all three. With m = n % 120 and q = n // 120, m picks a
    # distinct (kind, colour) pair (11 is coprime with 12) and (m + q) % 12 a distinct
    # adjective for each q, so no title repeats.
    pairs = len(kinds) * len(_COLOUR_NAMES)
    for n in range(len(_ADJECTIVES) * pairs):
        m, q = n % pairs, n // pairs
        kind = kinds[m % len(kinds)]
        colour = _COLOUR_NAMES[(m // len(kinds) + m) % len(_COLOUR_NAMES)]
        adjective = _ADJECTIVES[(m + q) % len(_ADJECTIVES)]
        title = f"{adjective} {colour} {KINDS[kind].noun}"
        if title in titles:
            continue
        titles.add(title)
        others = [c for c in _COLOUR_NAMES if c != colour]
        extra = others[_stable_int(title) % len(others)]
        spec: dict[str, Any] = {"title": title, "kind": kind, "colours": [colour, extra]}
        if n % 7 == 3:
            spec["sale"] = True
        specs.append(spec)
        if len(specs) >= MAX_PRODUCTS:
            break
    return specs


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _build_product(index: int, spec: dict[str, Any]) -> dict[str, Any]:
    kind = KINDS[spec["kind"]]
    title: str = spec["title"]
    handle = slugify(title)
    product_id = 7_000_000_000 + index
    created = _EPOCH + timedelta(days=index % 400, hours=index % 9, minutes=(index * 7) % 60)
    updated = created + timedelta(days=3 + index % 11, minutes=17)
    seed = _stable_int(handle)

    if "price" in spec:
        price_cents = round(float(spec["price"]) * 100)
    else:
        # Vary around the kind's base price and end in .00 or .50 like a real price list.
        price_cents = (kind.base_price + seed % 23) * 100 + (50 if seed % 3 == 0 else 0)
    compare_cents = round(price_cents * 1.25 / 100) * 100 if spec.get("sale") else None

    option_values: list[list[str]] = []
    for name in kind.options:
        if name == "Size":
            option_values.append(SOCK_SIZES if kind.shape == "socks" else SIZES)
        else:
            option_values.append(list(spec["colours"]))
    options = [
        {"name": name, "position": pos, "values": list(values)}
        for pos, (name, values) in enumerate(zip(kind.options, option_values, strict=True), start=1)
    ]
    if not options:
        # Shopify gives a single-variant product one "Title" option.
        options = [{"name": "Title", "position": 1, "values": ["Default Title"]}]
        combos: list[tuple[str, ...]] = [("Default Title",)]
    elif len(option_values) == 1:
        combos = [(value,) for value in option_values[0]]
    else:
        combos = [(a, b) for b in option_values[1] for a in option_values[0]]

    variants = []
    for position, combo in enumerate(combos, start=1):
        variant_id = 40_000_000_000 + index * 100 + position
        # Roughly one variant in five is out of stock; the first variant of most products is
        # in stock so the collection looks normal.
        if spec.get("sold_out") or (position == 1 and spec.get("first_sold_out")):
            available = False
        else:
            available = position == 1 or (seed + position * 7) % 5 != 0
        upcharge = 400 if "XL" in combo and kind.shape in {"jacket", "hoodie"} else 0
        variants.append(
            {
                "id": variant_id,
                "title": " / ".join(combo),
                "option1": combo[0],
                "option2": combo[1] if len(combo) > 1 else None,
                "option3": None,
                "sku": f"NW-{index + 1:04d}-{position:02d}",
                "requires_shipping": True,
                "taxable": True,
                "featured_image": None,
                "available": available,
                "price": _money(price_cents + upcharge),
                "grams": 150 + seed % 900,
                "compare_at_price": _money(compare_cents + upcharge) if compare_cents else None,
                "position": position,
                "product_id": product_id,
                "created_at": created.isoformat(),
                "updated_at": updated.isoformat(),
            }
        )

    images = []
    if spec.get("images", True):
        images.append(
            {
                "id": 30_000_000_000 + index,
                "created_at": created.isoformat(),
                "position": 1,
                "updated_at": updated.isoformat(),
                "product_id": product_id,
                "variant_ids": [],
                # Relative here; make_catalog() prefixes the request's base URL.
                "src": f"/images/{handle}.svg",
                "width": IMAGE_WIDTH,
                "height": IMAGE_HEIGHT,
            }
        )

    origin = _ORIGINS[seed % len(_ORIGINS)]
    body_html = (
        f"<p>{_DESCRIPTIONS[kind.shape]} <strong>Made in {origin}.</strong></p>"
        f"<ul><li>Colour: {html.escape(spec['colours'][0])}</li>"
        "<li>Wash cold &amp; dry flat</li></ul>"
    )

    return {
        "id": product_id,
        "title": title,
        "handle": handle,
        "body_html": body_html,
        "published_at": created.isoformat(),
        "created_at": created.isoformat(),
        "updated_at": updated.isoformat(),
        "vendor": VENDOR,
        "product_type": kind.product_type,
        "tags": sorted({kind.tag, kind.shape, spec["colours"][0].lower()}),
        "variants": variants,
        "images": images,
        "options": options,
    }


@lru_cache(maxsize=1)
def _all_products() -> tuple[dict[str, Any], ...]:
    return tuple(_build_product(i, spec) for i, spec in enumerate(_specs()))


@lru_cache(maxsize=1)
def _by_handle() -> dict[str, int]:
    return {product["handle"]: i for i, product in enumerate(_all_products())}


def _with_base_url(product: dict[str, Any], base_url: str) -> dict[str, Any]:
    # Deep copy so callers may mutate the result without corrupting the shared cache.
    result = copy.deepcopy(product)
    for image in result["images"]:
        image["src"] = base_url.rstrip("/") + image["src"]
    return result


def make_catalog(count: int, base_url: str = "") -> list[dict[str, Any]]:
    """Return the first ``count`` products (clamped to 0..MAX_PRODUCTS).

    ``base_url`` (e.g. ``http://127.0.0.1:5001``) is prefixed to image ``src`` values so they
    are absolute URLs, as Shopify's are; with the default they stay root-relative.
    """
    count = max(0, min(int(count), MAX_PRODUCTS))
    return [_with_base_url(p, base_url) for p in _all_products()[:count]]


def find_product(handle: str, base_url: str = "") -> dict[str, Any] | None:
    """Look a product up by handle across the whole (maximum-size) catalog."""
    index = _by_handle().get(handle)
    if index is None:
        return None
    return _with_base_url(_all_products()[index], base_url)


def product_shape(product: dict[str, Any]) -> str:
    """The silhouette used to draw a product (``tee``, ``tote``...)."""
    for tag in product["tags"]:
        if tag in KINDS:
            return tag
    return "tee"


def product_colour(product: dict[str, Any]) -> str:
    """Hex colour of the product's main colourway."""
    for tag in product["tags"]:
        for name, hex_value in COLOURS.items():
            if tag == name.lower():
                return hex_value
    return COLOURS["Navy"]


def format_money(amount: str) -> str:
    """Format a decimal string as the storefront shows it: ``"1299.00"`` -> ``"$1,299.00"``."""
    whole, _, cents = amount.partition(".")
    return f"${int(whole):,}.{(cents or '00'):0<2}"
