"""The index queue: events queue products in the consumer's transaction, the indexer applies them
in batches (one commit each), and neither a crash, a late event nor a full reindex lets older
data overwrite newer. On PostgreSQL (as in production) and SQLite (the embedded setup), with the
real engine."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from search_export_server import export_server
from search_factories import snapshot
from sqlalchemy import select

from ocop_contracts import (
    PRODUCT_EVENTS,
    CertificateExpired,
    CertificateIssued,
    CertificateRevoked,
    ProductChanged,
    ProductMerged,
    ProductSnapshot,
)
from ocop_kit.consumer import EventHandlers, consume
from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.service_cli import migrations_dir
from ocop_kit.testing import wait_for
from ocop_search.consumers import queue_products
from ocop_search.documents import SearchDocument
from ocop_search.engines.base import SearchEngine, SearchEngineError, SearchQuery
from ocop_search.indexing import (
    BatchIndexer,
    index_queued,
    index_writes,
    reindex_from_registry,
)
from ocop_search.models import QueuedProduct
from ocop_search.settings import Settings


@pytest.fixture(params=["postgres", "sqlite"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    return Settings(database_url=url, data_dir=tmp_path, reindex_page_size=50)


@pytest.fixture
def db(settings: Settings) -> Iterator[ServiceDatabase]:
    database = ServiceDatabase("search", settings)
    run_migrations(database, migrations_dir("ocop_search"))
    yield database
    database.dispose()


@pytest.fixture
def handlers() -> EventHandlers:
    """What the worker's product event handler does: queue the snapshot."""
    registered = EventHandlers()
    registered.on_batch(*PRODUCT_EVENTS)(queue_products)
    return registered


def names(engine: SearchEngine, q: str = "") -> list[str]:
    return sorted(h["name"] for h in engine.search(SearchQuery(q=q, limit=100)).hits)


def queued(db: ServiceDatabase) -> dict[str, int]:
    with db.session() as session:
        return dict(session.execute(select(QueuedProduct.product_id, QueuedProduct.version)).all())


def issued(product_id: str, name: str, version: int, **fields: object) -> CertificateIssued:
    return CertificateIssued(
        aggregate_id=product_id, version=version, payload=snapshot(name, id=product_id, **fields)
    )


def test_a_backlog_of_events_is_indexed_in_one_batch(
    engine: SearchEngine, db: ServiceDatabase, handlers: EventHandlers
) -> None:
    for n in range(120):
        draft = ProductChanged(
            aggregate_id=f"p{n}", version=1, payload=snapshot(f"Gạo lô{n}", id=f"p{n}", stars=None)
        )
        assert consume(db, draft, handlers) == "applied"
        assert consume(db, issued(f"p{n}", f"Gạo lô{n}", 2), handlers) == "applied"
    # The handler only queued: one row per product, its newest version, nothing indexed yet.
    assert queued(db) == {f"p{n}": 2 for n in range(120)}
    assert engine.count() == 0

    assert index_queued(engine, db, limit=500) == 120
    assert engine.count() == 120
    assert "Gạo lô119" in names(engine, "gao lo119")
    assert queued(db) == {}
    assert index_queued(engine, db, limit=500) == 0


def test_batches_take_the_longest_waiting_products_first(
    engine: SearchEngine, db: ServiceDatabase, handlers: EventHandlers
) -> None:
    for n in range(5):
        consume(db, issued(f"p{n}", f"Mật ong lô{n}", 1), handlers)
    # A newer snapshot of p0 replaces its row but keeps its place in the queue.
    consume(db, issued("p0", "Mật ong rừng lô0", 2), handlers)
    assert index_queued(engine, db, limit=2) == 2
    assert names(engine) == ["Mật ong lô1", "Mật ong rừng lô0"]
    assert queued(db) == {"p2": 1, "p3": 1, "p4": 1}


def test_revoked_and_expired_products_leave_the_index(
    engine: SearchEngine, db: ServiceDatabase, handlers: EventHandlers
) -> None:
    for n in range(4):
        consume(db, issued(f"p{n}", f"Trà shan tuyết lô{n}", 1), handlers)
    index_queued(engine, db, limit=500)
    assert engine.count() == 4

    revoked = CertificateRevoked(
        aggregate_id="p0",
        version=2,
        payload=snapshot("Trà shan tuyết lô0", id="p0", status="revoked"),
    )
    expired = CertificateExpired(
        aggregate_id="p1",
        version=2,
        payload=snapshot("Trà shan tuyết lô1", id="p1", status="expired"),
    )
    deleted = ProductChanged(
        aggregate_id="p2", version=2, payload=snapshot("Trà shan tuyết lô2", id="p2", deleted=True)
    )
    renamed = issued("p3", "Trà shan tuyết cổ thụ lô3", 2)
    for event in (revoked, expired, deleted, renamed):
        consume(db, event, handlers)
    # One batch both removes and upserts.
    assert index_queued(engine, db, limit=500) == 4
    assert names(engine) == ["Trà shan tuyết cổ thụ lô3"]


def test_a_product_merged_into_another_leaves_the_index(
    engine: SearchEngine, db: ServiceDatabase, handlers: EventHandlers
) -> None:
    consume(db, issued("p1", "Nước mắm Hải Hậu", 1), handlers)
    consume(db, issued("p2", "Nuoc mam Hai Hau 1 lit", 1), handlers)
    index_queued(engine, db, limit=500)
    merged = ProductMerged(
        aggregate_id="p2",
        version=2,
        payload=snapshot("Nuoc mam Hai Hau 1 lit", id="p2", deleted=True),
        merged_into="p1",
    )
    assert consume(db, merged, handlers) == "applied"
    index_queued(engine, db, limit=500)
    assert names(engine) == ["Nước mắm Hải Hậu"]


def test_a_late_event_never_overwrites_a_newer_one(
    engine: SearchEngine, db: ServiceDatabase, handlers: EventHandlers
) -> None:
    consume(db, issued("p1", "Nước mắm Lê Gia", 1), handlers)
    revoked = CertificateRevoked(
        aggregate_id="p1", version=2, payload=snapshot("Nước mắm Lê Gia", id="p1", status="revoked")
    )
    consume(db, revoked, handlers)
    # Version 1 arrives again (redelivered or out of order) before and after the batch.
    assert consume(db, issued("p1", "Nước mắm Lê Gia", 1), handlers) == "stale"
    assert queued(db) == {"p1": 2}
    index_queued(engine, db, limit=500)
    assert consume(db, issued("p1", "Nước mắm Lê Gia", 1), handlers) == "stale"
    assert queued(db) == {}
    assert names(engine) == []


class WorkerDies(Exception):
    """The worker process dying, as seen from the batch under way."""


class DiesAfterUpsert:
    """A real engine whose process dies right after the engine committed a batch."""

    def __init__(self, engine: SearchEngine) -> None:
        self.engine = engine

    def upsert(self, documents: Sequence[SearchDocument]) -> None:
        self.engine.upsert(documents)
        raise WorkerDies

    def delete(self, ids: Sequence[str]) -> None:
        self.engine.delete(ids)


def test_a_batch_cut_short_by_a_crash_stays_queued_and_is_applied_again(
    engine: SearchEngine, db: ServiceDatabase, handlers: EventHandlers
) -> None:
    for n in range(10):
        consume(db, issued(f"p{n}", f"Miến dong lô{n}", 1), handlers)
    with pytest.raises(WorkerDies):
        index_queued(DiesAfterUpsert(engine), db, limit=500)  # type: ignore[arg-type]
    # The index committed, the queue did not: every row is still there ...
    assert len(queued(db)) == 10
    # ... and applying it again (the restarted worker) is harmless.
    assert index_queued(engine, db, limit=500) == 10
    assert engine.count() == 10
    assert queued(db) == {}


class PausesInUpsert:
    """A real engine that holds a batch between taking it and committing it, until released."""

    def __init__(self, engine: SearchEngine) -> None:
        self.engine = engine
        self.entered = threading.Event()
        self.release = threading.Event()

    def upsert(self, documents: Sequence[SearchDocument]) -> None:
        self.entered.set()
        assert self.release.wait(60)
        self.engine.upsert(documents)

    def delete(self, ids: Sequence[str]) -> None:
        self.engine.delete(ids)


def test_a_snapshot_queued_while_its_older_one_is_being_indexed_is_indexed_next(
    engine: SearchEngine, db: ServiceDatabase, handlers: EventHandlers
) -> None:
    consume(db, issued("p1", "Kẹo dừa Bến Tre", 1), handlers)
    paused = PausesInUpsert(engine)
    batch = threading.Thread(target=index_queued, args=(paused, db, 500))
    batch.start()
    assert paused.entered.wait(60)
    newer = issued("p1", "Kẹo dừa sáp Bến Tre", 2)
    event_task = threading.Thread(target=consume, args=(db, newer, handlers))
    event_task.start()
    # Give the event every chance to commit before the batch does (it must wait instead).
    event_task.join(1.0)
    paused.release.set()
    batch.join(60)
    event_task.join(60)
    assert not batch.is_alive() and not event_task.is_alive()

    assert queued(db) == {"p1": 2}
    assert index_queued(engine, db, limit=500) == 1
    assert names(engine) == ["Kẹo dừa sáp Bến Tre"]


def test_no_batch_is_indexed_while_a_reindex_holds_the_index(
    engine: SearchEngine, db: ServiceDatabase, handlers: EventHandlers
) -> None:
    consume(db, issued("p1", "Chè Thái Nguyên", 1), handlers)
    with index_writes(db, exclusive=True):
        batch = threading.Thread(target=index_queued, args=(engine, db, 500))
        batch.start()
        batch.join(1.0)
        assert batch.is_alive()
        assert engine.count() == 0
    batch.join(60)
    assert engine.count() == 1


def test_a_reindex_drops_queued_products_its_export_already_covers(
    engine: SearchEngine, settings: Settings, db: ServiceDatabase, handlers: EventHandlers
) -> None:
    # Queued before the rebuild (the worker was busy): p1 at version 5, p2 at version 7.
    consume(db, issued("p1", "Bánh cốm cũ", 5), handlers)
    consume(db, issued("p2", "Mắm tôm chua mới", 7), handlers)
    export: list[tuple[ProductSnapshot, int]] = [
        (snapshot("Bánh cốm Vòng", id="p1"), 6),
        (snapshot("Mắm tôm chua", id="p2"), 6),
        (snapshot("Cà phê Cầu Đất", id="p3"), 2),
    ]
    with export_server(export) as registry:
        settings.registry_url = registry.url
        assert reindex_from_registry(engine, db, settings) == 3

    # p1's queued version 5 is older than the export's 6: dropped; p2's 7 is newer: applied.
    assert queued(db) == {"p2": 7}
    assert index_queued(engine, db, limit=500) == 1
    assert names(engine) == ["Bánh cốm Vòng", "Cà phê Cầu Đất", "Mắm tôm chua mới"]
    # And an event as old as the queued row is stale from now on.
    assert consume(db, issued("p1", "Bánh cốm cũ", 5), handlers) == "stale"


def test_the_indexer_thread_retries_until_the_engine_opens_and_indexes_what_is_queued(
    engine: SearchEngine, db: ServiceDatabase, handlers: EventHandlers
) -> None:
    opened: list[bool] = []

    def open_engine() -> SearchEngine:
        opened.append(len(opened) > 0)
        if not opened[-1]:
            raise SearchEngineError("Meilisearch is still starting")
        return engine

    consume(db, issued("p1", "Nem chua Thanh Hóa", 1), handlers)
    indexer = BatchIndexer(open_engine, db)
    indexer.start()
    try:
        wait_for(lambda: engine.count() == 1, timeout=30, message="the queued product")
        consume(db, issued("p2", "Bánh đa Kế", 1), handlers)
        indexer.wake()
        wait_for(lambda: engine.count() == 2, timeout=30, message="the product queued next")
    finally:
        indexer.stop()
    assert opened[0] is False and opened[1] is True
    assert queued(db) == {}
