"""The API document tells the truth: Schemathesis fuzzes every operation against it.

Each operation of ``/v1/openapi.json`` gets generated calls (valid and invalid)
through the WSGI app, with a valid link token and the brand's store origin;
most calls name the brand (a dictionary binding), the rest a random slug. A
run fails on any 5xx, and on any answer whose status, content type, headers or
body the document does not declare. The number of examples is bounded so the
whole run stays well under a minute on the project's 2-core machines.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from tests.conftest import empty_tables, make_test_app
from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
from widget_server.db import session
from widget_server.ratelimit import DEFAULT_LIMITS

ORIGIN = "https://acme.example"
#: Generated calls per operation and phase (examples, coverage, fuzzing): about 20 s in all.
MAX_EXAMPLES = 40
#: What the run holds the server to: no 5xx, and nothing the document does not say.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "ignored_auth",
    "unsupported_method",
)


def _document() -> dict:
    """The served document, read once at collection (it depends on no database).

    Loaded here rather than from a fixture: Schemathesis' fixture loader does
    not run under pytest 9; the calls still go to each test's own app.
    """
    with tempfile.TemporaryDirectory() as folder:
        app = make_test_app(f"sqlite:///{folder}/doc.sqlite3", Path(folder) / "instance")
        return app.test_client().get("/v1/openapi.json").get_json()


#: Ids the fixture gives its variants, so generated requests can name real products.
VARIANT_IDS = [900_000 + n for n in range(6)]
#: Most generated calls use values the server accepts, so success paths are fuzzed too.
LIKELY = 0.8
CONFIG = SchemathesisConfig.from_dict(
    {
        "dictionaries": {
            "brands": {"values": ["acme"]},
            "variants": {"values": VARIANT_IDS},
            "platforms": {"values": ["instagram"]},
            "days": {"values": [(date.today() + timedelta(days=d)).isoformat() for d in (2, 30)]},
        },
        "parameters": {
            "query.brand": {"dictionary": "brands", "probability": LIKELY},
            "body.brand": {"dictionary": "brands", "probability": LIKELY},
            "body.items[*].variant_id": {"dictionary": "variants", "probability": LIKELY},
            "body.proposal.platforms[*]": {"dictionary": "platforms", "probability": LIKELY},
            "body.proposal.publish_on": {"dictionary": "days", "probability": LIKELY},
        },
        "generation": {"max-examples": MAX_EXAMPLES, "allow-x00": True, "deterministic": True},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
    }
)


class CurrentApp:
    """A WSGI app that passes each call on to the app of the test now running."""

    app: Flask | None = None

    def __call__(self, environ: dict, start_response: Any) -> Any:
        assert self.app is not None, "no test app set"
        return self.app(environ, start_response)


CURRENT = CurrentApp()
schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)
schema.app = CURRENT  # calls and Schemathesis' own probes go through WSGI, in process


@pytest.fixture
def fuzz_app(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """The app with brand ``acme``, a link, products and a request; limits raised.

    Yields the app and the link's token.
    """
    app = make_test_app(
        database_url, tmp_path / "instance", **{key: "100000/minute" for key in DEFAULT_LIMITS}
    )
    with app.app_context():
        brand = make_brand("acme", max_items=3, max_value="1000.00")
        link, token = make_link(brand, make_influencer())
        products = [make_product(brand, prices=(1500, 2500), sizes=("S", "M")) for _ in range(3)]
        variants = [variant for product in products for variant in product.variants]
        for variant, ident in zip(variants, VARIANT_IDS, strict=True):
            variant.id = ident
        session.commit()
        make_request(link, [variants[0]])
    yield app, token
    empty_tables(app)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_matches_the_document(
    case: schemathesis.Case, fuzz_app: tuple[Flask, str]
) -> None:
    CURRENT.app, token = fuzz_app
    # From the brand's store page; the panel's own calls come from the widget's origin.
    page = {"Sec-Fetch-Site": "same-origin"} if "/panel/" in case.path else {"Origin": ORIGIN}
    # Plain bodies: the in-process WSGI transport does not decode brotli or gzip
    # (tests/test_compression.py checks those).
    plain = {"Accept-Encoding": "identity"}
    case.call_and_validate(headers={"Authorization": f"Bearer {token}", **page, **plain})


def test_the_document_declares_errors_auth_and_headers(client):
    doc = client.get("/v1/openapi.json").get_json()
    error = doc["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"status", "error", "message", "errors"}
    assert set(error["required"]) == {"status", "error", "message"}
    assert doc["components"]["securitySchemes"]["linkToken"] == {
        **doc["components"]["securitySchemes"]["linkToken"],
        "type": "http",
        "scheme": "bearer",
    }
    widget_calls = {
        ("/v1/session", "post"),
        ("/v1/catalog", "get"),
        ("/v1/requests", "post"),
        ("/v1/requests/mine", "get"),
        ("/v1/panel/profile", "get"),
    }
    for path, method in widget_calls:
        operation = doc["paths"][path][method]
        statuses = set(operation["responses"])
        assert {"400", "401", "403", "404", "413", "422", "429"} <= statuses, (path, statuses)
        assert "default" not in statuses
        assert operation["security"] == [{"linkToken": []}]
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                schema_ref = response["content"]["application/json"]["schema"]["$ref"]
                assert schema_ref == "#/components/schemas/Error", (path, status)
        assert "Retry-After" in operation["responses"]["429"]["headers"]
    submit = doc["paths"]["/v1/requests"]["post"]
    assert "409" in submit["responses"]
    assert [p["name"] for p in submit["parameters"] if p["in"] == "header"] == ["Idempotency-Key"]
    assert "503" in doc["paths"]["/v1/health"]["get"]["responses"]
    assert json.dumps(doc)  # serialisable as served
