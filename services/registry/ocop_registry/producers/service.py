"""Producer operations: register, change (every change reaches its products' snapshots)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_contracts import ProductChanged
from ocop_kit.auth import Principal
from ocop_kit.db import utc_now
from ocop_kit.errors import FieldError, Forbidden, NotFound, ValidationFailed
from ocop_kit.history import record_change
from ocop_kit.text import matching_key, nfc
from ocop_registry import access
from ocop_registry.admin_units import (
    AddressNotUnderstood,
    ResolvedAddress,
    resolve_address_text,
    resolve_ward_code,
)
from ocop_registry.events import address_document, announce
from ocop_registry.producers.models import Producer
from ocop_registry.producers.schemas import AddressIn, ProducerCreate, ProducerOut, ProducerUpdate
from ocop_registry.products.models import Product


def resolve_address(address: AddressIn, field: str = "address") -> ResolvedAddress:
    """Place an address in the current units, or a 422 naming the part not understood."""
    try:
        if address.ward_code:
            resolved = resolve_ward_code(address.ward_code)
        else:
            resolved = resolve_address_text(address.legacy or "")
    except AddressNotUnderstood as exc:
        sub = "ward_code" if address.ward_code else "legacy"
        raise ValidationFailed(
            "Không xác định được địa chỉ",
            "The address could not be resolved",
            errors=[FieldError(f"{field}.{sub}", exc.message_vi, exc.message_en, part=exc.part)],
        ) from exc
    if address.street:
        resolved = ResolvedAddress(**{**resolved.__dict__, "street": nfc(address.street).strip()})
    return resolved


def address_key(resolved: ResolvedAddress) -> str:
    """What makes two written addresses the same place: current ward plus street."""
    return f"{resolved.ward_code or resolved.province_code}|{matching_key(resolved.street or '')}"


def apply_address(producer: Producer, resolved: ResolvedAddress) -> None:
    producer.province_code = resolved.province_code
    producer.province_name = resolved.province_name
    producer.ward_code = resolved.ward_code
    producer.ward_name = resolved.ward_name
    producer.street = resolved.street
    producer.legacy = resolved.legacy
    producer.legacy_commune = resolved.legacy_commune
    producer.legacy_district = resolved.legacy_district
    producer.legacy_province = resolved.legacy_province
    producer.address_key = address_key(resolved)


def producer_record(producer: Producer) -> dict[str, Any]:
    """The producer as kept in history."""
    return {
        "name": producer.name,
        "kind": producer.kind,
        "tax_code": producer.tax_code,
        "phone": producer.phone,
        "email": producer.email,
        "address": address_document(producer),
    }


def producer_out(producer: Producer) -> ProducerOut:
    return ProducerOut.model_validate(
        {
            **producer_record(producer),
            "id": producer.id,
            "version": producer.version,
            "created_at": producer.created_at,
            "updated_at": producer.updated_at,
        }
    )


def find_producer(session: Session, name: str, resolved: ResolvedAddress) -> Producer | None:
    return session.scalars(
        select(Producer).where(
            Producer.name_key == matching_key(name),
            Producer.address_key == address_key(resolved),
        )
    ).first()


def new_producer(
    name: str,
    kind: str,
    resolved: ResolvedAddress,
    tax_code: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> Producer:
    now = utc_now()
    producer = Producer(
        name=nfc(name).strip(),
        name_key=matching_key(name),
        kind=kind,
        tax_code=tax_code,
        phone=phone,
        email=email,
        version=1,
        created_at=now,
        updated_at=now,
    )
    apply_address(producer, resolved)
    return producer


def create_producer(session: Session, data: ProducerCreate, principal: Principal) -> Producer:
    """Register a producer in a province the caller may act in (one name per address)."""
    resolved = resolve_address(data.address)
    if not principal.may_act_in_province(resolved.province_code):
        raise Forbidden(
            "Bạn chỉ được đăng ký chủ thể trong tỉnh của mình",
            "You may register producers only in your own province",
        )
    if find_producer(session, data.name, resolved) is not None:
        raise ValidationFailed(
            "Chủ thể cùng tên, cùng địa chỉ đã có",
            "A producer with this name at this address already exists",
            errors=[FieldError("name", "Đã có chủ thể này", "Producer already exists")],
        )
    producer = new_producer(data.name, data.kind, resolved, data.tax_code, data.phone, data.email)
    session.add(producer)
    session.flush()
    record_change(
        session,
        "producer",
        producer.id,
        "created",
        principal.subject,
        None,
        producer_record(producer),
    )
    return producer


def get_producer(session: Session, producer_id: str) -> Producer:
    producer = session.get(Producer, producer_id)
    if producer is None:
        raise NotFound("Không có chủ thể này", "No such producer")
    return producer


def update_producer(
    session: Session, producer: Producer, data: ProducerUpdate, principal: Principal
) -> Producer:
    """Change a producer; each of its products gets a new snapshot event."""
    access.ensure_may_write_producer(principal, producer)
    before = producer_record(producer)
    changes = data.model_dump(exclude_unset=True, exclude={"address"})
    for key, value in changes.items():
        if key == "name" and value is not None:
            producer.name = nfc(value).strip()
            producer.name_key = matching_key(value)
        elif value is not None or key in ("tax_code", "phone", "email"):
            setattr(producer, key, value)
    if data.address is not None:
        resolved = resolve_address(data.address)
        if not principal.may_act_in_province(resolved.province_code) and (
            resolved.province_code != producer.province_code
        ):
            raise Forbidden(
                "Không thể chuyển chủ thể sang tỉnh khác",
                "You may not move a producer to another province",
            )
        apply_address(producer, resolved)
    after = producer_record(producer)
    if after == before:
        return producer
    with session.no_autoflush:
        clash = session.scalars(
            select(Producer.id).where(
                Producer.name_key == producer.name_key,
                Producer.address_key == producer.address_key,
                Producer.id != producer.id,
            )
        ).first()
    if clash:
        raise ValidationFailed(
            "Đã có chủ thể cùng tên, cùng địa chỉ",
            "Another producer has this name at this address",
            errors=[FieldError("name", "Trùng chủ thể khác", "Same as another producer")],
        )
    producer.version += 1
    producer.updated_at = utc_now()
    record_change(session, "producer", producer.id, "updated", principal.subject, before, after)
    products = session.scalars(select(Product).where(Product.producer_id == producer.id))
    for product in products:
        product.province_code = producer.province_code
        # Its snapshot changed too (the duplicate index catches up by this time).
        product.updated_at = producer.updated_at
        announce(session, ProductChanged, product, producer)
    return producer
