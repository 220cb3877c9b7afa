"""Sign-in says why it is asked and keeps the other ways out of production; the password reset
pages send codes and passwords to the registry (STUB BACKENDS: see conftest.py; the real
registry is exercised in services/registry/tests/test_password_reset.py and the browser suite)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from ocop_kit.auth import decode_token, issue_token
from ocop_kit.revocation import TokenVersions
from ocop_portal.app import create_app


def test_the_reason_for_signing_in_is_said_in_both_languages(client: TestClient) -> None:
    plain = client.get("/sign-in").text
    assert "sign-in-reason" not in plain
    assert (
        "Bạn cần đăng nhập để xem bảng số liệu OCOP" in client.get("/sign-in?next=/dashboard").text
    )
    english = client.get("/sign-in?next=/sync&lang=en").text
    assert "Please sign in to see the marketplace sync status." in english
    assert (
        "Bạn cần đăng nhập để mở trang này"
        in client.get("/sign-in?next=/products/x/edit&lang=vi").text
    )


def test_token_paste_and_dev_sign_in_are_tucked_away_and_absent_in_production(
    settings: Any, stubs: Any
) -> None:
    with TestClient(create_app(settings, httpx.MockTransport(stubs))) as dev:
        page = dev.get("/sign-in").text
        assert page.index('<details class="other-ways"') < page.index('id="token-sign-in"')
        assert page.index('id="password-sign-in"') < page.index("<details")
    production = settings.model_copy(update={"dev_sign_in": False, "environment": "production"})
    with TestClient(create_app(production, httpx.MockTransport(stubs))) as live:
        page = live.get("/sign-in").text
        assert "token-sign-in" not in page and "other-ways" not in page
        token = issue_token(production, "admin")
        refused = live.post("/sign-in", data={"token": token})
        assert refused.status_code == 403 and "ocop_token" not in live.cookies


def test_dev_sign_in_chooses_a_council_member_by_name(
    client: TestClient, settings: Any, stubs: Any
) -> None:
    sessions = {
        "items": [
            {
                "id": "s1",
                "name": "Hội đồng tỉnh",
                "members": [{"id": "m-7", "name": "Đỗ Thị Hoa", "role": "chair"}],
            }
        ]
    }
    stubs.on("evaluation", "GET", "/v1/sessions", sessions)
    page = client.get("/sign-in").text
    assert '<option value="m-7">Đỗ Thị Hoa (Chủ tịch) — Hội đồng tỉnh</option>' in page
    signed = client.post("/sign-in/dev", data={"role": "council_member", "member_id": "m-7"})
    assert signed.status_code == 303
    principal = decode_token(settings, TokenVersions(settings), client.cookies["ocop_token"])
    assert (principal.subject, principal.name) == ("m-7", "Đỗ Thị Hoa")
    unknown = client.post("/sign-in/dev", data={"role": "council_member", "member_id": "nope"})
    assert unknown.status_code == 400


def test_password_reset_page_sends_the_code_and_shows_the_registrys_reason(
    client: TestClient, stubs: Any
) -> None:
    form = client.get("/password-reset?code=abc123")
    assert 'value="abc123"' in form.text
    mismatch = client.post(
        "/password-reset", data={"code": "abc123", "password": "a" * 12, "password_again": "b" * 12}
    )
    assert mismatch.status_code == 422 and "không giống nhau" in mismatch.text
    assert stubs.requests_to("registry", "/v1/auth/password-reset") == []
    weak = {
        "title": "Mật khẩu không dùng được",
        "errors": [
            {"field": "password", "message": "Mật khẩu quá phổ biến", "message_en": "Too common"}
        ],
    }
    stubs.on("registry", "POST", "/v1/auth/password-reset", weak, status=422)
    refused = client.post(
        "/password-reset",
        data={"code": "abc123", "password": "password1234", "password_again": "password1234"},
    )
    assert refused.status_code == 422 and "Mật khẩu quá phổ biến" in refused.text
    stubs.on("registry", "POST", "/v1/auth/password-reset", {"username": "lan"})
    done = client.post(
        "/password-reset",
        data={"code": " abc123 ", "password": "x" * 20, "password_again": "x" * 20},
    )
    assert done.status_code == 303 and done.headers["location"] == "/sign-in?reset=1"
    assert stubs.last_json("registry", "/v1/auth/password-reset") == {
        "code": "abc123",
        "password": "x" * 20,
    }
    assert "Đã đặt mật khẩu mới" in client.get("/sign-in?reset=1").text


def test_only_an_admin_issues_reset_codes_and_sees_the_link_once(
    client: TestClient, stubs: Any, sign_in: Any
) -> None:
    accounts = {
        "items": [{"id": "a1", "username": "lan", "role": "province_officer", "active": True}]
    }
    stubs.on("registry", "GET", "/v1/accounts", accounts)
    stubs.on(
        "registry",
        "POST",
        "/v1/accounts/a1/password-reset",
        {
            "account_id": "a1",
            "username": "lan",
            "code": "c0de",
            "expires_at": "2026-12-03T00:00:00Z",
        },
        status=201,
    )
    sign_in("province_officer", province_code="37")
    assert client.get("/accounts").status_code == 403
    sign_in("admin")
    listed = client.get("/accounts").text
    assert "Cấp mã đặt lại mật khẩu" in listed and "reset-link" not in listed
    issued = client.post("/accounts/a1/password-reset")
    assert issued.status_code == 201
    assert "/password-reset?code=c0de" in issued.text
