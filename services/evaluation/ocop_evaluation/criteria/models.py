"""Criteria-set versions loaded by an office (the files shipped with the service are the others)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ocop_evaluation.database import Base
from ocop_kit.db import JSONType, UTCDateTime, new_id, utc_now


class CriteriaSetVersion(Base):
    """One uploaded version of a criteria set, whole (the `CriteriaSet` document), never edited:
    a correction is a new version."""

    __tablename__ = "criteria_set_versions"
    __table_args__ = (UniqueConstraint("set_id", "version", name="uq_criteria_set_versions"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    set_id: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    confirmed: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[dict[str, Any]] = mapped_column(JSONType)
    uploaded_by: Mapped[str] = mapped_column(String(128))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
