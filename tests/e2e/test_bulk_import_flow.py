"""A province's list, in bulk, through real workers: an office uploads a sheet of certified
products, and the import's status follows them until every one is searchable and listed.
Runs on Redis + PostgreSQL and on the embedded default."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx

from ocop_kit.testing import wait_for

PRODUCTS = 60
COLUMNS = [
    "producer_name",
    "producer_kind",
    "address",
    "product_name",
    "group",
    "stars",
    "decision_no",
    "recognised_on",
    "channels",
    "price_vnd",
    "weight_grams",
    "description",
    "images",
]


def certified_sheet(rows: int, channels: list[str]) -> bytes:
    """A sheet of certified products with everything the channels ask for (price, weight,
    description, photo); bench/e2e/bulk_flow.py imports it too."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(rows):
        writer.writerow(
            [
                f"Hợp tác xã Nông sản Giao Thủy {n // 3}",
                "Hợp tác xã",
                "Xã Giao Thiện, Huyện Giao Thủy, Tỉnh Nam Định",
                f"Mật ong hoa nhãn lô {n}",
                "Thực phẩm",
                3 + n % 2,
                f"{100 + n}/QĐ-UBND",
                "15/03/2025",
                ";".join(channels),
                120_000 + n,
                500,
                "Mật ong nguyên chất từ vườn nhãn ven biển",
                f"https://img.example.vn/mat-ong-{n}.jpg",
            ]
        )
    return out.getvalue().encode()


def test_an_import_reports_its_products_searchable_and_listed_as_they_propagate(system):
    with system.client("registry", "admin") as registry:
        response = registry.post(
            "/v1/imports",
            files={"file": ("danh-sach.csv", certified_sheet(PRODUCTS, ["postmart"]))},
        )
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]

        def status() -> dict[str, Any]:
            body: dict[str, Any] = registry.get(f"/v1/imports/{job_id}").json()
            return body

        wait_for(lambda: status()["status"] == "done", timeout=60, message="the import to finish")
        done = status()
        assert done["rows_imported"] == PRODUCTS and done["errors"] == []
        assert done["products"] == PRODUCTS
        assert 0 <= done["searchable"] <= PRODUCTS and 0 <= done["listed"] <= PRODUCTS
        wait_for(
            lambda: status()["searchable"] == PRODUCTS,
            timeout=60,
            message="every product of the import to be searchable",
        )
        wait_for(
            lambda: status()["listed"] == PRODUCTS,
            timeout=90,
            message="every product of the import to be listed",
        )
    found = httpx.get(f"{system.urls['search']}/v1/search", params={"q": "mật ong", "limit": 1})
    assert found.json()["total"] == PRODUCTS
    listings = httpx.get(f"{system.urls['simulator']}/_sim/listings").json()
    assert len({item["sku"] for item in listings if item["channel"] == "postmart"}) == PRODUCTS


def test_the_registry_counts_an_imports_products_searchable_while_the_import_runs(system):
    # The import runs on the registry's jobs worker; its event worker meanwhile applies the
    # search service's `search.indexed` for the chunks already written. (On one worker the
    # count stayed at 0 until the last row was written, and so did a council's decision.)
    with system.client("registry", "admin") as registry:
        response = registry.post(
            "/v1/imports", files={"file": ("danh-sach.csv", certified_sheet(6000, []))}
        )
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        seen: list[tuple[str, int]] = []

        def finished() -> bool:
            body = registry.get(f"/v1/imports/{job_id}").json()
            seen.append((body["status"], body["searchable"]))
            return body["status"] in ("done", "failed")

        wait_for(finished, timeout=300, interval=0.2, message="the import to finish")
    assert seen[-1][0] == "done"
    running = [searchable for status, searchable in seen if status == "running"]
    assert running and max(running) > 0, seen
