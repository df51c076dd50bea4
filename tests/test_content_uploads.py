"""Content with screenshots: checked by their bytes, stored by random name, for the brand only."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
from tests.review_helpers import login
from widget_server.brands.services import add_brand_user
from widget_server.db import session
from widget_server.influencers.models import InfluencerLink
from widget_server.influencers.tokens import sign_link
from widget_server.notifications.models import OutboxMessage
from widget_server.product_requests import lifecycle, states
from widget_server.product_requests.models import ContentScreenshot, ProductRequest
from widget_server.product_requests.uploads import MAX_SCREENSHOT_BYTES, read_screenshots

TEAM = "team@north.example"
PASSWORD = "correct horse battery"
PANEL_ORIGIN = "http://localhost"  # the test client's own origin: the panel's


def png(width: int = 2, height: int = 2) -> bytes:
    """A real, tiny PNG (what a browser decodes), built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def delivered(app, frozen_clock):
    """Ana's delivered request at north (and Ben's token, another influencer of north)."""
    with app.app_context():
        brand = make_brand("north", allowed_origins=["https://north.example"])
        add_brand_user(brand, TEAM, PASSWORD)
        add_brand_user(make_brand("south"), "team@south.example", PASSWORD)
        link, token = make_link(brand, make_influencer("ana@example.com", name="Ana Lima"))
        _ben_link, ben_token = make_link(brand, make_influencer("ben@example.com", name="Ben"))
        request = make_request(link, [make_product(brand).variants[0]])
        states.transition(request.id, states.APPROVED, TEAM)
        lifecycle.ship(request.id, TEAM, "UPS", "1Z999", "https://ups.example/t/1Z999")
        lifecycle.mark_delivered(request.id, "store")
        session.commit()
        return {"id": request.id, "token": token, "ben": ben_token, "link_id": link.id}


def upload_dir(app) -> Path:
    return Path(app.instance_path) / "uploads"


def stored_files(app) -> list[Path]:
    folder = upload_dir(app)
    return sorted(folder.iterdir()) if folder.exists() else []


def send(client, world, files=(), urls=(), token=None, origin=PANEL_ORIGIN):
    data = {"brand": "north", "urls": list(urls)}
    data["screenshots"] = [(io.BytesIO(body), name) for name, body in files]
    return client.post(
        f"/v1/requests/{world['id']}/content",
        data=data,
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {token or world['token']}", "Origin": origin},
    )


def test_a_png_is_stored_by_random_name_and_recorded(app, client, delivered):
    image = png()
    answer = send(client, delivered, [("my holiday.png", image)], ["https://insta.example/p/1"])
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "content_submitted"
    assert body["screenshot_count"] == 1
    assert body["content_urls"] == ["https://insta.example/p/1"]
    with app.app_context():
        (row,) = session.scalars(select(ContentScreenshot)).all()
        assert (row.request_id, row.content_type, row.size) == (
            delivered["id"],
            "image/png",
            len(image),
        )
        assert row.sha256 == hashlib.sha256(image).hexdigest()
        assert "holiday" not in row.stored_name and row.stored_name.endswith(".png")
    (path,) = stored_files(app)
    assert path.name == row.stored_name and path.read_bytes() == image


def test_a_screenshot_alone_is_enough_and_the_timeline_says_you(app, client, delivered):
    answer = send(client, delivered, [("a.png", png())])
    assert answer.status_code == 200, answer.get_json()
    timeline = answer.get_json()["timeline"]
    assert [(e["kind"], e["by"]) for e in timeline] == [
        ("submitted", "you"),
        ("approved", "the brand"),
        ("shipped", "the brand"),
        ("delivered", "the store"),
        ("content_submitted", "you"),
    ]
    assert all(TEAM not in str(event) and "ana@" not in str(event) for event in timeline)


def test_neither_url_nor_screenshot_is_refused(client, delivered):
    answer = send(client, delivered)
    assert answer.status_code == 422
    assert "urls" in answer.get_json()["errors"]


def test_a_php_file_named_png_is_refused_naming_the_file_and_nothing_is_kept(
    app, client, delivered
):
    script = b"<?php system($_GET['c']); ?>\n"
    answer = send(client, delivered, [("ok.png", png()), ("shell.png", script)])
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["error"] == "bad_screenshot"
    assert "shell.png" in body["message"]
    assert list(body["errors"]) == ["screenshots.1"]
    assert stored_files(app) == []
    with app.app_context():
        assert session.scalars(select(ContentScreenshot)).all() == []
        assert session.get(ProductRequest, delivered["id"]).status == "delivered"


def test_a_screenshot_over_five_megabytes_is_refused(app, client, delivered):
    big = png() + b"\x00" * MAX_SCREENSHOT_BYTES
    answer = send(client, delivered, [("huge.png", big)])
    assert answer.status_code == 400
    assert "huge.png is larger than 5 MB" in answer.get_json()["errors"]["screenshots.0"][0]
    assert stored_files(app) == []


def test_more_than_five_screenshots_are_refused(app, client, delivered):
    answer = send(client, delivered, [(f"{n}.png", png()) for n in range(6)])
    assert (answer.status_code, answer.get_json()["error"]) == (400, "too_many_screenshots")
    assert stored_files(app) == []


def test_another_influencers_request_is_not_found(app, client, delivered):
    answer = send(client, delivered, [("a.png", png())], token=delivered["ben"])
    assert answer.status_code == 404
    assert stored_files(app) == []


def test_the_wrong_status_is_409_and_leaves_no_file_or_row(app, client, delivered):
    assert send(client, delivered, [("a.png", png())]).status_code == 200
    again = send(client, delivered, [("b.png", png())])
    assert (again.status_code, again.get_json()["error"]) == (409, "wrong_status")
    assert len(stored_files(app)) == 1
    with app.app_context():
        assert len(session.scalars(select(ContentScreenshot)).all()) == 1


def test_uploads_come_from_the_panel_only(app, client, delivered):
    answer = send(client, delivered, [("a.png", png())], origin="https://north.example")
    assert answer.status_code == 403
    assert stored_files(app) == []


def test_webp_gif_and_jpeg_are_known_by_their_bytes(app, client, delivered):
    webp = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24
    files = [
        ("w.bin", webp),
        ("g", b"GIF89a" + b"\x00" * 20),
        ("j.txt", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
    ]
    answer = send(client, delivered, files)
    assert answer.status_code == 200, answer.get_json()
    with app.app_context():
        types = [
            row.content_type
            for row in session.scalars(select(ContentScreenshot).order_by(ContentScreenshot.id))
        ]
    assert types == ["image/webp", "image/gif", "image/jpeg"]


def test_the_brands_change_note_and_tracking_reach_my_requests(app, client, delivered):
    assert send(client, delivered, [], ["https://insta.example/p/1"]).status_code == 200
    with app.app_context():
        lifecycle.request_changes(delivered["id"], TEAM, "Please tag @north")
        session.commit()
    mine = client.get(
        "/v1/requests/mine?brand=north",
        headers={"Authorization": f"Bearer {delivered['token']}", "Sec-Fetch-Site": "same-origin"},
    ).get_json()["requests"][0]
    assert mine["status"] == "delivered"
    assert mine["changes_note"] == "Please tag @north"
    assert (mine["carrier"], mine["tracking_number"]) == ("UPS", "1Z999")
    assert mine["tracking_url"] == "https://ups.example/t/1Z999"
    assert mine["content_overdue"] is False
    assert mine["timeline"][-1] == {
        "kind": "changes_requested",
        "at": mine["timeline"][-1]["at"],
        "by": "the brand",
        "note": "Please tag @north",
    }


def test_a_non_http_tracking_url_is_not_given_out(app, client, delivered):
    with app.app_context():
        session.get(ProductRequest, delivered["id"]).tracking_url = "javascript:alert(1)"
        session.commit()
    mine = client.get(
        "/v1/requests/mine?brand=north",
        headers={"Authorization": f"Bearer {delivered['token']}", "Sec-Fetch-Site": "same-origin"},
    ).get_json()["requests"][0]
    assert mine["tracking_url"] is None


def test_json_content_still_works(app, client, delivered):
    with app.app_context():
        token = sign_link(session.get(InfluencerLink, delivered["link_id"]))
    answer = client.post(
        f"/v1/requests/{delivered['id']}/content",
        json={"brand": "north", "urls": ["https://insta.example/p/2"]},
        headers={"Authorization": f"Bearer {token}", "Origin": "https://north.example"},
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["screenshot_count"] == 0


def test_the_brand_sees_the_screenshot_and_no_other_brand_does(app, client, delivered):
    image = png()
    assert send(client, delivered, [("a.png", image)]).status_code == 200
    with app.app_context():
        shot_id = session.scalar(select(ContentScreenshot.id))
    url = f"/review/requests/{delivered['id']}/screenshots/{shot_id}"
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    login(client, TEAM, PASSWORD)
    page = client.get(f"/review/requests/{delivered['id']}").get_data(as_text=True)
    assert f'href="{url}"' in page and f'src="{url}"' in page
    served = client.get(url)
    assert served.status_code == 200 and served.data == image
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"] == "inline"
    assert served.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert (
        client.get(f"/review/requests/{delivered['id']}/screenshots/{shot_id + 1}").status_code
        == 404
    )
    client.delete_cookie("dots_review")
    login(client, "team@south.example", PASSWORD)
    assert client.get(url).status_code == 404


def test_emails_after_approval_link_the_standalone_page_with_the_token_in_the_fragment(
    app, delivered
):
    with app.app_context():
        token = sign_link(session.get(InfluencerLink, delivered["link_id"]))
        bodies = {
            row.template: row.text_body + row.html_body
            for row in session.scalars(
                select(OutboxMessage).where(OutboxMessage.to_addr == "ana@example.com")
            )
        }
    page = f"http://widget.test/v1/me/north#dots={token}"
    assert {"request_approved", "request_shipped", "request_delivered"} <= set(bodies)
    assert all(page in body for body in bodies.values())


def test_the_brands_email_counts_the_screenshots(app, client, delivered):
    assert send(client, delivered, [("a.png", png()), ("b.png", png())]).status_code == 200
    with app.app_context():
        (email,) = session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "request_content_submitted")
        ).all()
    assert "2 screenshots on the request's page" in email.text_body


def test_the_standalone_page_is_the_panel_in_page_mode(client, delivered):
    answer = client.get("/v1/me/north")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert 'data-mode="page"' in html and "nonce=" not in html
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["Cache-Control"] == "no-store"
    assert client.get("/v1/me/nobody").status_code == 404


def test_files_go_when_the_transaction_does_not_commit(app, delivered):
    with app.app_context():
        link = session.get(InfluencerLink, delivered["link_id"])
        shot = read_screenshots([FileStorage(io.BytesIO(png()), "a.png")])
        lifecycle.submit_content(link, delivered["id"], [], shot)
        assert len(stored_files(app)) == 1
        session.rollback()  # as when the commit fails: the unit of work rolls back
        assert stored_files(app) == []
        assert session.get(ProductRequest, delivered["id"]).status == "delivered"
    with app.app_context():
        link = session.get(InfluencerLink, delivered["link_id"])
        shot = read_screenshots([FileStorage(io.BytesIO(png()), "a.png")])
        lifecycle.submit_content(link, delivered["id"], [], shot)
        session.commit()
        session.get(ProductRequest, delivered["id"])  # a new transaction, then closed
        session.close()
    assert len(stored_files(app)) == 1
