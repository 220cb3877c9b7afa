"""The channel lease: runs of one channel never overlap across workers, and a crashed run's
lease expires (a row in `channel_locks`, taken with one atomic UPDATE)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from ocop_kit.db import ServiceDatabase, new_id, utc_now
from ocop_marketplace_sync.listings.models import ChannelLock


class ChannelLease:
    """A lease on one channel: held by at most one run at a time across all workers."""

    def __init__(self, db: ServiceDatabase, channel: str, seconds: float) -> None:
        self.db = db
        self.channel = channel
        self.seconds = seconds
        self.holder = new_id()

    def acquire(self) -> bool:
        """Take the lease if it is free or expired; False when another run holds it."""
        self._ensure_row()
        now = utc_now()
        with self.db.session() as session:
            taken = session.execute(
                update(ChannelLock)
                .where(
                    ChannelLock.channel == self.channel,
                    ChannelLock.holder.is_(None) | (ChannelLock.expires_at < now),
                )
                .values(holder=self.holder, expires_at=now + timedelta(seconds=self.seconds))
            )
            return bool(taken.rowcount)

    def renew(self) -> None:
        """Push the expiry out again (a run renews every 10 s)."""
        with self.db.session() as session:
            session.execute(
                update(ChannelLock)
                .where(ChannelLock.channel == self.channel, ChannelLock.holder == self.holder)
                .values(expires_at=utc_now() + timedelta(seconds=self.seconds))
            )

    def release(self) -> None:
        """Give the lease up (only if this run still holds it)."""
        with self.db.session() as session:
            session.execute(
                update(ChannelLock)
                .where(ChannelLock.channel == self.channel, ChannelLock.holder == self.holder)
                .values(holder=None, expires_at=None)
            )

    def _ensure_row(self) -> None:
        try:
            with self.db.session() as session:
                if session.get(ChannelLock, self.channel) is None:
                    session.add(ChannelLock(channel=self.channel))
        except IntegrityError:
            pass  # another worker created the row at the same moment
