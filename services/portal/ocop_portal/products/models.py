"""The portal's table of short QR codes (see short_codes.py for why they are stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ocop_kit.db import UTCDateTime, utc_now
from ocop_portal.database import Base


class ProductShortCode(Base):
    """One product's short code, printed in its QR code as `/q/<code>`."""

    __tablename__ = "product_short_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
