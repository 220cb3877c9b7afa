"""The province's (or the country's) figures."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook
from sqlalchemy import Select, and_, case, distinct, func, select
from sqlalchemy.orm import Session

from ocop_contracts import top_level_group
from ocop_kit.sheets import inert_row
from ocop_registry.admin_units import province_name
from ocop_registry.catalog.groups import group_name, product_set_name
from ocop_registry.certificates.models import Certificate
from ocop_registry.certificates.rules import EXPIRING_WITHIN_DAYS, today_local
from ocop_registry.producers.models import Producer
from ocop_registry.products.models import MarketListing, Product


def _scoped(query: Select[Any], province_code: str | None) -> Select[Any]:
    query = query.where(Product.deleted_at.is_(None))
    return query.where(Product.province_code == province_code) if province_code else query


def _counts(session: Session, query: Select[Any]) -> dict[str, int]:
    return {str(key): int(count) for key, count in session.execute(query) if key is not None}


def province_stats(
    session: Session, province_code: str | None, today: date | None = None
) -> dict[str, Any]:
    """Products by star, group, producer kind, commune, pre-2025 district and province; the
    share listed on e-commerce; certificates expiring within 180 days."""
    today = today or today_local()
    soon = today + timedelta(days=EXPIRING_WITHIN_DAYS)
    total = session.scalar(_scoped(select(func.count(Product.id)), province_code)) or 0
    current = and_(
        Certificate.product_id == Product.id,
        Certificate.current,
        Certificate.status != "revoked",
    )
    valid = and_(current, Certificate.expires_on > today)
    by_stars = _counts(
        session,
        _scoped(
            select(Certificate.stars, func.count())
            .join(Product, valid)
            .group_by(Certificate.stars),
            province_code,
        ),
    )
    raw_groups = _counts(
        session, _scoped(select(Product.group, func.count()).group_by(Product.group), province_code)
    )
    by_group: dict[str, int] = {}
    for code, count in raw_groups.items():
        top = top_level_group(code)
        by_group[top] = by_group.get(top, 0) + count
    # Products awaiting the choice of a set count under "none" (as `?product_set=none` lists).
    by_product_set = {
        (code or "none"): int(count)
        for code, count in session.execute(
            _scoped(
                select(Product.product_set, func.count()).group_by(Product.product_set),
                province_code,
            )
        )
    }
    with_producer = select(Product).join(Producer, Producer.id == Product.producer_id)
    by_kind = _counts(
        session,
        _scoped(
            with_producer.with_only_columns(Producer.kind, func.count()).group_by(Producer.kind),
            province_code,
        ),
    )
    district_label = (
        func.coalesce(Producer.legacy_district, "")
        + ", "
        + func.coalesce(Producer.legacy_province, "")
    )
    by_district = _counts(
        session,
        _scoped(
            with_producer.with_only_columns(district_label, func.count())
            .where(Producer.legacy_district.is_not(None))
            .group_by(district_label),
            province_code,
        ),
    )
    by_commune = _counts(
        session,
        _scoped(
            with_producer.with_only_columns(Producer.ward_name, func.count()).group_by(
                Producer.ward_name
            ),
            province_code,
        ),
    )
    by_province = _counts(
        session,
        _scoped(
            select(Product.province_code, func.count()).group_by(Product.province_code),
            province_code,
        ),
    )
    online = (
        session.scalar(
            _scoped(
                select(func.count(distinct(MarketListing.product_id)))
                .join(Product, Product.id == MarketListing.product_id)
                .where(MarketListing.status == "listed"),
                province_code,
            )
        )
        or 0
    )
    expiring = (
        session.scalar(
            _scoped(
                select(func.count())
                .select_from(Certificate)
                .join(Product, current)
                .where(Certificate.expires_on > today, Certificate.expires_on <= soon),
                province_code,
            )
        )
        or 0
    )
    status = case(
        (Certificate.id.is_(None), "none"),
        (Certificate.status == "revoked", "revoked"),
        (Certificate.expires_on <= today, "expired"),
        (Certificate.expires_on <= soon, "expiring"),
        else_="valid",
    )
    by_status = _counts(
        session,
        _scoped(
            select(status, func.count())
            .select_from(Product)
            .outerjoin(Certificate, and_(Certificate.product_id == Product.id, Certificate.current))
            .group_by(status),
            province_code,
        ),
    )
    return {
        "province_code": province_code,
        "province_name": province_name(province_code) if province_code else None,
        "as_of": today.isoformat(),
        "products_total": total,
        "certified_total": sum(by_stars.values()),
        "by_stars": {str(s): by_stars.get(str(s), 0) for s in (3, 4, 5)},
        "by_status": {
            k: by_status.get(k, 0) for k in ("valid", "expiring", "expired", "revoked", "none")
        },
        "by_group": by_group,
        "by_product_set": by_product_set,
        "by_producer_kind": by_kind,
        "by_commune": by_commune,
        "by_legacy_district": by_district,
        "by_province": by_province,
        "on_ecommerce": {"count": online, "share": round(online / total, 4) if total else 0.0},
        "expiring_within_180_days": expiring,
    }


def stats_workbook(stats: dict[str, Any]) -> bytes:
    """The figures as an Excel workbook for the office's reports (one sheet per breakdown)."""
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = "Tổng hợp"
    for row in (
        ["Chỉ tiêu", "Giá trị"],
        ["Tỉnh/thành phố", stats["province_name"] or "Toàn quốc"],
        ["Ngày số liệu", stats["as_of"]],
        ["Tổng số sản phẩm", stats["products_total"]],
        ["Sản phẩm có chứng nhận còn hiệu lực", stats["certified_total"]],
        ["Sản phẩm bán trên sàn TMĐT", stats["on_ecommerce"]["count"]],
        ["Tỷ lệ bán trên sàn TMĐT", stats["on_ecommerce"]["share"]],
        ["Chứng nhận hết hạn trong 180 ngày", stats["expiring_within_180_days"]],
    ):
        summary.append(inert_row(row))
    sheets = (
        ("Theo hạng sao", "Hạng sao", stats["by_stars"], lambda k: f"{k} sao"),
        ("Theo tình trạng", "Tình trạng chứng nhận", stats["by_status"], _status_name),
        ("Theo nhóm", "Nhóm sản phẩm", stats["by_group"], lambda k: group_name(k) or k),
        ("Theo bộ sản phẩm", "Bộ sản phẩm", stats["by_product_set"], _product_set_label),
        ("Theo loại hình", "Loại hình chủ thể", stats["by_producer_kind"], _kind_name),
        ("Theo xã phường", "Xã/phường", stats["by_commune"], str),
        ("Theo huyện cũ", "Huyện (trước 2025)", stats["by_legacy_district"], str),
        ("Theo tỉnh", "Tỉnh/thành phố", stats["by_province"], lambda k: province_name(k) or k),
    )
    for title, header, counts, label in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append([header, "Số sản phẩm"])
        for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            # Communes and districts come from what offices typed.
            sheet.append(inert_row([label(key), count]))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _product_set_label(code: str) -> str:
    return product_set_name(code) or "Chưa chọn bộ sản phẩm"


def _kind_name(kind: str) -> str:
    return {
        "enterprise": "Doanh nghiệp",
        "cooperative": "Hợp tác xã",
        "cooperative_group": "Tổ hợp tác",
        "household": "Hộ kinh doanh",
    }.get(kind, kind)


def _status_name(status: str) -> str:
    return {
        "valid": "Còn hiệu lực",
        "expiring": "Sắp hết hạn (180 ngày)",
        "expired": "Đã hết hạn",
        "revoked": "Đã thu hồi",
        "none": "Chưa có chứng nhận",
    }.get(status, status)
