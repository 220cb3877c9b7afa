"""Keep the product read model in step with the registry's events; list products due."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ocop_contracts import CERTIFICATE_EXPIRING_WITHIN_DAYS, ProductSnapshot
from ocop_evaluation.products.models import KnownProduct


def apply_snapshots(session: Session, snapshots: list[ProductSnapshot]) -> None:
    """Insert or update products from the registry's snapshots (the consumer orders events):
    read in one query and written at the commit, not read and flushed one at a time."""
    ids = [snapshot.id for snapshot in snapshots]
    known = {p.id: p for p in session.scalars(select(KnownProduct).where(KnownProduct.id.in_(ids)))}
    with session.no_autoflush:
        for snapshot in snapshots:
            product = known.get(snapshot.id)
            if product is None:
                product = known[snapshot.id] = KnownProduct(id=snapshot.id)
                session.add(product)
            _copy_snapshot(product, snapshot)


def _copy_snapshot(product: KnownProduct, snapshot: ProductSnapshot) -> None:
    product.name = snapshot.name
    product.group = snapshot.group
    product.product_set = snapshot.product_set
    product.province_code = snapshot.address.province_code
    product.producer_id = snapshot.producer.id
    product.producer_name = snapshot.producer.name
    product.deleted = snapshot.deleted
    certificate = snapshot.certificate
    product.stars = certificate.stars if certificate else None
    product.certificate_level = certificate.level if certificate else None
    product.certificate_status = certificate.status if certificate else None
    product.recognised_on = certificate.recognised_on if certificate else None
    product.expires_on = certificate.expires_on if certificate else None


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
