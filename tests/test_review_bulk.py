"""Many requests at once on the review site: bulk approve/deny, the fulfilment export,
shipping from a CSV, the webhook delivery log and the fuller track record."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
from tests.review_helpers import csrf_token, login
from tests.webhook_receiver import Receiver
from widget_server import clock
from widget_server.brands.services import add_brand_user
from widget_server.db import engine, session
from widget_server.notifications.sender import send_due
from widget_server.product_requests import lifecycle, states
from widget_server.product_requests.models import ProductRequest, RequestEvent
from widget_server.review.queries import TrackRecord, track_records
from widget_server.store_sync.webhook_settings import set_webhook

PASSWORD = "correct horse battery"
TEAM = "team@acme.example"


def _brand(slug: str) -> SimpleNamespace:
    brand = make_brand(slug, max_items=5, max_value="1000.00")
    add_brand_user(brand, f"team@{slug}.example", PASSWORD)
    return SimpleNamespace(brand=brand, products=[])


def _product(shop: SimpleNamespace, title: str, variant: str, sku: str) -> object:
    product = make_product(shop.brand, prices=(1999,))
    product.title = title
    product.variants[0].title, product.variants[0].sku = variant, sku
    session.commit()
    return product.variants[0]


@pytest.fixture
def shop(app, frozen_clock):
    """acme: Zoë's three pending requests (accented products), one denied; rival: one pending."""
    with app.app_context():
        acme, rival = _brand("acme"), _brand("rival")
        zoe = make_influencer(
            name="Zoë Müller",
            handles=[
                {"platform": "instagram", "handle": "zoe.mueller", "followers": 12000},
                {"platform": "tiktok", "handle": "zoe", "followers": 3000},
            ],
        )
        acme.link, _ = make_link(acme.brand, zoe)
        acme.email = zoe.email
        address = {
            "name": "@Zoë Müller",
            "line1": "=1+1 Straße 5",
            "line2": "",
            "city": "München",
            "region": "",
            "postal_code": "80331",
            "country": "DE",
            "phone": "+49 89 123456",
        }
        variants = [
            _product(acme, "Été Jacket", "Größe M", "ETE-M"),
            _product(acme, "日本 Tea Set", "Standard", "JP-TEA"),
            _product(acme, "Crème Scarf", "One size", "CR-1"),
            _product(acme, "Wool Hat", "L", "HAT-L"),
        ]
        acme.first = make_request(acme.link, [variants[0], variants[1]], shipping_address=address)
        acme.second = make_request(acme.link, [variants[2]], shipping_address=address)
        acme.third = make_request(acme.link, [variants[3]], shipping_address=address)
        acme.denied = make_request(acme.link, [_product(acme, "Cap", "S", "CAP")])
        states.transition(acme.denied.id, states.DENIED, TEAM, "Budget")
        session.commit()
        rival.link, _ = make_link(rival.brand, make_influencer(name="Rival Person"))
        rival.pending = make_request(rival.link, [_product(rival, "Rival Secret", "X", "RS-1")])
        return SimpleNamespace(acme=acme, rival=rival)


@pytest.fixture
def acme_client(client, shop):
    login(client, TEAM, PASSWORD)
    return client


def _flashes(client) -> str:
    html = client.get("/review/fulfilment").get_data(as_text=True)
    return " ".join(re.findall(r'<p class="flash [a-z]+"[^>]*>([^<]*)</p>', html))


def _decide(client, ids, action, **fields):
    token = csrf_token(client, "/review/")
    data = {"csrf_token": token, "ids": [str(i) for i in ids], "action": action, **fields}
    return client.post("/review/bulk/decide", data=data)


def _status(app, request_id: int) -> str:
    with app.app_context():
        return session.get(ProductRequest, request_id).status


# --- bulk approve and deny ---------------------------------------------------------------


def test_bulk_approve_moves_the_selected_and_reports_the_rest(smtp_app, acme_client, shop, smtp):
    acme, rival = shop.acme, shop.rival
    ids = [acme.first.id, acme.second.id, acme.denied.id, rival.pending.id, acme.first.id]
    response = _decide(acme_client, ids, "approve")
    assert response.status_code == 302 and response.headers["Location"].endswith("/review/")
    flashes = _flashes(acme_client)
    assert f"Approved 2 requests (#{acme.first.id}, #{acme.second.id})" in flashes
    assert f"#{acme.denied.id} (already denied)" in flashes
    assert f"Not found among your requests: #{rival.pending.id}." in flashes
    assert "Rival Person" not in flashes
    for rid, status in [
        (acme.first.id, "approved"),
        (acme.second.id, "approved"),
        (acme.third.id, "pending"),
        (acme.denied.id, "denied"),
        (rival.pending.id, "pending"),
    ]:
        assert _status(smtp_app, rid) == status
    with smtp_app.app_context():
        events = session.scalars(
            select(RequestEvent).where(RequestEvent.kind == "approved").order_by(RequestEvent.id)
        ).all()
        assert [(e.request_id, e.actor) for e in events] == [
            (acme.first.id, TEAM),
            (acme.second.id, TEAM),
        ]
        assert not session.scalars(
            select(RequestEvent).where(RequestEvent.request_id == rival.pending.id)
        ).all()[1:]  # only its "submitted" event
        send_due()
    approvals = [m for m in smtp.messages if "approved" in str(m.message["Subject"]).lower()]
    assert len(approvals) == 2
    assert {m.rcpt_tos for m in approvals} == {(acme.email,)}


def test_bulk_deny_sends_the_reason_to_each(smtp_app, acme_client, shop, smtp):
    acme = shop.acme
    reason = "Our gifting budget for this period is used up"
    response = _decide(
        acme_client, [acme.second.id, acme.third.id], "deny", reason=reason, details="Next month!"
    )
    assert response.status_code == 302
    assert "Denied 2 requests" in _flashes(acme_client)
    with smtp_app.app_context():
        for rid in (acme.second.id, acme.third.id):
            request = session.get(ProductRequest, rid)
            assert request.status == "denied"
            assert states.denial_reason(request) == f"{reason}. Next month!"
        send_due()
    denials = [m for m in smtp.messages if reason in m.message.get_body(("plain",)).get_content()]
    assert len(denials) == 2
    assert _status(smtp_app, acme.first.id) == "pending"


def test_bulk_refuses_bad_forms_and_changes_nothing(app, acme_client, shop):
    acme = shop.acme
    token = csrf_token(acme_client, "/review/")
    no_csrf = acme_client.post(
        "/review/bulk/decide", data={"ids": [str(acme.first.id)], "action": "approve"}
    )
    assert no_csrf.status_code == 400
    for data in (
        {"ids": [], "action": "approve"},
        {"ids": [str(i) for i in range(1, 102)], "action": "approve"},
        {"ids": ["x"], "action": "approve"},
        {"ids": ["0"], "action": "approve"},
        {"ids": [str(acme.first.id)], "action": "cancel"},
        {"ids": [str(acme.first.id)], "action": "deny", "reason": "made up"},
    ):
        response = acme_client.post("/review/bulk/decide", data={"csrf_token": token, **data})
        assert response.status_code == 400, data
    assert _status(app, acme.first.id) == "pending"


def test_an_overdue_request_is_reported_expired_not_approved(app, acme_client, shop, frozen_clock):
    later = frozen_clock + timedelta(days=30)
    with clock.frozen_at(later):
        login(acme_client, TEAM, PASSWORD)
        _decide(acme_client, [shop.acme.first.id], "approve")
        assert f"#{shop.acme.first.id} (expired)" in _flashes(acme_client)
    assert _status(app, shop.acme.first.id) == "pending"  # the sweeper expires it


def test_the_pending_list_has_the_bulk_form_and_a_checkbox_per_request(acme_client, shop):
    html = acme_client.get("/review/").get_data(as_text=True)
    assert 'id="bulk-form"' in html and "Approve selected" in html and "Deny selected" in html
    boxes = re.findall(r'<input type="checkbox" name="ids" value="(\d+)" form="bulk-form"', html)
    assert sorted(map(int, boxes)) == sorted(
        [shop.acme.first.id, shop.acme.second.id, shop.acme.third.id]
    )


# --- the fulfilment export ---------------------------------------------------------------


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the accents
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_fulfilment_csv_has_one_row_per_item_with_accents_and_address(app, acme_client, shop):
    acme = shop.acme
    _decide(acme_client, [acme.first.id, acme.second.id], "approve")
    response = acme_client.get("/review/fulfilment.csv")
    assert 'filename="acme-fulfilment-' in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert [(r["request id"], r["product"], r["variant"], r["sku"]) for r in rows] == [
        (str(acme.second.id), "Crème Scarf", "One size", "CR-1"),
        (str(acme.first.id), "Été Jacket", "Größe M", "ETE-M"),
        (str(acme.first.id), "日本 Tea Set", "Standard", "JP-TEA"),
    ]
    first = rows[1]
    with app.app_context():
        item = session.get(ProductRequest, acme.first.id).items[0]
        assert first["store variant id"] == item.variant.store_id
    assert first["influencer"] == "Zoë Müller"
    assert first["handles"] == "Instagram @zoe.mueller; TikTok @zoe"
    assert (first["quantity"], first["unit price"], first["currency"]) == ("1", "19.99", "USD")
    assert first["status"] == "approved" and first["reason"] == ""
    # The address, with its formula-looking cells neutralised.
    assert first["ship to"] == "'@Zoë Müller"
    assert first["address line 1"] == "'=1+1 Straße 5"
    assert (first["city"], first["postal code"], first["phone"]) == (
        "München",
        "80331",
        "'+49 89 123456",
    )
    text = response.get_data(as_text=True)
    assert "Rival" not in text and "Wool Hat" not in text  # another brand; a pending request


def test_fulfilment_csv_filters_by_status_and_day_and_never_leaks_addresses(
    app, acme_client, shop, frozen_clock
):
    denied = _csv(acme_client.get("/review/fulfilment.csv?status=denied"))
    assert [(r["request id"], r["reason"]) for r in denied] == [
        (str(shop.acme.denied.id), "Budget")
    ]
    assert all(denied[0][key] == "" for key in ("ship to", "address line 1", "city", "phone"))
    assert _csv(acme_client.get("/review/fulfilment.csv")) == []  # nothing approved yet
    _decide(acme_client, [shop.acme.first.id], "approve")
    today = frozen_clock.date()
    tomorrow = today + timedelta(days=1)
    assert len(_csv(acme_client.get(f"/review/fulfilment.csv?start={today}&end={today}"))) == 2
    assert _csv(acme_client.get(f"/review/fulfilment.csv?start={tomorrow}")) == []
    for bad in ("status=pending", "start=yesterday", "status=approved&x=1"):
        assert acme_client.get(f"/review/fulfilment.csv?{bad}").status_code == 400, bad


def test_fulfilment_needs_sign_in(client, shop):
    for url in ("/review/fulfilment.csv", "/review/fulfilment", "/review/webhooks"):
        response = client.get(url)
        assert response.status_code == 302 and "/review/login" in response.headers["Location"]


# --- shipping from a CSV -----------------------------------------------------------------


def _upload(client, text: str, name: str = "shipped.csv"):
    token = csrf_token(client, "/review/fulfilment")
    return client.post(
        "/review/shipments",
        data={"csrf_token": token, "file": (io.BytesIO(text.encode("utf-8")), name)},
        content_type="multipart/form-data",
    )


def _confirm_text(html: str) -> str:
    match = re.search(r'<input id="text" name="text" type="hidden" value="([^"]*)"', html)
    assert match, "no confirm form"
    import html as html_module

    return html_module.unescape(match.group(1))


def test_shipping_csv_preview_shows_each_rows_problem_then_confirm_ships(
    smtp_app, acme_client, shop, smtp
):
    acme, rival = shop.acme, shop.rival
    _decide(acme_client, [acme.first.id, acme.second.id], "approve")
    text = (
        "\ufeffRequest ID,CARRIER,tracking_number,Tracking URL\n"
        f"{acme.first.id},DHL,JD0001,https://dhl.example/t/JD0001\n"
        f"{acme.first.id},DHL,JD0001,https://dhl.example/t/JD0001\n"
        f"{acme.second.id},UPS,1Z999,\n"
        f"{acme.third.id},UPS,1Z998,\n"
        f"{rival.pending.id},UPS,1Z997,\n"
        "99999,UPS,1Z996,\n"
        f"{acme.second.id},,1Z995,\n"
        f"{acme.second.id},UPS,1Z994,javascript:alert(1)\n"
        "abc,UPS,1Z993,\n"
    )
    preview = _upload(acme_client, text)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "2 requests ready to mark shipped" in html and "6 rows with errors" in html
    for problem in (
        "Same as line 2",
        "not awaiting shipment (it is pending)",
        "unknown request id",
        "missing carrier",
        "tracking url: ",
        "request id: not a request number",
    ):
        assert problem in html, problem
    assert html.count("unknown request id") == 2  # the rival's request reads as unknown
    assert "Rival" not in html
    assert _status(smtp_app, acme.first.id) == "approved"  # the preview writes nothing

    token = csrf_token(acme_client, "/review/fulfilment")
    done = acme_client.post(
        "/review/shipments/confirm", data={"csrf_token": token, "text": _confirm_text(html)}
    )
    assert done.status_code == 302
    flashes = _flashes(acme_client)
    assert f"Marked 2 requests shipped (#{acme.first.id}, #{acme.second.id})" in flashes
    assert "6 row(s) with errors were skipped" in flashes
    with smtp_app.app_context():
        first = session.get(ProductRequest, acme.first.id)
        assert (first.status, first.carrier, first.tracking_number, first.tracking_url) == (
            "shipped",
            "DHL",
            "JD0001",
            "https://dhl.example/t/JD0001",
        )
        second = session.get(ProductRequest, acme.second.id)
        assert (second.status, second.carrier, second.tracking_url) == ("shipped", "UPS", None)
        assert session.get(ProductRequest, rival.pending.id).status == "pending"
        shipped_events = session.scalars(
            select(RequestEvent.request_id).where(RequestEvent.kind == "shipped")
        ).all()
        assert sorted(shipped_events) == sorted([acme.first.id, acme.second.id])
        send_due()
    shipped_mail = [
        m for m in smtp.messages if "JD0001" in m.message.get_body(("plain",)).get_content()
    ]
    assert len(shipped_mail) == 1

    # The same file again: both are shipped now, so nothing is left to confirm.
    again = _upload(acme_client, text).get_data(as_text=True)
    assert "0 requests ready" in again and "not awaiting shipment (it is shipped)" in again
    assert "/review/shipments/confirm" not in again


def test_shipping_csv_refuses_bad_files(acme_client, shop):
    no_header = _upload(acme_client, f"{shop.acme.first.id},DHL,1\n").get_data(as_text=True)
    assert "missing: request id, carrier, tracking number" in no_header
    _decide(acme_client, [shop.acme.first.id], "approve")
    rid = shop.acme.first.id
    conflicting = _upload(
        acme_client, f"request id,carrier,tracking number\n{rid},DHL,1\n{rid},DHL,2\n"
    ).get_data(as_text=True)
    assert "line 2 ships this request with other tracking" in conflicting
    big = _upload(acme_client, "request id,carrier,tracking number\n" + "1,DHL,1\n" * 27000)
    assert big.status_code == 400 and "over 200 KB" in big.get_data(as_text=True)
    latin1 = acme_client.post(
        "/review/shipments",
        data={
            "csrf_token": csrf_token(acme_client, "/review/fulfilment"),
            "file": (
                io.BytesIO("request id,carrier,tracking number\n1,Gödel,1\n".encode("latin-1")),
                "x.csv",
            ),
        },
        content_type="multipart/form-data",
    )
    assert latin1.status_code == 400 and "UTF-8" in latin1.get_data(as_text=True)
    many = "request id,carrier,tracking number\n" + "".join(
        f"{i},DHL,{i}\n" for i in range(1, 2100)
    )
    assert "Only the first 2,000 rows are read" in _upload(acme_client, many).get_data(as_text=True)
    forged = acme_client.post(
        "/review/shipments/confirm", data={"text": "request id,carrier,tracking number\n"}
    )
    assert forged.status_code == 400  # no CSRF token


# --- the webhook delivery log ------------------------------------------------------------


def test_the_delivery_log_shows_delivered_retrying_and_is_brand_scoped(app, client, shop):
    receiver = Receiver().start()
    try:
        app.config["ALLOW_PRIVATE_URLS"] = True
        with app.app_context():
            for slug, url in (("acme", receiver.url), ("rival", receiver.url)):
                brand = shop.acme.brand if slug == "acme" else shop.rival.brand
                set_webhook(session.merge(brand), url)
            session.commit()
            states.transition(shop.acme.first.id, states.APPROVED, TEAM)
            states.transition(shop.rival.pending.id, states.APPROVED, "team@rival.example")
            session.commit()
            assert len(send_due().sent) >= 2
            receiver.status = 503
            states.transition(shop.acme.second.id, states.APPROVED, TEAM)
            session.commit()
            send_due()
            member = add_brand_user(session.merge(shop.acme.brand), "member@acme.example", PASSWORD)
            member.role = "member"
            session.commit()
    finally:
        receiver.stop()
    login(client, "member@acme.example", PASSWORD)
    page = client.get("/review/webhooks")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td>(request\.[a-z_]+)</td>\s*<td><a [^>]*>#(\d+)</a>", html)
    assert ("request.approved", str(shop.acme.first.id)) in rows
    assert ("request.approved", str(shop.acme.second.id)) in rows
    assert str(shop.rival.pending.id) not in {rid for _, rid in rows}
    assert "delivered" in html and "retrying" in html and "next try" in html
    assert "HTTP 503" in html and ">503<" in html and ">200<" in html
    assert receiver.url in html


# --- the track record --------------------------------------------------------------------


def test_track_record_counts_every_outcome_in_one_query(app, client, shop, frozen_clock):
    acme = shop.acme
    with app.app_context():
        link = session.merge(acme.link)
        more = [_product(acme, f"Extra {i}", "M", f"EX-{i}") for i in range(3)]
        on_time = make_request(link, [more[0]])
        late = make_request(link, [more[1]])
        for rid in (on_time.id, late.id):
            states.transition(rid, states.APPROVED, TEAM)
            lifecycle.ship(rid, TEAM, "DHL", f"T{rid}", None)
            lifecycle.mark_delivered(rid, TEAM)
        session.commit()
        lifecycle.submit_content(link, on_time.id, ["https://instagram.com/p/ok"])
        withdrawn = make_request(link, [more[2]])
        states.transition(withdrawn.id, states.WITHDRAWN, link.influencer.email)
        session.commit()
    with app.app_context(), clock.frozen_at(frozen_clock + timedelta(days=20)):
        link = session.merge(acme.link)
        lifecycle.submit_content(link, late.id, ["https://instagram.com/p/late"])
        session.commit()
        statements = []

        def count(*_args) -> None:
            statements.append(1)

        event.listen(engine(), "before_cursor_execute", count)
        try:
            records = track_records(acme.brand.id, {link.influencer_id, 999_999})
        finally:
            event.remove(engine(), "before_cursor_execute", count)
        assert len(statements) == 1
        # 3 first pendings (now expired: 20 days on) + denied + on_time + late + withdrawn.
        assert records == {
            link.influencer_id: TrackRecord(
                requests=7,
                approved=2,
                denied=1,
                expired=3,
                withdrawn=1,
                delivered=2,
                content_due=2,
                content_on_time=1,
            )
        }
    login(client, TEAM, PASSWORD)
    html = client.get(f"/review/requests/{acme.first.id}").get_data(as_text=True)
    line = re.search(r'data-testid="track-record">(.*?)</p>', html, re.S).group(1)
    assert " ".join(line.split()) == (
        "At Acme: 7 requests · 2 approved · 1 denied · 1 withdrawn · 2 delivered"
    )
    # Content on time moved to the history line, with the ratings and collaborations.
    history = re.search(r'data-testid="history-delivery">(.*?)</li>', html, re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", "", history).split()) == "content on time 1 of 2 (50%)"
    index = client.get("/review/").get_data(as_text=True)
    assert index.count('data-testid="track-record"') == 3


def test_the_store_settings_page_links_to_the_delivery_log(acme_client, shop):
    html = acme_client.get("/review/settings/store").get_data(as_text=True)
    assert 'href="/review/webhooks"' in html and "No webhook is set." in html
