"""What an influencer's page view costs the database: ``POST /v1/session`` (issue #13, item 2).

Every statement sent is counted with SQLAlchemy's ``before_cursor_execute``
event, on each configured database: at most two per call (the link with its
brand, influencer, accounts and request statuses; the page's products), so
no lazy load slipped in. Nothing about the link is cached, so revoking it
stops the very next call. What the page's keys named is remembered per
catalog version, so a repeat view reads the link alone, and any change of the
catalog or of the value limit is seen by the next call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
from widget_server import clock
from widget_server.brands.services import find_brand
from widget_server.catalog.services import set_excluded
from widget_server.db import engine, session
from widget_server.influencers.models import InfluencerLink
from widget_server.influencers.schemas import SessionResponse
from widget_server.influencers.services import revoke_link
from widget_server.influencers.start import link_answer, start

ORIGIN = "https://acme.example"


@pytest.fixture
def page(app: Flask, frozen_clock: Any) -> SimpleNamespace:
    """acme with a few products, an influencer with two accounts and two requests."""
    with app.app_context():
        acme = make_brand("acme", allowed_origins=[ORIGIN], max_value="100")
        products = [make_product(acme, f"tee-{n}", prices=(1000 + n,)) for n in range(5)]
        session.commit()
        ana = make_influencer(
            "ana@example.com",
            handles=[
                {"platform": "instagram", "handle": "ana", "followers": 5000},
                {"platform": "tiktok", "handle": "ana.tt", "followers": 9000},
            ],
        )
        ana.handles[1].stated_at = clock.now()  # stated in the panel: a date in the answer
        link, token = make_link(acme, ana)
        make_request(link, [products[0].variants[0]])
        make_request(link, [products[1].variants[0]])
        return SimpleNamespace(token=token, link_id=link.id)


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app sends inside the block."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        bound = engine()
    event.listen(bound, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(bound, "before_cursor_execute", count)


def post_session(app: Flask, token: str, keys: list[str]) -> Any:
    return app.test_client().post(
        "/v1/session",
        json={"brand": "acme", "keys": keys},
        headers={"Authorization": f"Bearer {token}", "Origin": ORIGIN},
    )


@pytest.mark.parametrize("keys", [[], ["h:tee-0", "h:tee-3", "u:/products/tee-4", "h:nothing"]])
def test_a_page_view_is_at_most_two_statements(
    app: Flask, page: SimpleNamespace, keys: list[str]
) -> None:
    with counted(app) as statements:
        response = post_session(app, page.token, keys)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    # Everything the answer holds came from those statements: no lazy load after them.
    assert len(statements) <= 2, statements
    assert body["influencer"]["name"]
    assert sorted(h["handle"] for h in body["influencer"]["handles"]) == ["ana", "ana.tt"]
    assert body["statuses"] == {"tee-0": "pending", "tee-1": "pending"}
    assert body["brand"]["slug"] == "acme"
    assert sorted(body["matches"]) == sorted(k for k in keys if k != "h:nothing")
    assert sorted(p["handle"] for p in body["products"]) == sorted(
        {"tee-0", "tee-3", "tee-4"} if keys else set()
    )


PAGE = ["h:tee-0", "h:tee-3", "u:/products/tee-4", "h:nothing"]


def test_a_repeat_page_view_reads_the_link_alone(app: Flask, page: SimpleNamespace) -> None:
    first = post_session(app, page.token, PAGE).get_json()
    with counted(app) as statements:
        again = post_session(app, page.token, [*reversed(PAGE)])
    assert again.status_code == 200
    assert len(statements) == 1 and "influencer_link" in statements[0], statements
    assert again.get_json() == first
    # A key no view asked for yet is looked up, and only it.
    with counted(app) as statements:
        more = post_session(app, page.token, [*PAGE, "h:tee-2"]).get_json()
    assert len(statements) == 2
    assert more["matches"] == {**first["matches"], "h:tee-2": "tee-2"}


def dots(app: Flask, page: SimpleNamespace) -> dict[str, Any]:
    body = post_session(app, page.token, PAGE).get_json()
    return {product["handle"]: product["over_limit"] for product in body["products"]}


def test_what_keys_named_follows_every_change_of_the_catalog(
    app: Flask, page: SimpleNamespace
) -> None:
    assert dots(app, page) == {"tee-0": False, "tee-3": False, "tee-4": False}
    with app.app_context():
        set_excluded(find_brand("acme"), ["tee-3"], excluded=True)
        session.commit()
    assert dots(app, page) == {"tee-0": False, "tee-4": False}
    with app.app_context():
        find_brand("acme").max_value_minor = 1002  # tee-3 costs 1003, tee-4 1004
        set_excluded(find_brand("acme"), ["tee-3"], excluded=False)
        session.commit()
    assert dots(app, page) == {"tee-0": False, "tee-3": True, "tee-4": True}
    with app.app_context():
        make_product(find_brand("acme"), "nothing")
        find_brand("acme").catalog_changed()  # what a sync that adds it does
        session.commit()
    assert "nothing" in dots(app, page)


def test_the_link_is_read_once_with_its_brand_and_influencer(
    app: Flask, page: SimpleNamespace
) -> None:
    with counted(app) as statements:
        assert post_session(app, page.token, []).status_code == 200
    [link_query] = [s for s in statements if "influencer_link" in s]
    assert "brand" in link_query and "influencer" in link_query and "social_handle" in link_query


def test_revoking_a_link_stops_the_next_call(app: Flask, page: SimpleNamespace) -> None:
    assert post_session(app, page.token, ["h:tee-0"]).status_code == 200
    with app.app_context():
        revoke_link(session.get(InfluencerLink, page.link_id))
        session.commit()
    refused = post_session(app, page.token, ["h:tee-0"])
    assert refused.status_code == 401
    assert refused.get_json()["error"] == "link_revoked"
    assert "products" not in refused.get_json()


def test_a_token_of_another_brand_still_names_the_called_brand(
    app: Flask, page: SimpleNamespace
) -> None:
    """The link's brand comes with the link; a call naming another brand still checks that one."""
    with app.app_context():
        make_brand("rival", allowed_origins=[ORIGIN])
        session.commit()
    response = app.test_client().post(
        "/v1/session",
        json={"brand": "rival", "keys": []},
        headers={"Authorization": f"Bearer {page.token}", "Origin": ORIGIN},
    )
    assert response.status_code == 403
    assert response.get_json()["error"] == "wrong_brand"
    unknown = app.test_client().post(
        "/v1/session",
        json={"brand": "nobody", "keys": []},
        headers={"Authorization": f"Bearer {page.token}", "Origin": ORIGIN},
    )
    assert unknown.status_code == 404


def test_the_answer_built_by_hand_is_what_the_schema_dumps(
    app: Flask, page: SimpleNamespace
) -> None:
    with app.test_request_context():
        link = session.get(InfluencerLink, page.link_id)
        answer = start(link, ["h:tee-0", "h:tee-2"], [])
        assert link_answer(answer) == SessionResponse().dump(answer)
        assert answer["statuses"] and answer["products"]
