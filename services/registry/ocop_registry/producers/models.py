"""Producers (chủ thể OCOP)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ocop_kit.db import UTCDateTime, new_id, utc_now
from ocop_registry.database import Base


class Producer(Base):
    """An enterprise, cooperative, cooperative group or household business, with its address in
    the current units and, where it was given so, the pre-2025 address."""

    __tablename__ = "producers"
    __table_args__ = (
        Index("ix_producers_province", "province_code", "id"),
        # The same producer is the same name at the same address (imports rely on it).
        Index("uq_producers_identity", "name_key", "address_key", unique=True),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    tax_code: Mapped[str | None] = mapped_column(String(20), default=None)
    phone: Mapped[str | None] = mapped_column(String(30), default=None)
    email: Mapped[str | None] = mapped_column(String(200), default=None)
    province_code: Mapped[str] = mapped_column(String(4))
    province_name: Mapped[str] = mapped_column(String(100))
    ward_code: Mapped[str | None] = mapped_column(String(8), default=None)
    ward_name: Mapped[str | None] = mapped_column(String(100), default=None)
    street: Mapped[str | None] = mapped_column(String(300), default=None)
    legacy: Mapped[str | None] = mapped_column(String(500), default=None)
    legacy_commune: Mapped[str | None] = mapped_column(String(100), default=None)
    legacy_district: Mapped[str | None] = mapped_column(String(100), default=None)
    legacy_province: Mapped[str | None] = mapped_column(String(100), default=None)
    address_key: Mapped[str] = mapped_column(String(600))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
