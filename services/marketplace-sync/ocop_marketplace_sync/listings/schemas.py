"""What the listings and channels API reads and writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from ocop_kit.text import Line

ListingStatus = Literal["pending", "blocked", "syncing", "listed", "failed", "delisted"]


class ShopOut(BaseModel):
    shop_id: str
    name: str
    province_codes: list[str]


class ChannelOut(BaseModel):
    code: str
    name: str
    mode: Literal["api", "bulk_file"]
    dialect: str
    base_url: str | None
    rate_limit_per_second: float
    batch_price_size: int
    default_stock: int
    required_fields: list[str]
    category_map: dict[str, str]
    shops: list[ShopOut] = Field(description="Seller accounts (credentials are never shown).")


class ListingOut(BaseModel):
    id: str
    product_id: str
    channel: str
    shop_id: str
    status: ListingStatus
    missing: list[str] = Field(description="What the channel requires and the product lacks.")
    external_id: str | None
    sku: str = Field(description="Our SKU on the channel: the product id.")
    attempts: int
    last_error: str | None
    last_error_at: datetime | None
    synced_at: datetime | None
    next_attempt_at: datetime | None
    in_sync: bool = Field(description="False while a push, delisting or review is outstanding.")
    price_vnd: int | None
    updated_at: datetime


class PlaceToBuy(BaseModel):
    """Where a shopper can buy a product now (public)."""

    channel: str
    channel_name: str
    external_id: str | None
    price_vnd: int | None
    synced_at: datetime | None
    listing_url: str | None = Field(
        default=None, description="The product's page on the channel, where it can be bought."
    )


class ListingDetail(ListingOut):
    payload: dict[str, Any] = Field(description="What the channel should show.")
    pushed_payload: dict[str, Any] | None = Field(description="What was last pushed.")


class UploadedIn(BaseModel):
    listing_ids: list[Line] | None = Field(
        default=None,
        description="Rows of the upload sheet the operator uploaded; absent: every row of it.",
    )


class UploadedOut(BaseModel):
    listed: int
    delisted: int
    updated: int


class SyncRequested(BaseModel):
    channel: str
    status: Literal["queued"] = "queued"


class ReportOut(BaseModel):
    id: str
    channel: str
    kind: str
    started_at: datetime
    finished_at: datetime | None
    summary: dict[str, Any]


class ChannelStats(BaseModel):
    by_status: dict[str, int]
    failures_last_day: int


class SyncStats(BaseModel):
    channels: dict[str, ChannelStats]
    listings_total: int
    certified_products: int
    certified_on_any_channel: int
    share_on_any_channel: float = Field(description="0–1; certified products listed somewhere.")
    failures_last_day: int
