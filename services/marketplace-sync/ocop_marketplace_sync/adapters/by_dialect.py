"""The adapter class of each dialect (the table a sync run picks its adapter from)."""

from __future__ import annotations

from ocop_marketplace_sync.adapters.base import Adapter
from ocop_marketplace_sync.adapters.generic import GenericAdapter
from ocop_marketplace_sync.adapters.lazada import LazadaAdapter
from ocop_marketplace_sync.adapters.shopee import ShopeeAdapter
from ocop_marketplace_sync.adapters.tiki import TikiAdapter

ADAPTERS: dict[str, type[Adapter]] = {
    "shopee": ShopeeAdapter,
    "lazada": LazadaAdapter,
    "tiki": TikiAdapter,
    "generic": GenericAdapter,
}
