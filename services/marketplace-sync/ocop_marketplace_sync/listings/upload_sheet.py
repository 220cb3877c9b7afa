"""The seller-centre upload sheet of a `bulk_file` channel (Voso): rows to add, update or stop."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from ocop_kit.sheets import csv_document, inert_row
from ocop_marketplace_sync.listings.models import Listing

HEADERS = [
    "Mã dòng (listing id)",
    "Thao tác",
    "Mã SKU",
    "Tên sản phẩm",
    "Danh mục",
    "Giá bán (VNĐ)",
    "Tồn kho",
    "Khối lượng (gram)",
    "Mô tả",
    "Ảnh sản phẩm",
    "Thương hiệu",
    "Xuất xứ",
]
ADD, UPDATE, STOP = "Thêm mới", "Cập nhật", "Ngừng bán"


def action_of(listing: Listing) -> str:
    if not listing.desired_present:
        return STOP
    return UPDATE if listing.remote_present else ADD


def sheet_rows(listings: list[Listing]) -> list[list[Any]]:
    rows = []
    for listing in listings:
        payload = listing.payload
        rows.append(
            [
                listing.id,
                action_of(listing),
                listing.product_id,
                payload.get("name"),
                payload.get("category"),
                payload.get("price_vnd"),
                payload.get("stock"),
                payload.get("weight_grams"),
                payload.get("description"),
                "\n".join(payload.get("images") or []),
                (payload.get("attributes") or {}).get("brand"),
                (payload.get("attributes") or {}).get("origin"),
            ]
        )
    return rows


def as_xlsx(listings: list[Listing]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "San pham"
    sheet.append(HEADERS)
    for row in sheet_rows(listings):
        sheet.append(inert_row(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(listings: list[Listing]) -> bytes:
    return csv_document([HEADERS, *sheet_rows(listings)])
