"""Staff pages as people use them, at desktop (1366×900) and phone (390×844, 360 wide) sizes:
the dashboard in words, sign-in, the council's own workflow (create, seat, add products, wait
for the quorum), the password reset an administrator issues, and the sync page's field names.
Screenshots go to test-artifacts/browser/ like the other browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ocop_cli.demo import load_demo
from ocop_kit.testing import wait_for

from .conftest import ARTIFACTS, sign_in

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 740}
RAW_STATUS = ("valid", "expiring", "expired", "none", "revoked", "status")
STRONG_PASSWORD = "đồng lúa chín vàng bên sông Đáy"


@pytest.fixture(scope="module")
def demo(system: Any) -> dict[str, Any]:
    """The demo sheet `make run` loads, imported into the shared test system."""
    print(load_demo(system.data_dir, system.urls))
    return system.client("registry").get("/v1/stats").json()


@pytest.fixture
def sized(browser: Any) -> Iterator[Any]:
    """Pages at a chosen viewport: `sized(PHONE)` → a fresh page (its own cookies)."""
    contexts: list[Any] = []

    def open_page(viewport: dict[str, int]) -> Any:
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def save(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the screen (0: no horizontal scroll)."""
    return int(
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


def clipped_labels(page: Any) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll('.bar-label')]
            .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.textContent)"""
    )


def smallest_chart_text(page: Any) -> float:
    return page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('.bar-label, .bar-value')]
            .map(el => parseFloat(getComputedStyle(el).fontSize)))"""
    )


def test_dashboard_reads_in_words_with_top_ten_and_a_page_of_all(
    system: Any, demo: dict[str, Any], sized: Any
) -> None:
    portal = system.urls["portal"]
    long_key = next(
        key
        for key in ("by_commune", "by_legacy_district", "by_province", "by_product_set")
        if len(demo.get(key) or {}) > 10
    )
    page = sized(DESKTOP)
    sign_in(page, portal, "admin", name="Trần Quản Trị")
    page.goto(portal + "/dashboard")
    save(page, "staff-dashboard-desktop")

    statuses = page.locator("#table-by_status tbody th").all_inner_texts()
    assert "Còn hiệu lực" in statuses and "Chưa có chứng nhận" in statuses
    assert not set(statuses) & set(RAW_STATUS)
    headers = page.locator("table.breakdown thead th:first-child").all_inner_texts()
    assert "Nhóm" not in headers and {"Hạng sao", "Tình trạng chứng nhận", "Xã, phường"} <= set(
        headers
    )
    assert page.locator(f"#table-{long_key} tbody tr").count() == 10
    assert clipped_labels(page) == []

    page.click(f"#all-{long_key}")
    page.wait_for_load_state()
    assert page.locator(f"#table-{long_key} tbody tr").count() == len(demo[long_key])
    assert clipped_labels(page) == []
    save(page, "staff-dashboard-all-rows")

    phone = sized(PHONE)
    sign_in(phone, portal, "admin", name="Trần Quản Trị")
    phone.goto(portal + "/dashboard")
    assert smallest_chart_text(phone) >= 14
    assert clipped_labels(phone) == [] and horizontal_overflow(phone) == 0
    save(phone, "staff-dashboard-phone")


def test_one_province_dashboard_has_no_province_chart_and_names_who_set_the_target(
    system: Any, demo: dict[str, Any], sized: Any
) -> None:
    portal = system.urls["portal"]
    province = next(iter(demo["by_province"]))
    page = sized(DESKTOP)
    sign_in(page, portal, "province_officer", name="Nguyễn Thị Lan", province_code=province)
    page.goto(portal + "/dashboard")
    assert page.locator("#table-by_province").count() == 0
    assert page.locator("#h-by_province").count() == 0
    page.fill("#target-products", "30")
    page.click("#target-form button[type=submit]")
    page.wait_for_load_state()
    updated = page.locator("#target-updated").inner_text()
    assert "Nguyễn Thị Lan" in updated and "province_officer" not in updated
    save(page, "staff-dashboard-one-province")


def test_sign_in_is_one_form_says_why_and_a_council_member_is_chosen_by_name(
    system: Any, sized: Any
) -> None:
    portal = system.urls["portal"]
    evaluation = system.client("evaluation", "admin")
    council = evaluation.post(
        "/v1/sessions",
        json={
            "level": "provincial",
            "province_code": "01",
            "name": "Hội đồng thử đăng nhập theo tên",
            "members": [{"name": "Đỗ Thị Chủ Tịch", "role": "chair"}, {"name": "Ủy viên Hai"}],
        },
    )
    assert council.status_code == 201, council.text
    for viewport, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = sized(viewport)
        page.goto(portal + "/council")
        assert "/sign-in" in page.url
        assert (
            "Bạn cần đăng nhập để vào các phiên đánh giá"
            in page.locator("#sign-in-reason").inner_text()
        )
        assert page.locator("main form:visible").count() == 1
        assert page.locator("#password-sign-in").is_visible()
        assert not page.locator("#token-sign-in").is_visible()
        assert not page.locator("#dev-sign-in").is_visible()
        assert horizontal_overflow(page) == 0
        save(page, f"staff-sign-in-{label}")

    page.click("#other-ways > summary")
    page.select_option("#dev-role", "council_member")
    page.select_option(
        "#dev-member", label="Đỗ Thị Chủ Tịch (Chủ tịch) — Hội đồng thử đăng nhập theo tên"
    )
    page.click("#dev-sign-in button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/council")
    assert page.get_by_role("link", name="Hội đồng thử đăng nhập theo tên").count() == 1


def test_admin_creates_a_session_seats_accounts_adds_a_product_and_waits_for_the_quorum(
    system: Any, sized: Any, catalog: Any, retry: Any
) -> None:
    portal = system.urls["portal"]
    registry = system.client("registry", "admin")
    accounts = {}
    for username, display in (
        ("chu.tich.hd", "Phan Văn Chủ Tịch"),
        ("uy.vien.hd", "Lý Thị Ủy Viên"),
    ):
        created = registry.post(
            "/v1/accounts",
            json={
                "username": username,
                "password": STRONG_PASSWORD,
                "role": "council_member",
                "display_name": display,
            },
        )
        assert created.status_code == 201, created.text
        accounts[username] = created.json()
    producer = catalog.producer(
        "Hợp tác xã Chè Shan Tuyết Hồng", "Xã Hải Anh, Huyện Hải Hậu, Tỉnh Nam Định"
    )
    product = catalog.product(producer["id"], "Chè shan tuyết Hồng Sơn")
    province = product["address"]["province_code"]

    page = sized(DESKTOP)
    sign_in(page, portal, "admin", name="Trần Quản Trị")
    page.goto(portal + "/council")
    page.click("#new-session-link")
    page.fill("#s-name", "Hội đồng OCOP tỉnh — tạo trên cổng")
    page.select_option("#s-province", province)
    page.select_option(f"#seat-{accounts['chu.tich.hd']['id']}", "chair")
    page.select_option(f"#seat-{accounts['uy.vien.hd']['id']}", "member")
    page.fill("#typed-name-1", "Chuyên gia Vũ Văn Mời")
    save(page, "staff-council-new-desktop")
    page.click("#new-session button[type=submit]")
    page.wait_for_load_state()
    assert "/council/sessions/" in page.url, page.locator("main").inner_text()
    members = page.locator("#members").inner_text()
    assert "Phan Văn Chủ Tịch — Chủ tịch" in members and "Chuyên gia Vũ Văn Mời" in members
    assert "Quyết định số 148/QĐ-TTg" in page.locator("#criteria-set").inner_text()
    assert "qd-148-2023" not in page.locator("#criteria-set").inner_text()
    session_url = page.url.split("?")[0]

    # Find the product without diacritics; the evaluation service learns of it by an event.
    def found() -> bool:
        page.goto(session_url + "?q=che+shan+tuyet+hong+son")
        return page.locator("#found-products input").count() == 1

    wait_for(found, timeout=60, interval=1.0, message="the product to be found")
    page.check("#found-products input")
    page.click("#add-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#applications", has_text="Chè shan tuyết Hồng Sơn").count() == 1, (
        page.locator("main").inner_text()
    )
    save(page, "staff-council-session-desktop")

    page.locator("#applications tr", has_text="Chè shan tuyết Hồng Sơn").get_by_role(
        "link", name="Kết luận"
    ).click()
    page.wait_for_url("**/decision")
    assert page.locator("#decide").is_disabled()
    reasons = page.locator("#decide-reasons").inner_text()
    assert "Chưa đủ túc số" in reasons and "Chủ tịch hội đồng chưa nộp" in reasons
    save(page, "staff-council-decision-waits-for-quorum")

    page.goto(session_url)
    page.click("#close-session")
    page.wait_for_load_state()
    assert page.locator("#session-status").inner_text() == "Đã đóng"
    page.click("#open-session")
    page.wait_for_load_state()
    assert page.locator("#session-status").inner_text() == "Đang chấm"

    phone = sized(PHONE)
    sign_in(phone, portal, "admin", name="Trần Quản Trị")
    phone.goto(session_url)
    assert horizontal_overflow(phone) == 0
    save(phone, "staff-council-session-phone")

    # The chair's own password sign-in holds the seat chosen from the accounts.
    chair = sized(DESKTOP)
    chair.goto(portal + "/sign-in?next=/council")
    chair.fill("#username", "chu.tich.hd")
    chair.fill("#password", STRONG_PASSWORD)
    chair.click("#password-sign-in button[type=submit]")
    chair.wait_for_load_state()
    assert chair.get_by_role("link", name="Hội đồng OCOP tỉnh — tạo trên cổng").count() == 1


def test_admin_issues_a_reset_code_and_the_person_sets_a_new_password(
    system: Any, sized: Any
) -> None:
    portal = system.urls["portal"]
    registry = system.client("registry", "admin")
    created = registry.post(
        "/v1/accounts",
        json={
            "username": "quen.mat.khau",
            "password": "mật khẩu cũ đã quên mất",
            "role": "sync_operator",
            "display_name": "Người Quên Mật Khẩu",
        },
    )
    assert created.status_code == 201, created.text
    admin = sized(DESKTOP)
    sign_in(admin, portal, "admin", name="Trần Quản Trị")
    admin.goto(portal + "/accounts")
    admin.locator("#accounts tr", has_text="quen.mat.khau").get_by_role("button").click()
    admin.wait_for_load_state()
    link = admin.locator("#reset-link").inner_text().strip()
    assert "/password-reset?code=" in link
    save(admin, "staff-accounts-reset-issued")

    person = sized(PHONE)
    person.goto(link)
    person.fill("#new-password", "password1234")
    person.fill("#new-password-again", "password1234")
    person.click("#password-reset button[type=submit]")
    person.wait_for_load_state()
    assert "quá phổ biến" in person.locator("#reset-error").inner_text()
    assert horizontal_overflow(person) == 0
    save(person, "staff-password-reset-weak-phone")
    person.fill("#new-password", STRONG_PASSWORD)
    person.fill("#new-password-again", STRONG_PASSWORD)
    person.click("#password-reset button[type=submit]")
    person.wait_for_load_state()
    assert person.locator("#password-was-reset").count() == 1
    person.fill("#username", "quen.mat.khau")
    person.fill("#password", STRONG_PASSWORD)
    person.click("#password-sign-in button[type=submit]")
    person.wait_for_load_state()
    assert person.locator("#sign-in-reason, [role=alert]").count() == 0
    assert any(c["name"] == "ocop_token" for c in person.context.cookies())


def test_sync_page_names_fields_in_words_and_is_cards_on_a_phone(
    system: Any, sized: Any, catalog: Any, retry: Any
) -> None:
    portal = system.urls["portal"]
    producer = catalog.producer(
        "Hộ kinh doanh Bánh Gai Cô Tư", "Xã Hải Hà, Huyện Hải Hậu, Tỉnh Nam Định", "household"
    )
    product = catalog.product(
        producer["id"], "Bánh gai Cô Tư", channels=["shopee"], price_vnd=50000
    )
    catalog.certify(product["id"], 3)
    sync = system.client("marketplace_sync", "sync_operator")

    def blocked() -> bool:
        answer = sync.get("/v1/listings", params={"product_id": product["id"], "status": "blocked"})
        return bool(answer.json().get("items"))

    wait_for(blocked, timeout=90, interval=1.0, message="the listing to be blocked")
    for viewport, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = sized(viewport)
        sign_in(page, portal, "sync_operator", name="Vận hành viên")
        page.goto(portal + "/sync?status=blocked&channel=shopee")
        notes = page.locator("#listings tr", has_text="Bánh gai Cô Tư").inner_text()
        assert "ảnh sản phẩm" in notes and "images" not in notes and "weight_grams" not in notes
        assert horizontal_overflow(page) == 0
        save(page, f"staff-sync-{label}")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 6000, height


def test_every_staff_page_fits_a_360_px_screen(
    system: Any, demo: dict[str, Any], sized: Any, certified_product: dict[str, Any]
) -> None:
    portal = system.urls["portal"]
    province = certified_product["address"]["province_code"]
    page = sized(NARROW)
    sign_in(page, portal, "admin", name="Trần Quản Trị")
    wide: dict[str, int] = {}
    for path in (
        "/dashboard",
        f"/dashboard?province_code={province}",
        "/dashboard/breakdowns/by_commune",
        "/council",
        "/council/new",
        "/sync",
        "/accounts",
        "/imports",
        "/sign-in",
        "/password-reset",
    ):
        page.goto(portal + path)
        wide[path] = horizontal_overflow(page)
    sessions = system.client("evaluation", "admin").get("/v1/sessions").json()["items"]
    for council in sessions[:2]:
        page.goto(f"{portal}/council/sessions/{council['id']}")
        wide[f"/council/sessions/{council['id']}"] = horizontal_overflow(page)
    save(page, "staff-360-last")
    assert {path: px for path, px in wide.items() if px > 0} == {}
