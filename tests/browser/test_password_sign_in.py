"""Staff sign in with the account and password the registry keeps."""

from __future__ import annotations

from typing import Any

from .conftest import ADMIN_PASSWORD


def fill_password_form(page: Any, portal: str, username: str, password: str) -> None:
    page.goto(f"{portal}/sign-in?next=/dashboard")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#password-sign-in button[type=submit]")
    page.wait_for_load_state()


def test_wrong_password_is_refused_in_vietnamese_and_the_right_one_opens_the_dashboard(
    page: Any, system: Any, shot: Any, check_labels: Any
) -> None:
    portal = system.urls["portal"]
    fill_password_form(page, portal, "admin", "không phải mật khẩu")
    assert "Sai tên đăng nhập hoặc mật khẩu" in page.locator("[role=alert]").inner_text()
    check_labels(page)
    shot(page, "sign-in-wrong-password")

    fill_password_form(page, portal, "admin", ADMIN_PASSWORD)
    assert page.url.endswith("/dashboard")
    token = next(c for c in page.context.cookies() if c["name"] == "ocop_token")
    assert token["httpOnly"] is True
