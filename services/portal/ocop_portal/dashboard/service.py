"""The province dashboard: reading `/v1/stats` into labelled tables, and the yearly target."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_kit.history import record_change
from ocop_portal.catalog import CERTIFICATE_STATUS, PRODUCER_KINDS, province_name
from ocop_portal.dashboard.models import ProvinceTarget

# The breakdowns of `/v1/stats` in the order the office reads them; (Vietnamese, English) titles.
BREAKDOWNS: dict[str, tuple[str, str]] = {
    "by_stars": ("Sản phẩm theo hạng sao", "Products by stars"),
    "by_status": ("Sản phẩm theo tình trạng chứng nhận", "Products by certificate status"),
    "by_group": ("Sản phẩm theo nhóm", "Products by group"),
    "by_product_set": ("Sản phẩm theo bộ sản phẩm", "Products by product set"),
    "by_producer_kind": ("Sản phẩm theo loại hình chủ thể", "Products by kind of producer"),
    "by_commune": ("Sản phẩm theo xã, phường", "Products by commune"),
    "by_ward": ("Sản phẩm theo xã, phường", "Products by commune"),
    "by_legacy_district": (
        "Sản phẩm theo huyện cũ (trước 01/7/2025)",
        "Products by former district (before 1 July 2025)",
    ),
    "by_province": ("Sản phẩm theo tỉnh, thành phố", "Products by province"),
}
# What the first column of each breakdown's table lists.
COLUMNS: dict[str, tuple[str, str]] = {
    "by_stars": ("Hạng sao", "Stars"),
    "by_status": ("Tình trạng chứng nhận", "Certificate status"),
    "by_group": ("Nhóm sản phẩm", "Product group"),
    "by_product_set": ("Bộ sản phẩm", "Product set"),
    "by_producer_kind": ("Loại hình chủ thể", "Kind of producer"),
    "by_commune": ("Xã, phường", "Commune or ward"),
    "by_ward": ("Xã, phường", "Commune or ward"),
    "by_legacy_district": ("Huyện cũ", "Former district"),
    "by_province": ("Tỉnh, thành phố", "Province"),
}
# Certificate states in the order an office reads them; "none" is a product without one.
STATUS_ORDER = ("valid", "expiring", "expired", "revoked", "none")
STATUS_NAMES: dict[str, tuple[str, str]] = {
    **CERTIFICATE_STATUS,
    "none": ("Chưa có chứng nhận", "No certificate"),
}
# The dashboard lists the largest rows of a long breakdown; its own page lists them all.
TOP_ROWS = 10


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: tuple[str, str]
    rows: list[tuple[str, float]]
    column: tuple[str, str] = ("Mục", "Item")

    @property
    def total(self) -> float:
        return sum(value for _, value in self.rows)

    @property
    def top(self) -> list[tuple[str, float]]:
        """The rows the dashboard shows (the largest `TOP_ROWS`)."""
        return self.rows[:TOP_ROWS]

    @property
    def cut(self) -> bool:
        """Whether the dashboard leaves rows out (and links to the full list)."""
        return len(self.rows) > TOP_ROWS


def breakdown_rows(raw: Any) -> list[tuple[str, float]]:
    """`{key: count}` or `[{name|key|code, count}]` → `[(key, count)]`."""
    rows: list[tuple[str, float]] = []
    if isinstance(raw, dict):
        for key, value in raw.items():
            if isinstance(value, int | float):
                rows.append((str(key), float(value)))
            elif isinstance(value, dict) and isinstance(value.get("count"), int | float):
                rows.append((str(value.get("name") or key), float(value["count"])))
    elif isinstance(raw, list):
        for item in raw:
            if not isinstance(item, dict):
                continue
            key = item.get("name") or item.get("key") or item.get("code") or item.get("value")
            count = item.get("count", item.get("products"))
            if key is not None and isinstance(count, int | float):
                rows.append((str(key), float(count)))
    return rows


def label_for(key: str, lang: str, group_name: Callable[[str], str]) -> Callable[[str], str]:
    """How the row keys of one breakdown read to people."""

    def stars(value: str) -> str:
        return f"{value} sao" if lang == "vi" else f"{value} stars"

    def kind(value: str) -> str:
        pair = PRODUCER_KINDS.get(value)
        return (pair[1] if lang == "en" else pair[0]) if pair else value

    def unknown(value: str) -> str:
        if value in ("", "None", "null", "unknown"):
            return "Chưa rõ" if lang == "vi" else "Unknown"
        return value

    def status(value: str) -> str:
        pair = STATUS_NAMES.get(value)
        return (pair[1] if lang == "en" else pair[0]) if pair else value

    def product_set(value: str) -> str:
        if value == "none":
            return "Chưa chọn bộ sản phẩm" if lang == "vi" else "No product set chosen yet"
        return group_name(value)

    labels: dict[str, Callable[[str], str]] = {
        "by_stars": stars,
        "by_status": status,
        "by_group": group_name,
        "by_product_set": product_set,
        "by_producer_kind": kind,
        "by_province": province_name,
    }
    chosen = labels.get(key, unknown)
    return lambda value: chosen(value) if value not in ("", "None", "null") else unknown(value)


def read_breakdowns(
    stats: dict[str, Any],
    lang: str,
    group_name: Callable[[str], str],
    one_province: bool = False,
) -> list[Breakdown]:
    """Every `by_*` breakdown the registry gives, known ones first, labelled and sorted.

    A dashboard of one province has no breakdown by province (it would be one bar)."""
    keys = [k for k in BREAKDOWNS if k in stats]
    keys += sorted(k for k in stats if k.startswith("by_") and k not in BREAKDOWNS)
    if one_province:
        keys = [k for k in keys if k != "by_province"]
    result: list[Breakdown] = []
    for key in keys:
        label = label_for(key, lang, group_name)
        raw = breakdown_rows(stats[key])
        if key == "by_stars":
            raw.sort(key=lambda row: row[0])
        elif key == "by_status":
            raw.sort(key=lambda row: STATUS_ORDER.index(row[0]) if row[0] in STATUS_ORDER else 99)
        else:
            raw.sort(key=lambda row: (-row[1], label(row[0])))
        rows = [(label(name), value) for name, value in raw]
        default_title = (key.removeprefix("by_").replace("_", " "),) * 2
        result.append(
            Breakdown(
                key, BREAKDOWNS.get(key, default_title), rows, COLUMNS.get(key, ("Mục", "Item"))
            )
        )
    return result


def certified_products(stats: dict[str, Any]) -> int | None:
    """Products holding a 3–5★ certificate (`certified_total`, else summed from `by_stars`)."""
    if isinstance(stats.get("certified_total"), int):
        return int(stats["certified_total"])
    rows = breakdown_rows(stats.get("by_stars"))
    if not rows:
        return None
    return int(sum(value for key, value in rows if key.strip()[:1] in ("3", "4", "5")))


def target_of(session: Session, province_code: str, year: int) -> ProvinceTarget | None:
    return session.scalars(
        select(ProvinceTarget).where(
            ProvinceTarget.province_code == province_code, ProvinceTarget.year == year
        )
    ).one_or_none()


def set_target(
    session: Session,
    province_code: str,
    year: int,
    target_products: int,
    note: str | None,
    actor: str,
) -> ProvinceTarget:
    """Create or change a province's target for a year, keeping the change in history."""
    target = target_of(session, province_code, year)
    before = None
    if target is None:
        target = ProvinceTarget(
            province_code=province_code,
            year=year,
            target_products=target_products,
            note=note,
            updated_by=actor,
        )
        session.add(target)
        session.flush()
        action = "created"
    else:
        before = {"target_products": target.target_products, "note": target.note}
        target.target_products = target_products
        target.note = note
        target.updated_by = actor
        action = "updated"
    record_change(
        session,
        "province_target",
        target.id,
        action,
        actor,
        before,
        {
            "province_code": province_code,
            "year": year,
            "target_products": target_products,
            "note": note,
        },
    )
    return target


def progress_percent(achieved: int | None, target: int | None) -> float | None:
    if achieved is None or not target:
        return None
    return round(100.0 * achieved / target, 1)
