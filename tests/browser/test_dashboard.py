"""A province officer reads the dashboard, sets the yearly target and downloads the figures."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl


def test_province_officer_reads_dashboard_sets_target_and_downloads_excel(
    page: Any,
    system: Any,
    certified_product: dict[str, Any],
    signed_in: Any,
    shot: Any,
    check_labels: Any,
) -> None:
    portal = system.urls["portal"]
    province = certified_product["address"]["province_code"]
    stats = system.client("registry").get("/v1/stats", params={"province_code": province}).json()

    page.goto(portal + "/dashboard")
    assert "/sign-in" in page.url  # staff only
    signed_in(page, portal, "province_officer", name="can-bo-ocop", province_code=province)
    page.goto(portal + "/dashboard")
    assert certified_product["address"]["province_name"] in page.locator("h1").inner_text()
    check_labels(page)

    four_stars = page.locator("#table-by_stars tbody tr", has_text="4 sao")
    assert int(four_stars.locator("td").first.inner_text()) == stats["by_stars"]["4"] >= 1
    assert page.locator("#table-by_producer_kind").count() == 1
    assert page.locator("#table-by_legacy_district", has_text="Hải Hậu").count() == 1
    # Bars are HTML now (labels wrap instead of being clipped).
    assert page.locator("section.stat ol.bars .bar").count() >= 3
    shot(page, "dashboard")

    page.fill("#target-products", "20")
    page.fill("#target-note", "Kế hoạch OCOP năm của tỉnh")
    page.click("#target-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("[role=status]", has_text="Đã lưu chỉ tiêu").count() == 1
    progress = page.locator("#target-progress").inner_text()
    assert f"{stats['certified_total']} / 20" in progress
    shot(page, "dashboard-target")

    with page.expect_download() as download:
        page.get_by_role("link", name="Tải bảng số liệu Excel (.xlsx)").click()
    content = Path(download.value.path()).read_bytes()
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert len(workbook.sheetnames) >= 2
