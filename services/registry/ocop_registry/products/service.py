"""Product operations: register, change, read with visibility rules, list, history."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from ocop_contracts import CERTIFICATE_EXPIRING_WITHIN_DAYS, ProductChanged
from ocop_kit.auth import Principal
from ocop_kit.dates import today_local
from ocop_kit.db import new_id, utc_now
from ocop_kit.errors import FieldError, NotFound, ProblemError, ValidationFailed
from ocop_kit.history import record_change
from ocop_kit.tables import ChangeRecord
from ocop_kit.text import matching_key, nfc
from ocop_registry import access
from ocop_registry.catalog.groups import infer_product_set, product_set_name, sets_for_group
from ocop_registry.certificates.models import Certificate
from ocop_registry.duplicates.service import refuse_or_record_duplicates
from ocop_registry.events import (
    announce,
    current_certificate,
    current_certificates,
    mark_new,
    product_document,
)
from ocop_registry.producers.models import Producer
from ocop_registry.products.models import Product
from ocop_registry.products.schemas import ProductCreate, ProductUpdate

EDITABLE = (
    "name",
    "group",
    "product_set",
    "description",
    "price_vnd",
    "unit",
    "weight_grams",
    "certifications",
    "barcode",
    "channels",
    "images",
    "geographical_indication",
    "collective_trademark",
    "traceability_url",
)


def product_record(product: Product) -> dict[str, Any]:
    """The product's own fields, as kept in history."""
    return {name: getattr(product, name) for name in EDITABLE}


def resolve_product_set(group: str, product_set: str | None) -> str | None:
    """The set a product of `group` belongs to: the one given if it lies in the group, else the
    one the group implies, else None ("choose a set")."""
    if product_set is None:
        return infer_product_set(group)
    if product_set not in sets_for_group(group):
        raise ValidationFailed(
            "Bộ sản phẩm không thuộc nhóm đã chọn",
            "The product set is not in the chosen group",
            errors=[
                FieldError(
                    "product_set",
                    f"“{product_set_name(product_set)}” không thuộc nhóm {group}",
                    f"“{product_set}” is not in group {group}",
                )
            ],
        )
    return product_set


def new_product(
    producer: Producer,
    name: str,
    group: str,
    product_set: str | None,
    *,
    description: str | None = None,
    price_vnd: int | None = None,
    unit: str | None = None,
    weight_grams: int | None = None,
    barcode: str | None = None,
    certifications: list[dict[str, Any]] | None = None,
    channels: list[str] | None = None,
    images: list[str] | None = None,
    geographical_indication: str | None = None,
    collective_trademark: str | None = None,
    traceability_url: str | None = None,
) -> Product:
    """A new product of `producer`, not stored yet (registered by hand or imported from a
    sheet): the name kept in NFC beside its matching key, the producer's province, version 0
    (its first event makes it 1)."""
    now = utc_now()
    return Product(
        id=new_id(),
        producer_id=producer.id,
        province_code=producer.province_code,
        name=nfc(name).strip(),
        name_key=matching_key(name),
        group=group,
        product_set=product_set,
        description=description,
        price_vnd=price_vnd,
        unit=unit,
        weight_grams=weight_grams,
        barcode=barcode,
        certifications=certifications or [],
        channels=channels or [],
        images=images or [],
        geographical_indication=geographical_indication,
        collective_trademark=collective_trademark,
        traceability_url=traceability_url,
        version=0,
        created_at=now,
        updated_at=now,
    )


def create_product(session: Session, data: ProductCreate, principal: Principal) -> Product:
    """Register a product of a producer the caller may act for; publishes ProductChanged."""
    producer = session.get(Producer, data.producer_id)
    if producer is None:
        raise ValidationFailed(
            "Không có chủ thể này",
            "No such producer",
            errors=[FieldError("producer_id", "Không có chủ thể này", "No such producer")],
        )
    access.ensure_may_write_producer(principal, producer)
    name_key = matching_key(data.name)
    exists = session.scalars(
        select(Product.id).where(Product.producer_id == producer.id, Product.name_key == name_key)
    ).first()
    if exists:
        raise ValidationFailed(
            "Chủ thể đã có sản phẩm cùng tên",
            "The producer already has a product with this name",
            errors=[FieldError("name", "Trùng tên sản phẩm", "Duplicate product name")],
        )
    product = new_product(
        producer,
        data.name,
        data.group,
        resolve_product_set(data.group, data.product_set),
        description=data.description,
        price_vnd=data.price_vnd,
        unit=data.unit,
        weight_grams=data.weight_grams,
        barcode=data.barcode,
        certifications=[c.model_dump(mode="json") for c in data.certifications or []],
        channels=data.channels,
        images=data.images,
        geographical_indication=data.geographical_indication,
        collective_trademark=data.collective_trademark,
        traceability_url=data.traceability_url,
    )
    refuse_or_record_duplicates(
        session, product, producer, data.confirm_not_duplicate, principal, "create"
    )
    session.add(product)
    session.flush()
    mark_new(session, product)
    record_change(
        session, "product", product.id, "created", principal.subject, None, product_record(product)
    )
    announce(session, ProductChanged, product, producer, certificate=None)
    return product


def update_product(
    session: Session, product: Product, data: ProductUpdate, principal: Principal
) -> Product:
    """Change the fields sent; publishes ProductChanged when anything changed."""
    producer = session.get(Producer, product.producer_id)
    assert producer is not None
    access.ensure_may_write_producer(principal, producer)
    before = product_record(product)
    sent = data.model_dump(exclude_unset=True, exclude={"confirm_not_duplicate"}, mode="json")
    group = sent.get("group") or product.group
    if sent.get("product_set") is not None:
        sent["product_set"] = resolve_product_set(group, sent["product_set"])
    elif "product_set" not in sent and group != product.group:
        # A new group keeps the set if it still fits, else takes the one the group implies.
        kept = product.product_set if product.product_set in sets_for_group(group) else None
        sent["product_set"] = resolve_product_set(group, kept)
    for key, value in sent.items():
        if key in ("name", "group") and value is None:
            continue
        if key == "name":
            product.name = nfc(value).strip()
            product.name_key = matching_key(value)
        elif key in ("certifications", "channels", "images"):
            setattr(product, key, value or [])
        else:
            setattr(product, key, value)
    after = product_record(product)
    if after == before:
        return product
    if product.name_key != matching_key(before["name"]):
        with session.no_autoflush:
            clash = session.scalars(
                select(Product.id).where(
                    Product.producer_id == product.producer_id,
                    Product.name_key == product.name_key,
                    Product.id != product.id,
                )
            ).first()
        if clash:
            raise ValidationFailed(
                "Chủ thể đã có sản phẩm cùng tên",
                "The producer already has a product with this name",
                errors=[FieldError("name", "Trùng tên sản phẩm", "Duplicate product name")],
            )
        refuse_or_record_duplicates(
            session, product, producer, data.confirm_not_duplicate, principal, "update"
        )
    product.updated_at = utc_now()
    record_change(session, "product", product.id, "updated", principal.subject, before, after)
    announce(session, ProductChanged, product, producer)
    return product


def get_product(session: Session, product_id: str) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("Không có sản phẩm này", "No such product")
    return product


class ProductMovedTo(ProblemError):
    """The product was merged into another: its id answers 308 with `Location` and
    `merged_into` naming the product kept."""

    status = 308
    code = "product_merged"
    title = "Sản phẩm đã được gộp vào sản phẩm khác"
    title_en = "The product was merged into another"

    def __init__(self, kept_id: str) -> None:
        super().__init__(headers={"Location": f"/v1/products/{kept_id}"}, merged_into=kept_id)


def read_product(session: Session, product_id: str, principal: Principal | None) -> dict[str, Any]:
    """A product document; products without a valid certificate only for those in charge
    (others get 404, so nothing leaks). A merged product raises ProductMovedTo."""
    product = get_product(session, product_id)
    if product.merged_into is not None:
        raise ProductMovedTo(product.merged_into)
    producer = session.get(Producer, product.producer_id)
    assert producer is not None
    certificate = current_certificate(session, product.id)
    document = product_document(product, producer, certificate)
    public = (
        certificate is not None
        and product.deleted_at is None
        and document["certificate"]["status"] in ("valid", "expiring")
    )
    if not public and not access.may_see_unlisted(session, principal, product, producer):
        raise NotFound("Không có sản phẩm này", "No such product")
    return document


def ensure_may_read_records(session: Session, product: Product, principal: Principal) -> Producer:
    """The product's producer, once the caller is found in charge of the product's records."""
    producer = session.get(Producer, product.producer_id)
    assert producer is not None
    access.ensure_may_read_records(session, product, producer, principal)
    return producer


def list_query(
    principal: Principal | None,
    province_code: str | None,
    stars: int | None,
    group: str | None,
    status: str | None,
    producer_id: str | None,
    today: date,
    product_set: str | None = None,
) -> Select[Any]:
    """Products matching the filters that the caller may see."""
    query = (
        select(Product)
        .outerjoin(Certificate, and_(Certificate.product_id == Product.id, Certificate.current))
        .where(Product.deleted_at.is_(None))
    )
    if province_code:
        query = query.where(Product.province_code == province_code)
    if producer_id:
        query = query.where(Product.producer_id == producer_id)
    if stars is not None:
        query = query.where(Certificate.stars == stars)
    if group:
        query = query.where(or_(Product.group == group, Product.group.startswith(group + ".")))
    if product_set == "none":
        query = query.where(Product.product_set.is_(None))
    elif product_set:
        query = query.where(Product.product_set == product_set)
    soon = today + timedelta(days=CERTIFICATE_EXPIRING_WITHIN_DAYS)
    if status == "valid":
        query = query.where(Certificate.status != "revoked", Certificate.expires_on > soon)
    elif status == "expiring":
        query = query.where(
            Certificate.status != "revoked",
            Certificate.expires_on > today,
            Certificate.expires_on <= soon,
        )
    elif status == "expired":
        query = query.where(Certificate.status != "revoked", Certificate.expires_on <= today)
    elif status == "revoked":
        query = query.where(Certificate.status == "revoked")
    elif status == "none":
        query = query.where(Certificate.id.is_(None))
    return access.products_visible_to(query, principal, today)


def product_documents(session: Session, products: list[Product]) -> list[dict[str, Any]]:
    """Documents of many products with two queries (producers, certificates)."""
    producer_ids = {p.producer_id for p in products}
    producers = {
        p.id: p for p in session.scalars(select(Producer).where(Producer.id.in_(producer_ids)))
    }
    certificates = current_certificates(session, [p.id for p in products])
    today = today_local()
    return [
        product_document(p, producers[p.producer_id], certificates.get(p.id), today)
        for p in products
    ]


def product_history(session: Session, product: Product) -> list[ChangeRecord]:
    """Every change to the product, to the products merged into it and to its certificates,
    oldest first."""
    certificate_ids = list(
        session.scalars(select(Certificate.id).where(Certificate.product_id == product.id))
    )
    product_ids = [
        product.id,
        *list(session.scalars(select(Product.id).where(Product.merged_into == product.id))),
    ]
    query = (
        select(ChangeRecord)
        .where(
            or_(
                and_(
                    ChangeRecord.entity_type == "product",
                    ChangeRecord.entity_id.in_(product_ids),
                ),
                and_(
                    ChangeRecord.entity_type == "certificate",
                    ChangeRecord.entity_id.in_(certificate_ids),
                ),
            )
        )
        .order_by(ChangeRecord.seq)
    )
    return list(session.scalars(query))


def withdraw_product(session: Session, product: Product, reason: str, principal: Principal) -> None:
    """Withdraw a product from the registry (kept, with its history); ProductChanged with
    `deleted: true` tells search and the marketplaces to drop it."""
    producer = session.get(Producer, product.producer_id)
    assert producer is not None
    access.ensure_may_write_producer(principal, producer)
    if product.deleted_at is not None:
        return
    product.deleted_at = product.updated_at = utc_now()
    record_change(
        session, "product", product.id, "withdrawn", principal.subject, None, {"reason": reason}
    )
    announce(session, ProductChanged, product, producer)
