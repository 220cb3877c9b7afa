"""Import jobs: an uploaded sheet, its progress and its per-row error report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ocop_kit.db import JSONType, UTCDateTime, new_id, utc_now
from ocop_registry.database import Base


class ImportJob(Base):
    __tablename__ = "import_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    filename: Mapped[str] = mapped_column(String(300))
    # Deferred: progress updates must not load the whole sheet again.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_processed: Mapped[int] = mapped_column(Integer, default=0)
    rows_imported: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # Rows imported whose product looks like a registered one ({row, …, likely_duplicates}).
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # The rejected rows as written ({row, values}), so the error report can be fixed and
    # imported again.
    rejected: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    failure: Mapped[str | None] = mapped_column(String(1000), default=None)
    actor: Mapped[str] = mapped_column(String(128))
    # A province officer's import may only touch that province.
    province_scope: Mapped[str | None] = mapped_column(String(4), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ImportedProduct(Base):
    """A product an import wrote or confirmed: its progress follows these into search and the
    marketplaces."""

    __tablename__ = "import_products"

    import_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(36), primary_key=True)
