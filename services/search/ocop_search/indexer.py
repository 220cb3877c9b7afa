"""The indexer: a thread of the search worker that applies queued products in batches.

Event handlers only queue a product's newest snapshot (`indexing.queue_products`); this thread
applies up to `BATCH_SIZE` of them per index commit. When it has been idle it runs a batch as soon
as the worker finishes a task (`wake`), so a lone certificate is searchable after one commit.
When events come faster than that (a batch found several products), batches start at most every
`BATCH_INTERVAL_SECONDS`, so each commit (some 15 ms of CPU on Tantivy, whatever its size)
covers what came meanwhile rather than one or two products.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ocop_kit.db import ServiceDatabase
from ocop_search.engines import SearchEngine
from ocop_search.indexing import index_queued

log = logging.getLogger(__name__)

BATCH_SIZE = 500
BATCH_INTERVAL_SECONDS = 0.25
# Without a wake-up (rows queued by another worker process, or left by one that died), the
# queue is still looked at this often.
POLL_SECONDS = 1.0
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class BatchIndexer:
    """Applies the queue to the index until stopped; a failed batch is retried with backoff."""

    def __init__(
        self,
        open_engine: Callable[[], SearchEngine],
        db: ServiceDatabase,
        batch_size: int = BATCH_SIZE,
        batch_interval: float = BATCH_INTERVAL_SECONDS,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.open_engine = open_engine
        self.db = db
        self.batch_size = batch_size
        self.batch_interval = batch_interval
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.run, name="search-indexer", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Look at the queue now (something may have been queued)."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the batch under way and end the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            # Cleared before looking, so a wake-up during the batch starts the next one at once.
            self._wake.clear()
            started = time.monotonic()
            try:
                applied = index_queued(self.open_engine(), self.db, self.batch_size)
            except Exception:
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                log.exception("indexing a batch failed; retrying in %s s", delay)
                self._stop.wait(delay)
                continue
            failures = 0
            if applied:
                log.info("indexed a batch", extra={"products": applied})
            if applied == self.batch_size:
                continue  # a backlog: the next batch is full too
            if applied > 1:
                # Events come faster than batches: let the next ones gather for one commit.
                self._stop.wait(started + self.batch_interval - time.monotonic())
            self._wake.wait(self.poll_seconds)
