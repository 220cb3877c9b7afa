"""The kit's tables, present in every service database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ocop_kit.db import JSONType, KitBase, UTCDateTime, new_id, utc_now

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for a long-lived outbox.
AutoIncrement = BigInteger().with_variant(Integer(), "sqlite")


class OutboxEvent(KitBase):
    """An event written in the same transaction as the change it describes, until relayed."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "seq"),)

    seq: Mapped[int] = mapped_column(AutoIncrement, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(64))
    aggregate_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ProcessedEvent(KitBase):
    """Inbox of the events this service consumed, so a redelivered event is applied once."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # applied | stale
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class AggregateVersion(KitBase):
    """The newest version of each aggregate this service has applied (older events are stale)."""

    __tablename__ = "aggregate_versions"

    aggregate_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    aggregate_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class ChangeRecord(KitBase):
    """Append-only history of every change to a record: who, when, what before and after."""

    __tablename__ = "change_history"
    __table_args__ = (Index("ix_change_history_entity", "entity_type", "entity_id", "seq"),)

    seq: Mapped[int] = mapped_column(AutoIncrement, primary_key=True, autoincrement=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    correlation_id: Mapped[str | None] = mapped_column(String(64), default=None)


class DeadLetter(KitBase):
    """A task that kept failing after its retries; kept for people to inspect and replay."""

    __tablename__ = "dead_letters"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    task_name: Mapped[str] = mapped_column(String(128))
    task_id: Mapped[str] = mapped_column(String(128))
    args: Mapped[list[Any]] = mapped_column(JSONType)
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSONType)
    error: Mapped[str] = mapped_column(Text)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    replayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class IdempotencyRecord(KitBase):
    """The stored response of a create sent with an Idempotency-Key, replayed on a repeat."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    response_body: Mapped[str | None] = mapped_column(Text, default=None)
    content_type: Mapped[str | None] = mapped_column(String(100), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
