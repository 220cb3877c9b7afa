"""Reading marketplace-sync listings into the operator's overview."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ocop_portal.backends import BackendProblem, Backends, BackendUnavailable

STATUSES = ("pending", "blocked", "syncing", "listed", "failed", "delisted")
STATUS_NAMES: dict[str, tuple[str, str]] = {
    "pending": ("Chờ đồng bộ", "Pending"),
    "blocked": ("Thiếu thông tin", "Blocked"),
    "syncing": ("Đang đồng bộ", "Syncing"),
    "listed": ("Đang bán", "Listed"),
    "failed": ("Lỗi", "Failed"),
    "delisted": ("Đã gỡ", "Delisted"),
}
# What a channel may find missing on a product (`missing` of a blocked listing), as the office
# names it; an unknown field shows as it came.
FIELD_NAMES: dict[str, tuple[str, str]] = {
    "category": ("ngành hàng trên sàn", "the channel's category"),
    "price_vnd": ("giá bán (VNĐ)", "price (VND)"),
    "images": ("ảnh sản phẩm", "product photos"),
    "weight_grams": ("khối lượng (gam)", "weight (grams)"),
    "description": ("mô tả sản phẩm", "product description"),
    "name": ("tên sản phẩm", "product name"),
    "brand": ("thương hiệu", "brand"),
    "barcode": ("mã vạch", "barcode"),
    "stock": ("số lượng tồn kho", "stock"),
    "unit": ("đơn vị tính", "unit"),
    "attributes": ("thuộc tính theo ngành hàng", "category attributes"),
}


def field_names(fields: list[str] | None, lang: str) -> str:
    """`["images", "weight_grams"]` → `ảnh sản phẩm, khối lượng (gam)`."""
    names = []
    for field in fields or []:
        pair = FIELD_NAMES.get(str(field))
        names.append((pair[1] if lang == "en" else pair[0]) if pair else str(field))
    return ", ".join(names)


PAGE = 500
MAX_PAGES = 20  # 10,000 listings: beyond that the counts say "at least"


def items_of(payload: Any) -> tuple[list[dict[str, Any]], str | None]:
    if isinstance(payload, dict):
        items = payload.get("items") or []
        cursor = payload.get("next_cursor")
    else:
        items, cursor = payload or [], None
    return [i for i in items if isinstance(i, dict)], cursor if isinstance(cursor, str) else None


def count_by_channel_and_status(
    backends: Backends, token: str
) -> tuple[dict[str, Counter[str]], bool]:
    """Listings counted per channel and status, reading every page (bounded); True if cut short."""
    counts: dict[str, Counter[str]] = {}
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page, cursor = items_of(
            backends.get_json(
                "marketplace_sync", "/v1/listings", {"limit": PAGE, "cursor": cursor}, token
            )
        )
        for listing in page:
            counts.setdefault(str(listing.get("channel")), Counter())[
                str(listing.get("status"))
            ] += 1
        if not cursor:
            return counts, False
    return counts, True


def product_names(backends: Backends, product_ids: set[str], token: str) -> dict[str, str]:
    """Names of the products on the screen, read from the registry a few at a time; a product
    the registry cannot give keeps its id on the screen."""

    def name_of(product_id: str) -> tuple[str, str | None]:
        try:
            product = backends.get_json("registry", f"/v1/products/{product_id}", token=token)
        except (BackendUnavailable, BackendProblem):
            return product_id, None
        name = product.get("name") if isinstance(product, dict) else None
        return product_id, str(name) if name else None

    if not product_ids:
        return {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = pool.map(name_of, sorted(product_ids)[:200])
        return {product_id: name for product_id, name in found if name}


def read_sync_stats(payload: Any) -> tuple[dict[str, Counter[str]], dict[str, int], dict[str, Any]]:
    """`/v1/sync/stats` → (counts by channel and status, failures in the last day by channel,
    the headline figures)."""
    counts: dict[str, Counter[str]] = {}
    failures: dict[str, int] = {}
    channels = payload.get("channels") if isinstance(payload, dict) else None
    for code, row in (channels or {}).items():
        if not isinstance(row, dict):
            continue
        by_status = row.get("by_status") or {}
        counts[str(code)] = Counter({str(k): int(v) for k, v in by_status.items()})
        failures[str(code)] = int(row.get("failures_last_day") or 0)
    headline = (
        {
            key: payload.get(key)
            for key in (
                "listings_total",
                "certified_products",
                "certified_on_any_channel",
                "share_on_any_channel",
                "failures_last_day",
            )
        }
        if isinstance(payload, dict)
        else {}
    )
    return counts, failures, headline
