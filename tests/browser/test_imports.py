"""A province office uploads its list through the portal and watches it go live: rows read, then
every product searchable and listed, on a desktop with scripts and on a phone without them."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

COLUMNS = [
    "producer_name", "producer_kind", "address", "product_name", "group", "stars",
    "decision_no", "recognised_on", "channels", "price_vnd", "weight_grams", "description",
    "images",
]  # fmt: skip
ADDRESS = "Xã Giao Thiện, Huyện Giao Thủy, Tỉnh Nam Định"


def write_sheet(path: Path, portal: str, product: str, count: int, bad_rows: int = 0) -> Path:
    """`count` certified products sold on Postmart, then `bad_rows` rows with impossible stars."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(count + bad_rows):
        stars = 3 + n % 2 if n < count else 9
        writer.writerow(
            [
                f"Hợp tác xã {product} Giao Thủy {n}", "Hợp tác xã", ADDRESS,
                f"{product} lô {n}", "Thực phẩm", stars, f"{200 + n}/QĐ-UBND", "15/03/2025",
                "postmart", 95_000 + n, 400, f"{product} làm theo cách truyền thống",
                f"{portal}/static/no-photo.svg",
            ]
        )  # fmt: skip
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_officer_uploads_a_list_and_sees_every_product_become_searchable_and_listed(
    page: Any,
    system: Any,
    certified_product: dict[str, Any],
    signed_in: Any,
    shot: Any,
    check_labels: Any,
    tmp_path: Path,
) -> None:
    portal = system.urls["portal"]
    province = certified_product["address"]["province_code"]
    sheet = write_sheet(tmp_path / "danh-sach-mam-tep.csv", portal, "Mắm tép", 6, bad_rows=1)

    signed_in(page, portal, "province_officer", name="can-bo-ocop", province_code=province)
    page.click("header nav >> text=Nhập danh sách")
    check_labels(page)
    page.set_input_files("#sheet", str(sheet))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/imports/[0-9a-f-]+$"))
    assert page.locator("#import-file").inner_text() == sheet.name
    # Rows are read, indexed and listed by workers: the first view is never the last one.
    assert page.locator("#import-state").get_attribute("data-refreshing") == "yes"

    page.wait_for_selector("#import-state[data-live='yes']", timeout=120_000)
    assert page.locator("#import-state").get_attribute("data-refreshing") == "no"
    figures = {key: page.locator(f"#{key}").inner_text() for key in (
        "rows-read", "rows-total", "rows-imported", "searchable", "listed", "error-count",
    )}  # fmt: skip
    assert figures == {
        "rows-read": "7", "rows-total": "7", "rows-imported": "6", "searchable": "6",
        "listed": "6", "error-count": "1",
    }  # fmt: skip
    assert page.locator("#stage-listed").get_attribute("value") == "6"
    assert "Hoàn tất" in page.locator("#import-state").inner_text()
    assert page.locator("#import-errors tbody tr").count() == 1
    check_labels(page)
    shot(page, "import-progress-desktop")

    with page.expect_download() as download:
        page.click("#errors-csv")
    report = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Mắm tép lô 6" in report and "Lỗi" in report.splitlines()[0]

    found = system.client("search").get("/v1/search", params={"q": "mam tep", "limit": 50}).json()
    assert sum("Mắm tép lô" in hit["name"] for hit in found["hits"]) == 6


def test_on_a_phone_without_scripts_the_progress_page_refreshes_itself_until_live(
    browser: Any,
    system: Any,
    certified_product: dict[str, Any],
    signed_in: Any,
    shot: Any,
    tmp_path: Path,
) -> None:
    portal = system.urls["portal"]
    province = certified_product["address"]["province_code"]
    sheet = write_sheet(tmp_path / "danh-sach-che.csv", portal, "Chè búp Giao Thủy", 3)
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="vi-VN", java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    phone = context.new_page()
    try:
        signed_in(phone, portal, "province_officer", name="can-bo-ocop", province_code=province)
        phone.goto(f"{portal}/imports?lang=en")
        assert fits_the_screen(phone)
        phone.set_input_files("#sheet", str(sheet))
        phone.click("#upload-form button[type=submit]")
        phone.wait_for_url(re.compile(r"/imports/[0-9a-f-]+"))
        assert phone.locator("#import-state").get_attribute("data-refreshing") == "yes"
        # No script runs: only the page's own refresh can bring the figures to the totals.
        phone.wait_for_selector("#import-state[data-live='yes']", timeout=120_000)
        assert phone.locator("label[for='stage-searchable']").inner_text() == (
            "Searchable: 3 of 3 products"
        )
        assert phone.locator("label[for='stage-listed']").inner_text() == "Listed: 3 of 3 products"
        assert fits_the_screen(phone)
        shot(phone, "import-progress-phone")
    finally:
        context.close()
