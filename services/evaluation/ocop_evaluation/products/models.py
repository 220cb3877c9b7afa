"""What the evaluation service knows of each product: the registry's snapshot, trimmed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ocop_evaluation.database import Base
from ocop_kit.db import UTCDateTime, utc_now


class KnownProduct(Base):
    """A product as the last product event described it (the registry owns the truth)."""

    __tablename__ = "products"
    __table_args__ = (Index("ix_products_province_expiry", "province_code", "expires_on"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    group: Mapped[str] = mapped_column(String(100))
    product_set: Mapped[str | None] = mapped_column(String(64), default=None)
    province_code: Mapped[str] = mapped_column(String(16))
    producer_id: Mapped[str] = mapped_column(String(64))
    producer_name: Mapped[str] = mapped_column(String(500))
    stars: Mapped[int | None] = mapped_column(Integer, default=None)
    certificate_level: Mapped[str | None] = mapped_column(String(16), default=None)
    certificate_status: Mapped[str | None] = mapped_column(String(16), default=None)
    recognised_on: Mapped[date | None] = mapped_column(Date, default=None)
    expires_on: Mapped[date | None] = mapped_column(Date, default=None)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
