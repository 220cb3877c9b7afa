"""Keep the product read model in step with the registry's events; list products due."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ocop_contracts import CERTIFICATE_EXPIRING_WITHIN_DAYS, ProductSnapshot
from ocop_evaluation.products.models import KnownProduct
from ocop_kit.db import upsert_rows, utc_now


def apply_snapshots(session: Session, snapshots: list[ProductSnapshot]) -> None:
    """Insert or update products from the registry's snapshots (the consumer orders events; a
    product given twice keeps the later snapshot): one statement for all, no ORM object a
    product (a bulk import sends tens of thousands)."""
    now = utc_now()
    rows = {snapshot.id: {**_columns(snapshot), "updated_at": now} for snapshot in snapshots}
    upsert_rows(session, KnownProduct.__table__, list(rows.values()), key=["id"], update=_UPDATED)


def _columns(snapshot: ProductSnapshot) -> dict[str, Any]:
    certificate = snapshot.certificate
    return {
        "id": snapshot.id,
        "name": snapshot.name,
        "group": snapshot.group,
        "product_set": snapshot.product_set,
        "province_code": snapshot.address.province_code,
        "producer_id": snapshot.producer.id,
        "producer_name": snapshot.producer.name,
        "deleted": snapshot.deleted,
        "stars": certificate.stars if certificate else None,
        "certificate_level": certificate.level if certificate else None,
        "certificate_status": certificate.status if certificate else None,
        "recognised_on": certificate.recognised_on if certificate else None,
        "expires_on": certificate.expires_on if certificate else None,
    }


# Every column but the key is the snapshot's (and the time of this update).
_UPDATED = [c.key for c in KnownProduct.__table__.columns if c.key != "id"]


def due_products_query(
    province_code: str | None, today: date, within_days: int = CERTIFICATE_EXPIRING_WITHIN_DAYS
) -> Select[tuple[KnownProduct]]:
    """Products whose certificate expires within `within_days` (or has expired): re-evaluate."""
    query = select(KnownProduct).where(
        KnownProduct.deleted.is_(False),
        KnownProduct.expires_on.is_not(None),
        KnownProduct.expires_on <= today + timedelta(days=within_days),
        KnownProduct.certificate_status != "revoked",
    )
    if province_code:
        query = query.where(KnownProduct.province_code == province_code)
    return query
