"""A shopper searches without Vietnamese accents, opens the product and reads its certificate."""

from __future__ import annotations

from typing import Any

import httpx


def test_shopper_finds_product_typed_without_diacritics_and_opens_its_page(
    page: Any, system: Any, certified_product: dict[str, Any], shot: Any, check_labels: Any
) -> None:
    portal = system.urls["portal"]
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.goto(portal + "/")
    check_labels(page)

    page.locator("#q").press_sequentially("nuoc mam hai d", delay=40)
    # The suggestions arrive through htmx while typing (no eval: the page's CSP forbids it).
    page.locator("#suggestions option[value*='Hải Đông']").first.wait_for(state="attached")
    shot(page, "search-suggestions")
    page.locator("#q").fill("nuoc mam hai dong")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?**")

    card = page.locator("li.card", has_text="Nước mắm cá cơm Hải Đông")
    assert card.count() == 1
    text = card.inner_text()
    assert "Hợp tác xã Nước mắm Hải Đông" in text
    assert "4 sao" in text
    assert certified_product["address"]["province_name"] in text
    assert "Hải Hậu" in text  # the pre-2025 district people still use
    shot(page, "search-results")

    card.get_by_role("link", name="Nước mắm cá cơm Hải Đông").click()
    page.wait_for_url(f"**/products/{certified_product['id']}")
    assert page.locator("h1").inner_text() == "Nước mắm cá cơm Hải Đông"
    certificate = page.locator("#certificate").inner_text()
    assert "4 sao" in certificate
    assert "Còn hiệu lực" in certificate
    assert "Hải Hậu" in page.locator("#address-legacy").inner_text()
    assert (
        certified_product["address"]["province_name"]
        in page.locator("#address-current").inner_text()
    )
    assert "VietGAP" in page.locator("#certifications").inner_text()
    # The QR code encodes the page's short address; the stamp file is downloadable on its own.
    assert page.locator(".qr svg path").count() >= 1
    page_url = f"{portal}/products/{certified_product['id']}"
    short = page.locator(".qr figcaption a").get_attribute("href") or ""
    assert short.startswith(f"{portal}/q/")
    assert httpx.get(short).headers["location"] == f"/products/{certified_product['id']}"
    qr = httpx.get(f"{page_url}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    check_labels(page)
    shot(page, "product-page")
    # htmx runs under the portal's Content-Security-Policy without being blocked.
    assert not [line for line in console if "Content Security Policy" in line], console


def test_search_page_reads_in_english_and_fits_a_phone_screen(
    browser: Any, system: Any, certified_product: dict[str, Any], shot: Any
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        phone = context.new_page()
        phone.goto(system.urls["portal"] + "/search?q=hai+hau")
        assert phone.locator("li.card", has_text="Nước mắm cá cơm Hải Đông").count() == 1
        assert phone.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        shot(phone, "search-phone-vi")

        phone.get_by_role("link", name="English").click()
        phone.wait_for_load_state()
        assert phone.locator("h1").inner_text() == "Find OCOP products"
        assert phone.locator("html").get_attribute("lang") == "en"
        # The choice is remembered: the next page is English too.
        phone.goto(system.urls["portal"] + f"/products/{certified_product['id']}")
        assert "OCOP certificate" in phone.content()
        shot(phone, "product-phone-en")
    finally:
        context.close()


def test_keyboard_alone_reaches_search_box_and_results(
    page: Any, system: Any, certified_product: dict[str, Any]
) -> None:
    page.goto(system.urls["portal"] + "/")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("hai dong")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?**")
    assert page.locator("li.card", has_text="Nước mắm cá cơm Hải Đông").count() == 1


def test_close_matches_come_after_the_exact_ones_under_their_own_heading(
    page: Any, system: Any, catalog: Any, shot: Any, check_labels: Any
) -> None:
    nghe_an = catalog.producer(
        "Hợp tác xã Chè Thanh Chương", "Xã Thanh Mai, Huyện Thanh Chương, Tỉnh Nghệ An"
    )
    thai_nguyen = catalog.producer(
        "Hợp tác xã Chè Tân Cương", "Xã Tân Cương, Thành phố Thái Nguyên, Tỉnh Thái Nguyên"
    )
    exact = catalog.product(nghe_an["id"], "Chè xanh Thanh Chương", price_vnd=80000)
    close = catalog.product(thai_nguyen["id"], "Chè búp Tân Cương", price_vnd=20000)
    for product in (exact, close):
        catalog.certify(product["id"], stars=3)
    catalog.wait_searchable(close["id"], "che bup tan cuong")
    catalog.wait_searchable(exact["id"], "che xanh thanh chuong")

    # "chuong" is one letter from "cuong": Tân Cương is a close match, after the exact one.
    page.goto(system.urls["portal"] + "/search?q=chuong&sort=price_asc")
    check_labels(page)
    html = page.content()
    heading = html.index("Kết quả gần đúng")
    assert html.index("Chè xanh Thanh Chương") < heading < html.index("Chè búp Tân Cương")
    assert page.locator("#close-matches").is_visible()
    # Sorted by price, the cheaper close match still comes after the exact one.
    assert page.locator("select[name=sort]").input_value() == "price_asc"
    shot(page, "search-close-matches")
