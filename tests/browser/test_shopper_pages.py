"""What a shopper sees, on a desktop (1366×900) and on phones (390×844, 360 wide): photo-first
cards two to a row, the home page's ways in, numbered pages, where-to-buy buttons with prices,
the short QR address (and the old long one), JSON-LD and Open Graph for shared links, the about
page, helpful error pages; and every portal page, staff pages included, no wider than a phone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ocop_kit.testing import wait_for

from .conftest import ARTIFACTS

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 780}
# No sideways scrolling. In mobile emulation Chromium zooms out to show a too-wide page, which
# widens window.innerWidth with it; the layout viewport (clientWidth) stays the screen's width.
FITS = (
    "document.documentElement.scrollWidth <= window.innerWidth"
    " && document.documentElement.scrollWidth <= document.documentElement.clientWidth"
)
# One good row and one refused, so the import's page shows its error table too.
IMPORT_SHEET = (
    "producer_name,producer_kind,address,product_name,group,stars\n"
    "HTX Mắm Giao Thủy,Hợp tác xã,Xã Giao Thiện,Mắm rươi Giao Thủy,Thực phẩm,\n"
    "HTX Mắm Giao Thủy,Hợp tác xã,Xã Giao Thiện,Mắm cáy Giao Thủy,Thực phẩm,9\n"
)


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def many_products(catalog: Any) -> list[dict[str, Any]]:
    """21 certified products of one producer: more than one page of results (20 a page)."""
    producer = catalog.producer(
        "Hợp tác xã Bánh gai Giao Thủy", "Xã Giao Thiện, Huyện Giao Thủy, Tỉnh Nam Định"
    )
    products = []
    for number in range(1, 22):
        product = catalog.product(
            producer["id"],
            f"Bánh gai Giao Thủy loại {number}",
            price_vnd=30000 + number * 1000,
            confirm_not_duplicate=True,  # 21 look-alike names on purpose
        )
        catalog.certify(product["id"], stars=3 + number % 3)
        products.append(product)
    search = catalog.system.client("search")
    wait_for(
        lambda: (
            search.get("/v1/search", params={"q": "banh gai giao thuy", "limit": 1}).json()["total"]
            >= 21
        ),
        timeout=90,
        interval=0.5,
        message="search to index the 21 products",
    )
    return products


def listed_product(system: Any, product_id: str) -> list[dict[str, Any]]:
    """The product's where-to-buy once marketplace-sync has listed it with a page address."""
    sync = system.client("marketplace_sync")

    def shops() -> list[dict[str, Any]]:
        answer = sync.get(f"/v1/products/{product_id}/where-to-buy")
        return (
            [s for s in answer.json() if s.get("listing_url")] if answer.status_code == 200 else []
        )

    wait_for(lambda: bool(shops()), timeout=90, interval=1.0, message="a listing with its page")
    return shops()


def test_cards_are_photo_first_two_to_a_row_on_a_phone_and_pages_are_numbered(
    phone: Any, desktop: Any, system: Any, many_products: Any, shot: Any
) -> None:
    portal = system.urls["portal"]
    phone.goto(portal + "/search?q=banh+gai+giao+thuy")
    cards = phone.locator("ol.results > li.card")
    assert cards.count() == 20
    first, second, third = (cards.nth(i).bounding_box() for i in range(3))
    assert first["y"] == second["y"] and second["x"] > first["x"]  # two to a row
    assert third["y"] > first["y"]
    # The photo comes first in each card (a placeholder where the product has none).
    photo = cards.first.locator("img.card-photo")
    assert photo.get_attribute("src") == "/static/no-photo.svg"
    assert photo.bounding_box()["y"] < cards.first.locator(".card-title").bounding_box()["y"]
    assert phone.evaluate(FITS)
    # Numbered pages, no engine timings.
    pager = phone.locator("nav.pager")
    assert pager.locator("[aria-current=page]").inner_text().strip().endswith("1")
    assert pager.get_by_role("link", name=re.compile(r"^Trang 2$")).count() == 1
    assert " ms" not in phone.locator("#result-count").inner_text()
    shot(phone, "shopper-search-phone")
    pager.get_by_role("link", name=re.compile(r"^Trang 2$")).click()
    phone.wait_for_url("**page=2**")
    assert phone.locator("ol.results > li.card").count() == 1
    assert phone.locator("nav.pager a[rel=prev]").count() == 1
    shot(phone, "shopper-search-phone-page-2")

    desktop.goto(portal + "/search?q=banh+gai+giao+thuy")
    row = [desktop.locator("ol.results > li.card").nth(i).bounding_box()["y"] for i in range(4)]
    assert len(set(row)) == 1  # four to a row on a wide screen
    shot(desktop, "shopper-search-desktop")


def test_home_page_offers_search_product_sets_best_products_and_provinces(
    phone: Any, desktop: Any, system: Any, many_products: Any, shot: Any
) -> None:
    portal = system.urls["portal"]
    desktop.goto(portal + "/")
    assert desktop.locator("form[role=search] #q").count() == 1
    # The best-rated products (5★ first; 4★ while there are few 5★ ones) as cards.
    showcase = desktop.locator("section.home-section li.card")
    assert showcase.count() >= 1
    assert showcase.first.locator("img.card-photo").count() == 1
    province = desktop.locator("#province-links a", has_text="Ninh Bình")
    assert province.count() == 1
    group = desktop.locator("#group-links a").first
    assert "/search?group=" in (group.get_attribute("href") or "")
    shot(desktop, "shopper-home-desktop")
    province.click()
    desktop.wait_for_url("**/search?province_code=**")
    assert desktop.locator("li.card", has_text="Bánh gai Giao Thủy").count() >= 1

    phone.goto(portal + "/")
    assert phone.evaluate(FITS)
    shot(phone, "shopper-home-phone")
    phone.goto(portal + "/?lang=en")
    assert phone.locator("#by-province").inner_text() == "Products by province"
    shot(phone, "shopper-home-phone-en")


def test_product_page_fits_a_phone_links_each_marketplace_and_describes_itself_for_sharing(
    phone: Any, desktop: Any, system: Any, certified_product: dict[str, Any], shot: Any
) -> None:
    portal = system.urls["portal"]
    shops = listed_product(system, certified_product["id"])
    page_url = f"{portal}/products/{certified_product['id']}"

    phone.goto(page_url)
    assert phone.evaluate(FITS)
    for selector in ("h1", "#address-current", "#address-legacy", ".qr figcaption a"):
        box = phone.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], selector
    buttons = phone.locator("#where-to-buy a.button.shop")
    assert buttons.count() == len(shops)
    shop = shops[0]
    button = phone.locator(f"#where-to-buy a[href='{shop['listing_url']}']")
    assert button.count() == 1
    price = f"{shop['price_vnd']:,}".replace(",", ".") + " ₫"
    assert price in button.inner_text()
    assert "mã" not in phone.locator("#where-to-buy").inner_text()
    shot(phone, "shopper-product-phone")

    desktop.goto(page_url)
    data = json.loads(desktop.locator("script[type='application/ld+json']").inner_text())
    assert data["@type"] == "Product" and data["name"] == "Nước mắm cá cơm Hải Đông"
    assert data["brand"]["name"] == certified_product["producer"]["name"]
    assert data["image"][0].startswith("http")
    assert {offer["priceCurrency"] for offer in data["offers"]} == {"VND"}
    assert shop["listing_url"] in {offer["url"] for offer in data["offers"]}
    assert data["additionalProperty"][0]["value"] == 4

    def meta(name: str) -> str:
        return desktop.locator(f"meta[property='{name}']").get_attribute("content") or ""

    assert meta("og:title").startswith("Nước mắm cá cơm Hải Đông")
    assert meta("og:url") == page_url
    assert meta("og:image").startswith(portal + "/static/") or meta("og:image").startswith("http")
    assert httpx.get(meta("og:image")).status_code == 200
    assert meta("og:description")
    shot(desktop, "shopper-product-desktop")


def test_qr_encodes_a_short_address_that_redirects_and_old_long_addresses_still_work(
    page: Any, system: Any, certified_product: dict[str, Any], shot: Any
) -> None:
    portal = system.urls["portal"]
    page.goto(f"{portal}/products/{certified_product['id']}")
    short = page.locator(".qr figcaption a").get_attribute("href") or ""
    assert re.fullmatch(re.escape(portal) + r"/q/[0-9A-Z]{8,16}", short), short
    answer = httpx.get(short)
    assert answer.status_code == 301
    assert answer.headers["location"] == f"/products/{certified_product['id']}"
    # Typed from a label in lower case, it still opens the product.
    page.goto(portal + "/q/" + short.rsplit("/", 1)[1].lower())
    assert page.url == f"{portal}/products/{certified_product['id']}"
    assert page.locator("h1").inner_text() == "Nước mắm cá cơm Hải Đông"
    # The stamp file encodes the same short address.
    svg = httpx.get(f"{portal}/products/{certified_product['id']}/qr.svg").text
    assert short in svg
    # Old stamps: the long address is the product page itself.
    old = httpx.get(f"{portal}/products/{certified_product['id']}")
    assert old.status_code == 200 and "Nước mắm cá cơm Hải Đông" in old.text
    shot(page, "shopper-short-qr-landing")


def test_error_pages_offer_a_search_box_and_explain_an_old_qr_code(
    phone: Any, system: Any, certified_product: dict[str, Any], shot: Any
) -> None:
    portal = system.urls["portal"]
    for path, name in (
        ("/products/0190aaaa-0000-7000-8000-000000000000", "old-long"),
        ("/q/ZZZZZZZZ", "unknown-short"),
    ):
        response = phone.goto(portal + path)
        assert response.status == 404
        assert phone.locator("#old-qr").count() == 1
        assert "mã qr này có thể đã cũ" in phone.locator("#old-qr").inner_text().lower()
        assert phone.evaluate(FITS)
        shot(phone, f"shopper-error-{name}-phone")
    response = phone.goto(portal + "/no-such-page")
    assert response.status == 404 and phone.locator("#old-qr").count() == 0
    phone.locator("#q").fill("nuoc mam hai dong")
    phone.keyboard.press("Enter")
    phone.wait_for_url("**/search?**")
    assert phone.locator("li.card", has_text="Nước mắm cá cơm Hải Đông").count() == 1


def test_about_page_and_agency_identity_in_both_languages(
    phone: Any, desktop: Any, system: Any, shot: Any
) -> None:
    portal = system.urls["portal"]
    desktop.goto(portal + "/")
    assert (
        "Văn phòng Điều phối nông thôn mới Trung ương"
        in desktop.locator("header.site").inner_text()
    )
    assert "Văn phòng Điều phối" in desktop.locator("footer.site address").inner_text()
    desktop.get_by_role("link", name="Giới thiệu OCOP").click()
    desktop.wait_for_url("**/gioi-thieu")
    text = desktop.locator("main").inner_text()
    assert "148/QĐ-TTg" in text and "919/QĐ-TTg" in text and "90–100" in text
    assert desktop.locator("#qr").count() == 1
    shot(desktop, "shopper-about-desktop")
    phone.goto(portal + "/about")
    assert phone.url.endswith("/gioi-thieu?lang=en")
    assert phone.locator("h1").inner_text() == "About the OCOP programme"
    assert "Central Coordination Office" in phone.locator("footer.site").inner_text()
    assert phone.evaluate(FITS)
    shot(phone, "shopper-about-phone-en")


def staff_fixtures(system: Any, product: dict[str, Any], retry: Any) -> dict[str, str]:
    """A council session with an application and an import, so their pages have content."""
    province = product["address"]["province_code"]
    evaluation = system.client("evaluation", "admin")
    council = evaluation.post(
        "/v1/sessions",
        json={
            "level": "provincial",
            "province_code": province,
            "name": "Phiên kiểm tra màn hình điện thoại",
            "members": [{"name": "Chủ tịch", "role": "chair"}, {"name": "Ủy viên"}],
        },
    ).json()
    application = retry(
        lambda: evaluation.post(
            f"/v1/sessions/{council['id']}/applications", json={"product_id": product["id"]}
        ),
        201,
    ).json()
    upload = system.client("registry", "admin").post(
        "/v1/imports",
        files={"file": ("dien-thoai.csv", IMPORT_SHEET.encode())},
    )
    assert upload.status_code == 202, upload.text
    sheet = f"/council/sessions/{council['id']}/applications/{application['id']}"
    return {
        "province": province,
        "session": f"/council/sessions/{council['id']}",
        "score": f"{sheet}/score",
        "decision": f"{sheet}/decision",
        "import": f"/imports/{upload.json()['id']}",
    }


def test_every_portal_page_fits_a_360_pixel_screen(
    browser: Any,
    system: Any,
    certified_product: dict[str, Any],
    signed_in: Any,
    retry: Any,
    shot: Any,
) -> None:
    """Shopper and staff pages alike: no page may scroll sideways on a 360 px phone."""
    portal = system.urls["portal"]
    product_id = certified_product["id"]
    producer_id = certified_product["producer"]["id"]
    staff = staff_fixtures(system, certified_product, retry)
    short = httpx.get(f"{portal}/products/{product_id}/qr.svg").text
    code = re.search(r"/q/([0-9A-Z]+)", short).group(1)  # type: ignore[union-attr]
    public = [
        "/",
        "/?lang=en",
        "/search",
        "/search?q=nuoc+mam",
        "/search?q=nuoc+mam&stars=4&sort=price_asc",
        f"/products/{product_id}",
        f"/products/{product_id}?lang=en",
        f"/q/{code}",
        "/gioi-thieu",
        "/gioi-thieu?lang=en",
        "/no-such-page",
        "/products/0190aaaa-0000-7000-8000-000000000000",
        "/q/ZZZZZZZZ",
        "/sign-in",
    ]
    by_role: dict[str, tuple[dict[str, str], list[str]]] = {
        "admin": (
            {"name": "quan-tri"},
            [
                f"/dashboard?province_code={staff['province']}",
                "/dashboard",
                "/sync",
                "/council",
                staff["session"],
                staff["score"],
                staff["decision"],
                "/imports",
                staff["import"],
            ],
        ),
        "producer": ({"producer_id": producer_id}, ["/my-products"]),
        "sync_operator": ({"name": "van-hanh"}, ["/sync"]),
    }
    too_wide: dict[str, int] = {}

    def visit(page: Any, role: str, path: str) -> None:
        page.goto(portal + path)
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        if not page.evaluate(FITS):
            too_wide[f"{role} {path}"] = width
        name = re.sub(r"[^A-Za-z0-9]+", "_", f"{role}{path}").strip("_")
        shot(page, f"narrow-360-{name}")

    context = browser.new_context(viewport=NARROW, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        for path in public:
            visit(page, "public", path)
    finally:
        context.close()
    for role, (scope, paths) in by_role.items():
        context = browser.new_context(viewport=NARROW, is_mobile=True, has_touch=True)
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            signed_in(page, portal, role, **scope)
            for path in paths:
                visit(page, role, path)
        finally:
            context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "narrow-360-too-wide.json").write_text(json.dumps(too_wide, indent=1))
    assert too_wide == {}
