"""Notices to producers (certificate expiry), shown by the portal and sent by e-mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ocop_kit.db import UTCDateTime, new_id, utc_now
from ocop_registry.database import Base


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_producer", "producer_id", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    producer_id: Mapped[str] = mapped_column(String(36))
    product_id: Mapped[str | None] = mapped_column(String(36), default=None)
    kind: Mapped[str] = mapped_column(String(32))  # certificate_expiring | certificate_expired
    message: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    emailed_to: Mapped[str | None] = mapped_column(String(200), default=None)
    # Set once the e-mail to `emailed_to` went out; e-mails leave only after the notice commits.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
