"""Council management pages and the pure reading of their forms (STUB BACKENDS: see
conftest.py; the real services are exercised in tests/browser/test_staff_workflows.py)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi.testclient import TestClient

from ocop_portal.council.seating import fold, matching, members_from_form

SESSION = {
    "id": "s1",
    "name": "Hội đồng thử",
    "level": "provincial",
    "province_code": "37",
    "criteria_set": "qd-148-2023",
    "criteria_set_version": 2,
    "criteria_set_confirmed": False,
    "status": "open",
    "quorum": {"numerator": 3, "denominator": 4},
    "chair_required": True,
    "max_spread": 10,
    "members": [{"id": "m1", "name": "Chủ tịch An", "role": "chair", "account_id": "acc-1"}],
    "applications_count": 0,
}
CRITERIA_SET = {
    "id": "qd-148-2023",
    "version": 2,
    "decision_no": "148/QĐ-TTg",
    "title_vi": "Bộ tiêu chí đánh giá, phân hạng sản phẩm OCOP",
    "title_en": "OCOP criteria",
    "issued_on": "2023-02-24",
}
ACCOUNTS = {
    "items": [
        {"id": "acc-1", "username": "an", "display_name": "Chủ tịch An", "role": "council_member"},
        {"id": "acc-2", "username": "binh", "display_name": "Trần Bình", "role": "council_member"},
    ],
    "next_cursor": None,
}


def test_seats_are_read_from_accounts_and_typed_rows_and_empty_rows_are_left_out() -> None:
    form = [
        ("seat:acc-1", "chair"),
        ("name:acc-1", "Chủ tịch An"),
        ("seat:acc-2", ""),
        ("name:acc-2", "Trần Bình"),
        ("typed_name_1", " Chuyên gia Mời "),
        ("typed_role_1", "member"),
        ("typed_name_2", ""),
        ("typed_role_2", "member"),
        ("typed_name_3", "Ai đó"),
        ("typed_role_3", "president"),
    ]
    assert members_from_form(form) == [
        {"name": "Chủ tịch An", "role": "chair", "account_id": "acc-1"},
        {"name": "Chuyên gia Mời", "role": "member"},
    ]


def test_products_match_by_name_without_diacritics() -> None:
    products = [
        {"id": "p1", "name": "Chè shan tuyết Hồng Sơn", "producer": {"name": "HTX Chè"}},
        {"id": "p2", "name": "Nước mắm Đông Hải", "producer": {"name": "HTX Hải Đông"}},
    ]
    assert fold("Đồng Tháp") == "dong thap"
    assert [p["id"] for p in matching(products, "che hong son")] == ["p1"]
    assert [p["id"] for p in matching(products, "hai dong")] == ["p2"]
    assert matching(products, "   ") == []


def test_admin_creates_a_session_with_seats_and_a_refusal_shows_the_services_reason(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    stubs.on("registry", "GET", "/v1/accounts", ACCOUNTS)
    stubs.on("evaluation", "GET", "/v1/criteria-sets", [CRITERIA_SET])
    sign_in("admin")
    form = client.get("/council/new")
    assert form.status_code == 200
    assert "Trần Bình" in form.text and "Quyết định số 148/QĐ-TTg (2023)" in form.text

    nobody = client.post("/council/new", data={"level": "provincial", "province_code": "37"})
    assert nobody.status_code == 422 and "chủ tịch" in nobody.text
    assert stubs.requests_to("evaluation", "/v1/sessions") == []

    stubs.on("evaluation", "POST", "/v1/sessions", SESSION, status=201)
    created = client.post(
        "/council/new",
        data={
            "level": "provincial",
            "province_code": "37",
            "criteria_set": "qd-148-2023",
            "seat:acc-1": "chair",
            "name:acc-1": "Chủ tịch An",
            "typed_name_1": "Chuyên gia Mời",
            "typed_role_1": "member",
            "status": "draft",
        },
    )
    assert created.status_code == 303
    assert created.headers["location"] == "/council/sessions/s1?created=1"
    sent = stubs.last_json("evaluation", "/v1/sessions")
    assert sent["status"] == "draft" and sent["province_code"] == "37"
    assert sent["members"] == [
        {"name": "Chủ tịch An", "role": "chair", "account_id": "acc-1"},
        {"name": "Chuyên gia Mời", "role": "member"},
    ]

    problem = {
        "title": "Dữ liệu không hợp lệ",
        "detail": "Hội đồng phải có đúng một chủ tịch",
        "detail_en": "A council needs exactly one chair",
    }
    stubs.on("evaluation", "POST", "/v1/sessions", problem, status=422)
    refused = client.post(
        "/council/new",
        data={"level": "provincial", "typed_name_1": "Một người", "typed_role_1": "member"},
    )
    assert refused.status_code == 422
    assert "Hội đồng phải có đúng một chủ tịch" in refused.text


def test_officer_seats_adds_products_and_opens_the_session_through_the_pages(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    stubs.on("evaluation", "GET", "/v1/sessions/s1", SESSION)
    stubs.on("evaluation", "GET", "/v1/sessions/s1/applications", {"items": []})
    stubs.on("evaluation", "GET", "/v1/criteria-sets/qd-148-2023", CRITERIA_SET)
    stubs.on("evaluation", "GET", "/v1/products/due", {"items": []})
    stubs.on("registry", "GET", "/v1/accounts", {"title": "Không có quyền"}, status=403)
    stubs.on(
        "registry",
        "GET",
        "/v1/products",
        {
            "items": [
                {"id": "p1", "name": "Chè shan tuyết Hồng Sơn", "producer": {"name": "HTX"}},
                {"id": "p2", "name": "Mật ong", "producer": {"name": "Hộ Lan"}},
            ],
            "next_cursor": None,
        },
    )
    sign_in("province_officer", province_code="37")
    page = client.get("/council/sessions/s1", params={"q": "che shan"})
    assert page.status_code == 200
    assert "Bộ tiêu chí đánh giá, phân hạng sản phẩm OCOP — Quyết định số 148/QĐ-TTg" in page.text
    assert 'value="p1"' in page.text and 'value="p2"' not in page.text
    assert "Danh sách tài khoản chỉ quản trị viên xem được" in page.text

    stubs.on("evaluation", "POST", "/v1/sessions/s1/members", [{"id": "m2"}], status=201)
    seated = client.post(
        "/council/sessions/s1/members",
        data={"typed_name_1": "Ủy viên Bình", "typed_role_1": "member"},
    )
    assert seated.headers["location"] == "/council/sessions/s1?done=members"
    assert stubs.last_json("evaluation", "/v1/sessions/s1/members") == {
        "members": [{"name": "Ủy viên Bình", "role": "member"}]
    }

    stubs.on("evaluation", "POST", "/v1/sessions/s1/applications", {"id": "a1"}, status=201)
    added = client.post("/council/sessions/s1/applications", data={"product_id": ["p1", "p1"]})
    assert added.headers["location"] == "/council/sessions/s1?done=products%3A1"
    assert len(stubs.requests_to("evaluation", "/v1/sessions/s1/applications")) == 2  # GET + 1 POST

    def status_change(request: httpx.Request) -> httpx.Response:
        assert request.headers["if-match"] == '"s1-3"'
        assert json.loads(request.content) == {"status": "closed"}
        return httpx.Response(200, json={**SESSION, "status": "closed"})

    stubs.handler(
        "evaluation",
        "GET",
        "/v1/sessions/s1",
        lambda _: httpx.Response(200, json=SESSION, headers={"ETag": '"s1-3"'}),
    )
    stubs.handler("evaluation", "POST", "/v1/sessions/s1/status", status_change)
    closed = client.post("/council/sessions/s1/status", data={"status": "closed"})
    assert closed.headers["location"] == "/council/sessions/s1?done=status%3Aclosed"


def test_decision_button_is_disabled_with_the_services_reasons_until_the_quorum(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    application = {
        "id": "a1",
        "product_name": "Mật ong",
        "status": "open",
        "sheets_submitted": 0,
        "criteria": [],
    }
    stubs.on("evaluation", "GET", "/v1/sessions/s1", SESSION)
    stubs.on("evaluation", "GET", "/v1/sessions/s1/applications/a1", application)
    stubs.on("evaluation", "GET", "/v1/sessions/s1/applications/a1/scores", [])
    stubs.on("evaluation", "GET", "/v1/criteria-sets/qd-148-2023", CRITERIA_SET)
    readiness = {
        "ready": False,
        "required": 3,
        "received": 0,
        "scoring_members": 3,
        "chair_required": True,
        "chair_scored": False,
        "incomplete_sheets": 0,
        "reasons": [
            {"code": "quorum", "message": "Chưa đủ túc số: cần 3/3", "message_en": "No quorum"}
        ],
    }
    url = "/v1/sessions/s1/applications/a1/decision-readiness"
    stubs.on("evaluation", "GET", url, readiness)
    sign_in("admin")
    page = client.get("/council/sessions/s1/applications/a1/decision")
    assert 'id="decide" disabled' in page.text and "Chưa đủ túc số: cần 3/3" in page.text
    english = client.get("/council/sessions/s1/applications/a1/decision?lang=en")
    assert "No quorum" in english.text
    stubs.on("evaluation", "GET", url, {**readiness, "ready": True, "reasons": []})
    ready = client.get("/council/sessions/s1/applications/a1/decision")
    assert 'id="decide" disabled' not in ready.text and 'id="decide"' in ready.text
