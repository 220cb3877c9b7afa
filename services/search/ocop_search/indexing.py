"""Writing the index: keeping it in step with the registry.

Event handlers (`consumers.py`) only queue a product's newest snapshot; the indexer, a thread of
the search worker (`BatchIndexer`), applies up to `BATCH_SIZE` of them per index commit
(`index_queued`). When it has been idle it runs a batch as soon as the worker finishes a task
(`wake`), so a lone certificate is searchable after one commit. When events come faster than
that (a batch found several products), batches start at most every `BATCH_INTERVAL_SECONDS`, so
each commit (a cost on Tantivy whatever its size; figures in bench/search/README.md) covers what
came meanwhile rather than one or two products. A full rebuild from the registry's export
(`reindex_from_registry`) holds the index alone while it runs.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import httpx
from sqlalchemy import delete, select, text, tuple_
from sqlalchemy.orm import Session

from ocop_contracts import ProductSnapshot, SearchIndexedPayload
from ocop_kit.auth import issue_token
from ocop_kit.db import ServiceDatabase
from ocop_kit.tables import AggregateVersion
from ocop_search.documents import SearchDocument, document_from_snapshot
from ocop_search.engines import SearchEngine
from ocop_search.events import announce_indexed
from ocop_search.models import QueuedProduct
from ocop_search.settings import Settings

log = logging.getLogger(__name__)

EXPORT_PATH = "/v1/export/products"
# A rebuild tells the registry what is searchable in events of this many products.
INDEXED_PER_EVENT = 1000
INDEX_LOCK_KEY = zlib.crc32(b"ocop-search-index-writes")
# SQLite setups run one worker process: a lock within the process is enough there.
_process_index_lock = threading.Lock()


@contextmanager
def index_writes(db: ServiceDatabase, *, exclusive: bool) -> Iterator[Session]:
    """A transaction allowed to write the index: batches share it, a full reindex holds it alone.

    A rebuild replaces the whole index, so a batch applied during it would be lost or, applied
    after it from an older snapshot, would overwrite newer data. On PostgreSQL an advisory lock
    until the transaction ends (indexers of several worker processes run side by side); on
    SQLite a lock in the process.
    """
    if db.engine.dialect.name == "postgresql":
        lock = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        with db.session() as session:
            session.execute(text(f"SELECT {lock}(:key)"), {"key": INDEX_LOCK_KEY})
            yield session
    else:
        with _process_index_lock, db.session() as session:
            yield session


def index_queued(engine: SearchEngine, db: ServiceDatabase, limit: int) -> int:
    """Apply up to `limit` queued products to the index as one batch; returns how many.

    The rows are deleted in a transaction committed only once the engine holds the batch: if the
    worker dies before, they are still queued and applied again (upsert and delete are
    idempotent). A newer snapshot queued meanwhile waits for this commit, then queues anew.
    """
    with index_writes(db, exclusive=False) as session:
        oldest = (
            select(QueuedProduct.product_id)
            .order_by(QueuedProduct.queued_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        taken = session.scalars(
            delete(QueuedProduct)
            .where(QueuedProduct.product_id.in_(oldest))
            .returning(QueuedProduct.snapshot)
            .execution_options(synchronize_session=False)
        ).all()
        if taken:
            indexed = apply_snapshots(engine, [ProductSnapshot.model_validate(s) for s in taken])
            # Told once the rows' deletion commits; sent again with them if this commit fails.
            announce_indexed(session, indexed)
    return len(taken)


def apply_snapshots(
    engine: SearchEngine, snapshots: Sequence[ProductSnapshot]
) -> SearchIndexedPayload:
    """Index the public products among these and remove the others: one upsert, one delete.
    Returns which products are now searchable and which were removed."""
    documents: list[SearchDocument] = []
    removed: list[str] = []
    for snapshot in snapshots:
        document = document_from_snapshot(snapshot)
        if document is None:
            removed.append(snapshot.id)
        else:
            documents.append(document)
    if documents:
        engine.upsert(documents)
    if removed:
        engine.delete(removed)
    return SearchIndexedPayload(searchable=[d.id for d in documents], removed=removed)


def export_pages(
    client: httpx.Client, page_size: int
) -> Iterator[tuple[ProductSnapshot, int | None]]:
    """Every product of the registry's export with its version, page by page."""
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": page_size}
        if cursor:
            params["cursor"] = cursor
        response = client.get(EXPORT_PATH, params=params)
        response.raise_for_status()
        body = response.json()
        for item in body["items"]:
            version = item.pop("version", None)
            yield ProductSnapshot.model_validate(item), version
        cursor = body.get("next_cursor")
        if not cursor:
            return


def record_versions(session: Session, versions: dict[str, int]) -> None:
    """Remember the export's versions, so events older than the rebuilt index are dropped."""
    ids = list(versions)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        known = {
            row.aggregate_id: row
            for row in session.scalars(
                select(AggregateVersion).where(
                    AggregateVersion.aggregate_type == "product",
                    AggregateVersion.aggregate_id.in_(chunk),
                )
            )
        }
        for product_id in chunk:
            row = known.get(product_id)
            if row is None:
                session.add(
                    AggregateVersion(
                        aggregate_type="product",
                        aggregate_id=product_id,
                        version=versions[product_id],
                    )
                )
            elif row.version < versions[product_id]:
                row.version = versions[product_id]


def drop_queued_covered_by(session: Session, versions: dict[str, int]) -> int:
    """Drop queued snapshots no newer than the export's (the rebuilt index holds those or newer).

    A row replaced meanwhile by a newer snapshot no longer matches its (id, version) and stays.
    """
    queued = session.execute(select(QueuedProduct.product_id, QueuedProduct.version)).all()
    covered = [(i, v) for i, v in queued if v <= versions.get(i, -1)]
    for start in range(0, len(covered), 1000):
        session.execute(
            delete(QueuedProduct)
            .where(
                tuple_(QueuedProduct.product_id, QueuedProduct.version).in_(
                    covered[start : start + 1000]
                )
            )
            .execution_options(synchronize_session=False)
        )
    return len(covered)


def reindex_from_registry(
    engine: SearchEngine,
    db: ServiceDatabase,
    settings: Settings,
    client: httpx.Client | None = None,
) -> int:
    """Rebuild the whole index from the registry's export and swap it in; returns its size.

    No batch is indexed meanwhile (`index_writes`). Afterwards, queued products and events
    no newer than the export are dropped as stale; newer ones are applied on top.
    """
    token = issue_token(settings, "admin", subject="search")
    own_client = client is None
    client = client or httpx.Client(base_url=settings.registry_url, timeout=60.0)
    client.headers["Authorization"] = f"Bearer {token}"
    versions: dict[str, int] = {}
    searchable: list[str] = []
    seen = 0

    def public_documents() -> Iterator[SearchDocument]:
        nonlocal seen
        for snapshot, version in export_pages(client, settings.reindex_page_size):
            seen += 1
            if version is not None:
                versions[snapshot.id] = version
            document = document_from_snapshot(snapshot)
            if document is not None:
                searchable.append(document.id)
                yield document

    try:
        with index_writes(db, exclusive=True) as session:
            count = engine.rebuild(public_documents())
            record_versions(session, versions)
            dropped = drop_queued_covered_by(session, versions)
            for start in range(0, len(searchable), INDEXED_PER_EVENT):
                payload = SearchIndexedPayload(
                    searchable=searchable[start : start + INDEXED_PER_EVENT]
                )
                announce_indexed(session, payload)
    finally:
        if own_client:
            client.close()
    log.info(
        "search index rebuilt",
        extra={"documents": count, "products_seen": seen, "queued_dropped": dropped},
    )
    return count


# --- the indexer thread ---------------------------------------------------------------------------

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
