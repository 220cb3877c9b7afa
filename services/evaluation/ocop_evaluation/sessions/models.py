"""Tables of council sessions, their members, applications, score sheets and decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ocop_evaluation.database import Base
from ocop_kit.db import JSONType, UTCDateTime, new_id, utc_now


class CouncilSession(Base):
    """One sitting of a provincial or central evaluation council (phiên đánh giá, phân hạng)."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_level_status", "level", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(16))  # provincial | central
    province_code: Mapped[str | None] = mapped_column(String(16), index=True)
    criteria_set: Mapped[str] = mapped_column(String(32))
    # The version in force on the session's date, kept whole for the session's life so that a
    # later version never changes its cards (null on sessions from before versions: the file).
    criteria_set_version: Mapped[int | None] = mapped_column(Integer, default=None)
    criteria_set_body: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    quorum_numerator: Mapped[int] = mapped_column(Integer, default=3)
    quorum_denominator: Mapped[int] = mapped_column(Integer, default=4)
    chair_required: Mapped[bool] = mapped_column(Boolean, default=True)
    max_spread: Mapped[float] = mapped_column(Float, default=10.0)
    commune_step_required: Mapped[bool] = mapped_column(Boolean, default=False)
    meets_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    members: Mapped[list[Member]] = relationship(
        back_populates="session", order_by="Member.seq", cascade="all, delete-orphan"
    )


class Member(Base):
    """A council member: the chair, a member, or the secretary (who manages but does not score)."""

    __tablename__ = "members"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))  # chair | member | secretary
    title: Mapped[str | None] = mapped_column(String(300), default=None)
    # The sign-in account seated here, when chosen from the accounts: a council_member token
    # of that account (its subject is the account id) holds this seat.
    account_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)

    session: Mapped[CouncilSession] = relationship(back_populates="members")

    @property
    def scores(self) -> bool:
        return self.role in ("chair", "member")


class Application(Base):
    """A product under evaluation in a session (hồ sơ đánh giá)."""

    __tablename__ = "applications"
    __table_args__ = (Index("ix_applications_product", "product_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    product_id: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(500))
    product_group: Mapped[str] = mapped_column(String(100))
    producer_name: Mapped[str] = mapped_column(String(500))
    province_code: Mapped[str] = mapped_column(String(16))
    score_card: Mapped[str] = mapped_column(String(64))
    # The certificate the product held when it applied: a new evaluation renews or upgrades it.
    previous_stars: Mapped[int | None] = mapped_column(Integer, default=None)
    previous_expires_on: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(String(24), default="pending")
    commune_status: Mapped[str] = mapped_column(String(16), default="not_required")
    commune_assessment: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    origin_application_id: Mapped[str | None] = mapped_column(String(36), default=None)
    # The product's last application before this one (a re-evaluation or an upgrade starts from
    # its dossier, and the council compares with its answers).
    previous_application_id: Mapped[str | None] = mapped_column(String(36), default=None)
    decisions_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class Document(Base):
    """A file of the application's dossier (hồ sơ), stored under the service's data directory."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(128))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # Carried over from the product's previous application: the same stored file, not a copy.
    carried_from: Mapped[str | None] = mapped_column(String(36), default=None)
    file_key: Mapped[str | None] = mapped_column(String(80), default=None)


class ScoreSheet(Base):
    """A member's current score sheet for one application (its revisions are kept apart)."""

    __tablename__ = "score_sheets"
    __table_args__ = (UniqueConstraint("application_id", "member_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    scores: Mapped[dict[str, float]] = mapped_column(JSONType)
    # criterion code → the number of the answer chosen on the card (criteria with options).
    answers: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    mandatory_failed: Mapped[list[str]] = mapped_column(JSONType, default=list)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    total: Mapped[float] = mapped_column(Numeric(7, 2, asdecimal=False))
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class ScoreRevision(Base):
    """Every version of every score sheet, append-only."""

    __tablename__ = "score_revisions"
    __table_args__ = (Index("ix_score_revisions_sheet", "application_id", "member_id", "revision"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(String(36))
    member_id: Mapped[str] = mapped_column(String(36))
    revision: Mapped[int] = mapped_column(Integer)
    scores: Mapped[dict[str, float]] = mapped_column(JSONType)
    answers: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    mandatory_failed: Mapped[list[str]] = mapped_column(JSONType, default=list)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    total: Mapped[float] = mapped_column(Numeric(7, 2, asdecimal=False))
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class Decision(Base):
    """A council decision on an application; a re-decision after discussion adds another one."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("application_id", "seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Numeric(7, 2, asdecimal=False))
    stars: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(24))
    spread: Mapped[float] = mapped_column(Numeric(7, 2, asdecimal=False))
    failed_mandatory: Mapped[list[str]] = mapped_column(JSONType, default=list)
    sheets: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    central_application_id: Mapped[str | None] = mapped_column(String(36), default=None)
    decision_no: Mapped[str | None] = mapped_column(String(64), default=None)
    decided_on: Mapped[date] = mapped_column(Date)
    decided_by: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
