"""Star certificates: the current one of each product, and the ones it replaced."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ocop_kit.db import UTCDateTime, new_id, utc_now
from ocop_registry.database import Base


class Certificate(Base):
    """A recognition decision. `status` is the status last announced (the hourly job moves it
    along as days pass); `current` marks the one certificate a product holds now."""

    __tablename__ = "certificates"
    __table_args__ = (
        Index("ix_certificates_current", "current", "status", "expires_on"),
        Index("ix_certificates_product", "product_id", "current"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    stars: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))
    decision_no: Mapped[str | None] = mapped_column(String(100), default=None)
    recognised_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(16))  # evaluation | import | manual
    evaluation_application_id: Mapped[str | None] = mapped_column(String(64), default=None)
    notice_sent_on: Mapped[date | None] = mapped_column(Date, default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
