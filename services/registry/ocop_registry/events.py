"""The product document (API response, event snapshot, export item) and the events about it.

Every event about a product raises the product's `version` by one, so consumers can drop any
event that is not newer than what they hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ocop_contracts import (
    CertificateExpired,
    CertificateExpiring,
    CertificateIssued,
    CertificateRevoked,
    EventBase,
    ProductChanged,
    ProductMerged,
    ProductSnapshot,
)
from ocop_kit.dates import today_local
from ocop_kit.outbox import publish
from ocop_registry.catalog.groups import group_name, product_set_name
from ocop_registry.certificates.models import Certificate
from ocop_registry.certificates.rules import certificate_status
from ocop_registry.producers.models import Producer
from ocop_registry.products.models import Product

ProductEvent = (
    type[ProductChanged]
    | type[CertificateIssued]
    | type[CertificateExpiring]
    | type[CertificateExpired]
    | type[CertificateRevoked]
    | type[ProductMerged]
)


def address_document(producer: Producer) -> dict[str, Any]:
    return {
        "province_code": producer.province_code,
        "province_name": producer.province_name,
        "ward_code": producer.ward_code,
        "ward_name": producer.ward_name,
        "street": producer.street,
        "legacy": producer.legacy,
        "legacy_commune": producer.legacy_commune,
        "legacy_district": producer.legacy_district,
        "legacy_province": producer.legacy_province,
    }


def certificate_document(certificate: Certificate, today: date) -> dict[str, Any]:
    return {
        "id": certificate.id,
        "stars": certificate.stars,
        "level": certificate.level,
        "decision_no": certificate.decision_no,
        "recognised_on": certificate.recognised_on.isoformat(),
        "expires_on": certificate.expires_on.isoformat(),
        "status": certificate_status(
            certificate.expires_on, today, revoked=certificate.status == "revoked"
        ),
    }


def product_document(
    product: Product,
    producer: Producer,
    certificate: Certificate | None,
    today: date | None = None,
) -> dict[str, Any]:
    """The product as everyone sees it: fields, producer, address and certificate with its
    status computed against today."""
    today = today or today_local()
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "group": product.group,
        "group_name": group_name(product.group),
        "product_set": product.product_set,
        "product_set_name": product_set_name(product.product_set),
        "price_vnd": product.price_vnd,
        "unit": product.unit,
        "barcode": product.barcode,
        "weight_grams": product.weight_grams,
        "images": list(product.images or []),
        "certifications": list(product.certifications or []),
        "channels": list(product.channels or []),
        "geographical_indication": product.geographical_indication,
        "collective_trademark": product.collective_trademark,
        "traceability_url": product.traceability_url,
        "producer": {"id": producer.id, "name": producer.name, "kind": producer.kind},
        "producer_id": producer.id,
        "province_code": producer.province_code,
        "address": address_document(producer),
        "certificate": certificate_document(certificate, today) if certificate else None,
        "deleted": product.deleted_at is not None,
        "version": product.version,
        "created_at": product.created_at.isoformat(),
        "updated_at": product.updated_at.isoformat(),
    }


def current_certificate(session: Session, product_id: str) -> Certificate | None:
    return session.scalars(
        select(Certificate).where(Certificate.product_id == product_id, Certificate.current)
    ).first()


def current_certificates(session: Session, product_ids: Iterable[str]) -> dict[str, Certificate]:
    ids = list(product_ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(Certificate).where(Certificate.product_id.in_(ids), Certificate.current)
    )
    return {row.product_id: row for row in rows}


NEW_PRODUCTS = "ocop_registry.new_products"


def mark_new(session: Session, product: Product) -> None:
    """Note a product inserted in this transaction (nobody else can be changing it)."""
    session.info.setdefault(NEW_PRODUCTS, set()).add(product.id)


def next_version(session: Session, product: Product) -> int:
    """The product's next event version. For an existing product the increment happens in the
    database (`version = version + 1`), so two transactions changing the same product at once
    still publish distinct, increasing versions."""
    if inspect(product).pending or product.id in session.info.get(NEW_PRODUCTS, ()):
        product.version = (product.version or 0) + 1
        return product.version
    version: int = session.execute(
        update(Product)
        .where(Product.id == product.id)
        .values(version=Product.version + 1)
        .returning(Product.version)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(product, "version", version)
    return version


def announce(
    session: Session,
    event_type: ProductEvent,
    product: Product,
    producer: Producer | None = None,
    certificate: Certificate | bool | None = True,
    today: date | None = None,
    **fields: Any,
) -> None:
    """Raise the product's version and publish `event_type` with its full snapshot, in the
    caller's transaction. `certificate=True` looks the current certificate up; `fields` are the
    event's own (`merged_into`)."""
    event = product_event(session, event_type, product, producer, certificate, today, **fields)
    publish(session, event)


def product_event(
    session: Session,
    event_type: ProductEvent,
    product: Product,
    producer: Producer | None = None,
    certificate: Certificate | bool | None = True,
    today: date | None = None,
    **fields: Any,
) -> EventBase:
    """Raise the product's version and build `event_type` with its full snapshot: `announce`
    without the publishing (sheet imports publish a chunk's events at once)."""
    producer = producer or session.get(Producer, product.producer_id)
    assert producer is not None
    cert: Certificate | None
    if certificate is True:
        session.flush()
        cert = current_certificate(session, product.id)
    else:
        cert = certificate or None
    next_version(session, product)
    document = product_document(product, producer, cert, today)
    snapshot = ProductSnapshot.model_validate(document)
    return event_type(aggregate_id=product.id, version=product.version, payload=snapshot, **fields)
