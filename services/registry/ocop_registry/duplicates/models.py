"""Pairs of products found alike: the province's review queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ocop_kit.db import UTCDateTime, new_id, utc_now
from ocop_registry.database import Base


class DuplicatePair(Base):
    """Two products that look like one: `open` until an officer says `not_duplicate` (never
    shown again) or merges them (`merged`)."""

    __tablename__ = "duplicate_pairs"
    __table_args__ = (
        Index("ix_duplicate_pairs_queue", "province_code", "status", "id"),
        # One row a pair, whichever product came first.
        Index("uq_duplicate_pairs_pair", "pair_key", unique=True),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pair_key: Mapped[str] = mapped_column(String(80))
    province_code: Mapped[str] = mapped_column(String(4))
    # The product found alike (the newer one) and the one it resembles.
    product_id: Mapped[str] = mapped_column(String(36))
    other_id: Mapped[str] = mapped_column(String(36))
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(300))
    reason_en: Mapped[str] = mapped_column(String(300))
    # Where it was found: create, update, import.
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    decided_by: Mapped[str | None] = mapped_column(String(200), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


def pair_key(first_id: str, second_id: str) -> str:
    return "|".join(sorted((first_id, second_id)))
