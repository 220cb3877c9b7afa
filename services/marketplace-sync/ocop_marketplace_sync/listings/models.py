"""Tables: the product snapshot read model, listings, channel tokens, run locks, reports and
failure counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ocop_kit.db import JSONType, UTCDateTime, new_id, utc_now
from ocop_marketplace_sync.database import Base

LISTING_STATUSES = ("pending", "blocked", "syncing", "listed", "failed", "delisted")


class ProductSnapshotRow(Base):
    """The newest product snapshot the registry sent (our read model; we never call it)."""

    __tablename__ = "product_snapshots"

    product_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)


class Listing(Base):
    """One product on one channel: what it should show, what was last pushed, where it stands.

    `dirty` marks a listing a sync run has work for (push, delist, poll a review, confirm an
    uncertain create); `next_attempt_at` holds it back after transient failures.
    """

    __tablename__ = "listings"
    __table_args__ = (
        UniqueConstraint("product_id", "channel"),
        Index("ix_listings_channel_dirty", "channel", "dirty", "next_attempt_at"),
        Index("ix_listings_channel_status", "channel", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    product_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    shop_id: Mapped[str] = mapped_column(String(64))
    producer_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    province_code: Mapped[str | None] = mapped_column(String(8), index=True, default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    desired_present: Mapped[bool] = mapped_column(Boolean, default=True)
    remote_present: Mapped[bool] = mapped_column(Boolean, default=False)
    dirty: Mapped[bool] = mapped_column(Boolean, default=True)
    create_attempted: Mapped[bool] = mapped_column(Boolean, default=False)
    external_id: Mapped[str | None] = mapped_column(String(128), default=None)
    request_id: Mapped[str | None] = mapped_column(String(128), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    payload_hash: Mapped[str] = mapped_column(String(64))
    pushed_payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    pushed_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    missing: Mapped[list[str]] = mapped_column(JSONType, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    uploaded_by: Mapped[str | None] = mapped_column(String(128), default=None)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)


class ChannelToken(Base):
    """OAuth tokens of one shop (Shopee access/refresh tokens, Tiki client-credential tokens)."""

    __tablename__ = "channel_tokens"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    shop_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refresh_token: Mapped[str | None] = mapped_column(Text, default=None)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ChannelLock(Base):
    """A lease that keeps sync runs of one channel from overlapping, across every worker."""

    __tablename__ = "channel_locks"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(64), default=None)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class SyncReport(Base):
    """What one sync or reconciliation run did, for the operator."""

    __tablename__ = "sync_reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # sync | reconcile
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class SyncFailureCount(Base):
    """How many pushes a channel has refused (`rejected`) or failed to take (`retry_later`) since
    the service was installed: the counter behind `ocop_sync_failures_total`."""

    __tablename__ = "sync_failure_counts"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    result: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
