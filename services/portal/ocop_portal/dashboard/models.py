"""The portal's own table: the yearly target a province's OCOP office sets itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ocop_kit.db import UTCDateTime, new_id, utc_now
from ocop_portal.database import Base


class ProvinceTarget(Base):
    """How many OCOP products (3–5★, valid certificate) a province aims to have by a year's end."""

    __tablename__ = "province_targets"
    __table_args__ = (UniqueConstraint("province_code", "year"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    province_code: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    target_products: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
