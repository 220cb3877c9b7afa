"""The province's (or the country's) figures."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook
from sqlalchemy import Select, String, and_, case, cast, distinct, func, select
from sqlalchemy.orm import Session

from ocop_contracts import CERTIFICATE_EXPIRING_WITHIN_DAYS, top_level_group
from ocop_kit.dates import today_local
from ocop_kit.pagination import check_limit, decode_cursor, encode_cursor
from ocop_kit.sheets import inert_row
from ocop_registry.admin_units import province_name
from ocop_registry.catalog.groups import group_name, product_set_name
from ocop_registry.certificates.models import Certificate
from ocop_registry.certificates.rules import certificate_status
from ocop_registry.events import current_certificates
from ocop_registry.producers.models import Producer
from ocop_registry.products.models import MarketListing, Product
from ocop_registry.stats.listing_rules import LACKS_ORDER, ListingFacts, lacks_for_channel


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
    soon = today + timedelta(days=CERTIFICATE_EXPIRING_WITHIN_DAYS)
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
    online_figures = ecommerce_figures(session, province_code, total)
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
        # Listed through OCOP Hub (the meaning it always had); see also declared_online.
        "on_ecommerce": {k: online_figures["listed_via_hub"][k] for k in ("count", "share")},
        **online_figures,
        "expiring_within_180_days": expiring,
    }


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def _declared_channels(session: Session, province_code: str | None) -> dict[str, list[str]]:
    """Each product's channels as its producer declared them (products declaring none left
    out)."""
    query = _scoped(select(Product.id, Product.channels), province_code)
    query = query.where(cast(Product.channels, String) != "[]")
    return {pid: list(channels) for pid, channels in session.execute(query) if channels}


def _listed_channels(session: Session, product_ids: list[str]) -> dict[str, set[str]]:
    """The channels each product is listed on through OCOP Hub (`listing.changed`)."""
    listed: dict[str, set[str]] = {}
    for start in range(0, len(product_ids), 1000):
        query = select(MarketListing.product_id, MarketListing.channel).where(
            MarketListing.product_id.in_(product_ids[start : start + 1000]),
            MarketListing.status == "listed",
        )
        for product_id, channel in session.execute(query):
            listed.setdefault(product_id, set()).add(channel)
    return listed


def ecommerce_figures(session: Session, province_code: str | None, total: int) -> dict[str, Any]:
    """Selling online, both ways: declared by the producers (what the offices' sheets report)
    and listed through OCOP Hub (what this system put on the marketplaces), by channel, and
    how many declared products are not yet listed on every channel they declared."""
    declared = _declared_channels(session, province_code)
    listed_query = _scoped(
        select(MarketListing.channel, func.count(distinct(MarketListing.product_id)))
        .join(Product, Product.id == MarketListing.product_id)
        .where(MarketListing.status == "listed")
        .group_by(MarketListing.channel),
        province_code,
    )
    listed_by_channel = _counts(session, listed_query)
    listed = _listed_channels(session, list(declared))
    declared_by_channel: dict[str, int] = {}
    for channels in declared.values():
        for channel in channels:
            declared_by_channel[channel] = declared_by_channel.get(channel, 0) + 1
    listed_any: int = (
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
    behind = sum(1 for pid, channels in declared.items() if set(channels) - listed.get(pid, set()))
    return {
        "declared_online": {
            "count": len(declared),
            "share": _share(len(declared), total),
            "by_channel": declared_by_channel,
        },
        "listed_via_hub": {
            "count": listed_any,
            "share": _share(listed_any, total),
            "by_channel": listed_by_channel,
        },
        "declared_not_listed": behind,
    }


def listing_gaps(
    session: Session,
    province_code: str | None,
    channel: str | None,
    cursor: str | None,
    limit: int | None,
    today: date | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The office's to-do list: products whose producer declared channels they are not listed
    on through OCOP Hub, each with what it lacks there, a page at a time (by product id)."""
    size = check_limit(limit)
    today = today or today_local()
    after = decode_cursor(cursor, str) if cursor else None
    items: list[dict[str, Any]] = []
    while len(items) < size:
        query = _scoped(select(Product), province_code).where(
            cast(Product.channels, String) != "[]"
        )
        if after is not None:
            query = query.where(Product.id > after)
        batch = list(session.scalars(query.order_by(Product.id).limit(500)))
        if not batch:
            return items, None
        listed = _listed_channels(session, [p.id for p in batch])
        statuses = _listing_statuses(session, [p.id for p in batch])
        certificates = current_certificates(session, [p.id for p in batch])
        producers = {
            p.id: p
            for p in session.scalars(
                select(Producer).where(Producer.id.in_({p.producer_id for p in batch}))
            )
        }
        for product in batch:
            after = product.id
            item = _gap(
                product,
                producers[product.producer_id],
                certificates.get(product.id),
                listed.get(product.id, set()),
                statuses,
                channel,
                today,
            )
            if item is not None:
                items.append(item)
                if len(items) == size:
                    break
    return items, encode_cursor(after)


def _listing_statuses(session: Session, product_ids: list[str]) -> dict[tuple[str, str], str]:
    rows = session.execute(
        select(MarketListing.product_id, MarketListing.channel, MarketListing.status).where(
            MarketListing.product_id.in_(product_ids)
        )
    )
    return {(pid, channel): status for pid, channel, status in rows}


def _gap(
    product: Product,
    producer: Producer,
    certificate: Certificate | None,
    listed: set[str],
    statuses: dict[tuple[str, str], str],
    only_channel: str | None,
    today: date,
) -> dict[str, Any] | None:
    declared = list(product.channels or [])
    wanting = [c for c in declared if c not in listed and (only_channel in (None, c))]
    if not wanting:
        return None
    public = certificate is not None and certificate_status(
        certificate.expires_on, today, revoked=certificate.status == "revoked"
    ) in ("valid", "expiring")
    facts = ListingFacts(
        group=product.group,
        public=public,
        images=product.images or [],
        weight_grams=product.weight_grams,
        description=product.description,
        price_vnd=product.price_vnd,
    )
    channels = [
        {
            "channel": channel,
            "status": statuses.get((product.id, channel)),
            "lacks": lacks_for_channel(facts, channel),
        }
        for channel in wanting
    ]
    lacks = {name for c in channels for name in c["lacks"]}
    return {
        "id": product.id,
        "name": product.name,
        "producer": {"id": producer.id, "name": producer.name},
        "declared_channels": declared,
        "listed_channels": sorted(listed),
        "not_listed": channels,
        "lacks": [name for name in LACKS_ORDER if name in lacks],
    }


def stats_workbook(stats: dict[str, Any]) -> bytes:
    """The figures as an Excel workbook for the office's reports (one sheet per breakdown)."""
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = "Tổng hợp"
    declared, listed = stats["declared_online"], stats["listed_via_hub"]
    for row in (
        ["Chỉ tiêu", "Giá trị"],
        ["Tỉnh/thành phố", stats["province_name"] or "Toàn quốc"],
        ["Ngày số liệu", stats["as_of"]],
        ["Tổng số sản phẩm", stats["products_total"]],
        ["Sản phẩm có chứng nhận còn hiệu lực", stats["certified_total"]],
        ["Sản phẩm chủ thể khai bán trên sàn TMĐT", declared["count"]],
        ["Tỷ lệ khai bán trên sàn TMĐT", declared["share"]],
        ["Sản phẩm đã lên sàn qua OCOP Hub", listed["count"]],
        ["Tỷ lệ đã lên sàn qua OCOP Hub", listed["share"]],
        ["Khai bán nhưng chưa lên đủ sàn qua OCOP Hub", stats["declared_not_listed"]],
        ["Chứng nhận hết hạn trong 180 ngày", stats["expiring_within_180_days"]],
    ):
        summary.append(inert_row(row))
    sheets = (
        ("Khai bán theo sàn", "Sàn (chủ thể khai)", declared["by_channel"], str),
        ("Lên sàn qua OCOP Hub", "Sàn (OCOP Hub)", listed["by_channel"], str),
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
