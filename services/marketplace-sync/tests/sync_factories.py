"""Factories for the sync service's tests."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from ocop_contracts import (
    AddressSnapshot,
    CertificateSnapshot,
    ProducerRef,
    ProductSnapshot,
)
from ocop_kit.db import new_id

_versions = itertools.count(1)


def make_product(
    *,
    channels: list[str],
    status: str | None = "valid",
    price_vnd: int | None = 120_000,
    group: str = "thuc_pham.nong_san",
    **overrides: Any,
) -> ProductSnapshot:
    """A certified product (unless `status=None`) with everything channels require."""
    certificate = None
    if status:
        certificate = CertificateSnapshot(
            stars=4,
            level="provincial",
            decision_no="123/QĐ-UBND",
            recognised_on=date(2025, 3, 1),
            expires_on=date(2025, 3, 1) + timedelta(days=3 * 365),
            status=status,  # type: ignore[arg-type]
        )
    fields: dict[str, Any] = {
        "id": new_id(),
        "name": "Nước mắm Hải Hậu",
        "description": "Nước mắm truyền thống, 40 độ đạm",
        "group": group,
        "price_vnd": price_vnd,
        "unit": "chai",
        "weight_grams": 750,
        "images": ["https://img.example.vn/nuoc-mam.jpg"],
        "channels": channels,
        "producer": ProducerRef(id=new_id(), name="HTX Hải Hậu", kind="cooperative"),
        "address": AddressSnapshot(province_code="25", province_name="Ninh Bình"),
        "certificate": certificate,
    }
    fields.update(overrides)
    return ProductSnapshot(**fields)


def with_status(product: ProductSnapshot, status: str) -> ProductSnapshot:
    assert product.certificate is not None
    certificate = product.certificate.model_copy(update={"status": status})
    return product.model_copy(update={"certificate": certificate})


def next_version() -> int:
    return next(_versions)


class Deliver:
    """Delivers product events to the service the way its worker does (consume + handlers)."""

    def __init__(self, db: Any, channels: dict[str, Any]) -> None:
        from ocop_marketplace_sync.consumers import consumer_handlers

        self.db = db
        self.handlers = consumer_handlers(channels, lambda session, codes: None)

    def __call__(self, event_type: type[Any], product: ProductSnapshot) -> str:
        from ocop_kit.consumer import consume

        event = event_type(aggregate_id=product.id, version=next_version(), payload=product)
        return consume(self.db, event, self.handlers)
