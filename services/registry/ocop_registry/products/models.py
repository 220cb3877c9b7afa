"""Products and the marketplace listings the registry hears about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ocop_kit.db import JSONType, UTCDateTime, new_id, utc_now
from ocop_registry.database import Base


class Product(Base):
    """A producer's product. `version` rises with every event about it (and is its ETag)."""

    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_province", "province_code", "id"),
        Index("uq_products_identity", "producer_id", "name_key", unique=True),
        # The duplicate check's index catches up with what changed since it last looked.
        Index("ix_products_province_updated", "province_code", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    producer_id: Mapped[str] = mapped_column(ForeignKey("producers.id"), index=True)
    # Copied from the producer so lists and figures filter by province without a join.
    province_code: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300))
    group: Mapped[str] = mapped_column(String(64))
    # The bộ sản phẩm (Decision 26/2026) whose card scores it; None until someone chooses one
    # where the group does not imply a single set.
    product_set: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    price_vnd: Mapped[int | None] = mapped_column(Integer, default=None)
    unit: Mapped[str | None] = mapped_column(String(50), default=None)
    barcode: Mapped[str | None] = mapped_column(String(14), default=None)
    weight_grams: Mapped[int | None] = mapped_column(Integer, default=None)
    images: Mapped[list[str]] = mapped_column(JSONType, default=list)
    certifications: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    channels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    geographical_indication: Mapped[str | None] = mapped_column(String(200), default=None)
    collective_trademark: Mapped[str | None] = mapped_column(String(200), default=None)
    traceability_url: Mapped[str | None] = mapped_column(String(500), default=None)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # Withdrawn from the registry (kept for history; consumers see `deleted: true`).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Merged into another product (a duplicate): withdrawn, and its id points to the kept one.
    merged_into: Mapped[str | None] = mapped_column(String(36), default=None)


class MarketListing(Base):
    """What the sync service last told us about a product on a channel (`listing.changed`)."""

    __tablename__ = "market_listings"

    product_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class SearchVisibility(Base):
    """Whether shoppers can find a product, as the search service last told us
    (`search.indexed`): an import's progress counts its products found here."""

    __tablename__ = "search_visibility"

    product_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    searchable: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
