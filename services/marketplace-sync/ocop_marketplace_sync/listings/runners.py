"""Channel runners: in the worker process, each API channel is converged by a thread of its own.

Channels are independent. Each has its own thread, HTTP client, rate limiter and lease, so a
channel whose marketplace answers slowly or throttles us holds back no other channel, and the
worker's main thread keeps taking events while the channels push. A sync of a channel is
requested in-process right after the commit that gave it work (`request_sync_after_commit`), so
a channel runs at its own rate limit from the moment work arrives. Runs of one channel never
overlap across workers (the lease); when a worker dies its leases expire and the 30 s sweep
(`sync_due`) requests syncs from a live worker's runners.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from ocop_kit.db import ServiceDatabase, utc_now
from ocop_marketplace_sync.channels.config import Channel
from ocop_marketplace_sync.listings.run import ChannelSync
from ocop_marketplace_sync.listings.service import has_due_work, next_due_at
from ocop_marketplace_sync.settings import Settings

log = logging.getLogger(__name__)
# After a failed run (the database away, say) the runner tries again this much later.
RETRY_AFTER_FAILURE_SECONDS = 5.0


class ChannelRunners:
    """The process's channel threads, started on first use."""

    def __init__(self, db: ServiceDatabase, settings: Settings, channels: dict[str, Channel]):
        self.db = db
        self.settings = settings
        self.channels = channels
        self._sync_requested: dict[str, threading.Event] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._stopping = threading.Event()
        self._guard = threading.Lock()

    def request_sync(self, code: str) -> None:
        """Have this process converge the channel now (or right after its current run)."""
        with self._guard:
            if self._stopping.is_set():
                return
            if code not in self._threads:
                self._sync_requested[code] = threading.Event()
                thread = threading.Thread(
                    target=self._serve, args=(code,), name=f"sync-{code}", daemon=True
                )
                self._threads[code] = thread
                thread.start()
            self._sync_requested[code].set()

    def request_sync_after_commit(self, session: Session, codes: set[str]) -> None:
        """Request a sync of the channels once the transaction commits: one request per
        channel, however many events of the transaction gave it work (run coalescing)."""
        pending: set[str] = session.info.setdefault("sync_channels", set())
        if not pending:

            @sa_event.listens_for(session, "after_commit", once=True)
            def _request(_: Session) -> None:
                for code in sorted(session.info.pop("sync_channels", set())):
                    self.request_sync(code)

        pending.update(codes)

    def stop(self, timeout: float) -> None:
        """Claim nothing more, write what is in flight, release the leases (worker shutdown)."""
        with self._guard:
            self._stopping.set()
            threads = list(self._threads.values())
            for requested in self._sync_requested.values():
                requested.set()
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _serve(self, code: str) -> None:
        requested = self._sync_requested[code]
        # Its own HTTP client (connection pool): a channel whose answers hang holds only its own.
        sync = ChannelSync(self.db, self.settings, self.channels[code])
        wait: float | None = None
        while True:
            requested.wait(wait)
            requested.clear()
            if self._stopping.is_set():
                return
            try:
                wait = self._converge(sync)
            except Exception:
                log.exception("sync run failed", extra={"channel": code})
                wait = RETRY_AFTER_FAILURE_SECONDS

    def _converge(self, sync: ChannelSync) -> float | None:
        """Run until nothing is due; returns the seconds until a held-back listing is due
        again, or None when nothing waits."""
        code = sync.channel.code
        while not self._stopping.is_set():
            if not sync.run(stop=self._stopping).ran:
                # Another worker's run holds the channel; it looks for new work after it
                # releases. Look again when a dead holder's lease would have expired.
                return self.settings.run_lease_seconds
            with self.db.session() as session:
                if has_due_work(session, code):
                    continue
                later = next_due_at(session, code)
            if later is None:
                return None
            return max(0.5, (later - utc_now()).total_seconds() + 0.05)
        return None
