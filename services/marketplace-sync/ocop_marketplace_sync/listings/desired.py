"""What a channel should show for a product: a pure mapping, its completeness and its hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ocop_contracts import ProductSnapshot
from ocop_marketplace_sync.channels.config import Channel

# Fields a price/stock-only call can change; anything else needs a full update.
PRICE_STOCK_FIELDS = frozenset({"price_vnd", "stock"})


@dataclass(frozen=True)
class DesiredListing:
    payload: dict[str, Any]
    payload_hash: str
    missing: list[str]


def stock_of(product: ProductSnapshot, channel: Channel) -> int:
    """Absolute stock to show: the registry's figure when it sends one, else the channel default."""
    extra = product.model_extra or {}
    value = extra.get("stock_quantity", extra.get("stock"))
    return int(value) if isinstance(value, int) and value >= 0 else channel.default_stock


def listing_payload(product: ProductSnapshot, channel: Channel) -> dict[str, Any]:
    """The channel-neutral payload (our SKU is the product id); adapters translate it."""
    certificate = product.certificate
    return {
        "sku": product.id,
        "name": product.name,
        "description": product.description or "",
        "price_vnd": product.price_vnd,
        "stock": stock_of(product, channel),
        "weight_grams": product.weight_grams,
        "images": list(product.images),
        "category": channel.category_for(product.group),
        "attributes": {
            "brand": product.producer.name,
            "origin": product.address.province_name,
            "ocop_stars": certificate.stars if certificate else None,
            "ocop_decision": certificate.decision_no if certificate else None,
            "barcode": product.barcode,
        },
    }


def missing_fields(payload: dict[str, Any], channel: Channel) -> list[str]:
    """The channel's required fields this payload lacks (empty when it may be pushed)."""
    missing: list[str] = []
    for field in channel.required_fields:
        value = payload.get(field)
        if field == "price_vnd" or field == "weight_grams":
            if not isinstance(value, int) or value <= 0:
                missing.append(field)
        elif not value:
            missing.append(field)
    return missing


def payload_hash(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def desired_listing(product: ProductSnapshot, channel: Channel) -> DesiredListing:
    payload = listing_payload(product, channel)
    return DesiredListing(payload, payload_hash(payload), missing_fields(payload, channel))


def only_price_or_stock_changed(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """True when a pushed payload differs from the new one in price or stock alone."""
    if old is None:
        return False
    changed = {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}
    return bool(changed) and changed <= PRICE_STOCK_FIELDS


def wants_listing(product: ProductSnapshot, channel_code: str) -> bool:
    """A product is listed on a channel it chose while its certificate is valid or expiring."""
    return product.is_public and channel_code in product.channels
