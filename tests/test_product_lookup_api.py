"""The product lookup through the API: ``POST /v1/session`` with keys, and ``GET /v1/products``."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import quote

import pytest
from sqlalchemy import select

from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
from widget_server.catalog.models import Product
from widget_server.catalog.schemas import DotProductOut, FullProductOut, LookupVariantOut
from widget_server.db import session

ORIGIN = "https://acme.example"


@pytest.fixture
def shop(app, frozen_clock):
    """acme with a catalog keyed every way, and a rival brand with look-alike products."""
    with app.app_context():
        acme = make_brand("acme", allowed_origins=[ORIGIN], max_value="100")
        rival = make_brand("rival")
        tee = make_product(acme, "oxford-tee", prices=(2500, 1900))
        tee.url = f"{ORIGIN}/en/women/tops/oxford-tee.html"
        tee.store_id = "7001"
        tee.variants[0].sku, tee.variants[0].gtin = "SKU-TEE-S", "0 0012-3456 7890 5"
        tee.variants[1].store_id = "4242"
        mug = make_product(acme, "Cafe-Mug", prices=(900,))
        mug.title = "The  Café Mug"
        pricey = make_product(acme, "pricey", prices=(50_000,))
        excluded = make_product(acme, "excluded-one")
        excluded.excluded = True
        make_product(acme, "sold-out", prices=(100, 200), available=(False, False))
        gone = make_product(acme, "gone")
        gone.active = False
        twin_a = make_product(acme, "twin-a")
        twin_b = make_product(acme, "twin-b")
        twin_a.variants[0].sku = twin_b.variants[0].sku = "SHARED"
        theirs = make_product(rival, "rivals-only")
        theirs.variants[0].sku = "RIVAL-SKU"
        make_product(rival, "oxford-tee-rival").url = f"{ORIGIN}/products/rival-path"
        session.commit()
        ana = make_influencer("ana@example.com")
        link, token = make_link(acme, ana)
        make_request(link, [tee.variants[0]])
        return SimpleNamespace(
            token=token, tee_variant=tee.variants[0].id, pricey=pricey.handle, link=link
        )


def post_session(client, token, keys=(), full=(), origin=ORIGIN, brand="acme"):
    return client.post(
        "/v1/session",
        json={"brand": brand, "keys": list(keys), "full": list(full)},
        headers={"Authorization": f"Bearer {token}", "Origin": origin},
    )


def products_url(keys=(), full=(), v=None, brand="acme"):
    query = f"brand={brand}"
    if v is not None:
        query += f"&v={quote(v)}"
    if keys:
        query += "&keys=" + ",".join(quote(key, safe="") for key in sorted(keys))
    if full:
        query += "&full=" + ",".join(quote(handle, safe="") for handle in full)
    return f"/v1/products?{query}"


EVERY_KIND = {
    "u:/en/women/tops/oxford-tee": "oxford-tee",  # the stored path itself
    "u:/en-gb/en/women/tops/oxford-tee": "oxford-tee",  # a locale prefix more
    "u:/collections/mugs/products/cafe-mug": "Cafe-Mug",  # last segment = handle (any case)
    "h:cafe-mug": "Cafe-Mug",
    "s:7001": "oxford-tee",  # product store id
    "s:4242": "oxford-tee",  # variant store id
    "k:SKU-TEE-S": "oxford-tee",
    "g:12345678905": "oxford-tee",
    "n:the café mug": "Cafe-Mug",
}


def test_session_matches_every_key_kind(client, shop):
    body = post_session(client, shop.token, keys=EVERY_KIND).get_json()
    assert body["matches"] == dict(sorted(EVERY_KIND.items()))
    assert sorted(p["handle"] for p in body["products"]) == ["Cafe-Mug", "oxford-tee"]
    assert body["preview"] is False
    assert body["catalog_version"] == "1-10000"


def test_dot_and_full_shapes_are_the_schemas(client, shop, app):
    keys = ["h:cafe-mug", "h:pricey"]
    body = post_session(client, shop.token, keys=keys, full=["oxford-tee"]).get_json()
    by_handle = {p["handle"]: p for p in body["products"]}
    assert set(by_handle["Cafe-Mug"]) == set(DotProductOut().fields)
    # The dot shape is built without the schema (lookup._dot_shapes): the same values.
    with app.app_context():
        for handle in ("Cafe-Mug", "pricey"):
            product = session.scalar(select(Product).filter_by(handle=handle))
            assert by_handle[handle] == DotProductOut().dump(product)
    assert by_handle["pricey"]["over_limit"] is True
    tee = by_handle["oxford-tee"]
    assert set(tee) == set(FullProductOut().fields)
    assert set(tee["variants"][0]) == set(LookupVariantOut().fields)
    assert tee["price_minor"] == 1900  # the cheapest available variant
    assert by_handle["Cafe-Mug"]["title"] == "The  Café Mug"


def test_what_cannot_be_requested_never_matches(client, shop):
    keys = ["h:excluded-one", "h:sold-out", "h:gone", "k:SHARED", "h:rivals-only", "k:RIVAL-SKU",
            "u:/products/rival-path", "h:nothing-like-it"]  # fmt: skip
    body = post_session(client, shop.token, keys=keys, full=["sold-out", "rivals-only"]).get_json()
    assert body["matches"] == {} and body["products"] == []
    assert "misses" not in body and "diagnostics" not in body


def test_over_limit_products_match_with_the_flag(client, shop):
    body = post_session(client, shop.token, keys=[f"h:{shop.pricey}"]).get_json()
    assert body["products"][0]["over_limit"] is True


def test_statuses_are_the_newest_request_per_handle(client, shop, app):
    body = post_session(client, shop.token).get_json()
    assert body["statuses"] == {"oxford-tee": "pending"}


@pytest.mark.parametrize(
    ("keys", "field"),
    [
        ([f"h:p{n}" for n in range(201)], "keys"),
        (["h:" + "x" * 301], "keys.0"),
        (["x:what"], "keys.0"),
        (["h:"], "keys.0"),
    ],
)
def test_bad_keys_are_422_naming_the_field(client, shop, keys, field):
    response = post_session(client, shop.token, keys=keys)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_200_keys_of_300_characters_are_fine(client, shop):
    keys = [f"h:{n:0300d}" for n in range(200)]
    assert post_session(client, shop.token, keys=keys).status_code == 200


def test_full_is_at_most_50_handles(client, shop):
    response = post_session(client, shop.token, full=[f"p{n}" for n in range(51)])
    assert response.status_code == 422 and "full" in response.get_json()["errors"]


def test_products_needs_no_token_and_answers_the_same(client, shop):
    response = client.get(products_url(EVERY_KIND, full=["oxford-tee"]), headers={"Origin": ORIGIN})
    assert response.status_code == 200
    body = response.get_json()
    assert body["matches"] == dict(sorted(EVERY_KIND.items()))
    assert "statuses" not in body and "influencer" not in body
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "public, max-age=60"


def test_products_cache_for_a_year_at_the_current_version(client, shop):
    current = client.get(products_url(["h:cafe-mug"], v="1-10000"))
    assert current.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    stale = client.get(products_url(["h:cafe-mug"], v="0-10000"))
    assert stale.headers["Cache-Control"] == "public, max-age=60"
    assert stale.get_json()["catalog_version"] == "1-10000"


def test_products_keys_with_commas_and_percent_signs(client, shop, app):
    with app.app_context():
        product = session.scalar(select(Product).where(Product.handle == "oxford-tee"))
        product.variants[0].sku = "A,B 100%"
        session.commit()
    body = client.get(products_url(["k:A,B 100%", "h:cafe-mug"])).get_json()
    assert body["matches"] == {"h:cafe-mug": "Cafe-Mug", "k:A,B 100%": "oxford-tee"}


def test_products_of_an_unknown_brand_is_404(client, shop):
    response = client.get(products_url(["h:x"], brand="nobody"))
    assert response.status_code == 404 and response.get_json()["error"] == "unknown_brand"


def test_products_key_limits_are_422(client, shop):
    too_many = client.get(products_url([f"h:p{n}" for n in range(201)]))
    assert too_many.status_code == 422 and "keys" in too_many.get_json()["errors"]
    too_long = client.get(products_url(["h:" + "x" * 301]))
    assert too_long.status_code == 422 and "keys.0" in too_long.get_json()["errors"]


def test_products_foreign_origin_gets_no_cors(client, shop):
    response = client.get(products_url(["h:cafe-mug"]), headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("path", ["/v1/session", "/v1/products", "/v1/requests"])
def test_preflights_are_cached_for_ten_minutes(client, shop, path):
    response = client.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Max-Age"] == "600"
