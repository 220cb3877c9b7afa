"""Tables of the Search service (beside the kit's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ocop_kit.db import JSONType, UTCDateTime, utc_now
from ocop_search.database import Base


class QueuedProduct(Base):
    """A product's newest snapshot, waiting for the indexer to apply it (one row per product).

    Written in the transaction that records its event as consumed; deleted in the transaction
    that applies it to the index, so nothing is lost when a worker dies in between.
    """

    __tablename__ = "index_queue"

    product_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # When the product was first queued (kept when a newer snapshot replaces the row), so the
    # indexer takes the longest-waiting products first.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)


__all__ = ["Base", "QueuedProduct"]
