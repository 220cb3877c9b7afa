"""Full reindex from the registry's export: public products only, swapped in at once, and events
older than the export dropped afterwards (PostgreSQL, as in production)."""

from __future__ import annotations

from pathlib import Path

import pytest
from search_export_server import export_server
from search_factories import snapshot

from ocop_contracts import CertificateIssued, ProductChanged
from ocop_kit.consumer import EventHandlers, consume
from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.service_cli import migrations_dir
from ocop_kit.tables import AggregateVersion
from ocop_search.consumers import queue_products
from ocop_search.documents import document_from_snapshot
from ocop_search.engines.base import SearchQuery
from ocop_search.engines.tantivy_engine import TantivyEngine
from ocop_search.indexing import index_queued, reindex_from_registry
from ocop_search.settings import Settings


def names(engine: TantivyEngine, q: str = "") -> list[str]:
    return sorted(h["name"] for h in engine.search(SearchQuery(q=q, limit=100)).hits)


@pytest.fixture
def settings(postgres_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=postgres_url, data_dir=tmp_path, reindex_page_size=2)


@pytest.fixture
def db(settings: Settings) -> ServiceDatabase:
    database = ServiceDatabase("search", settings)
    run_migrations(database, migrations_dir("ocop_search"))
    return database


def test_reindex_pages_through_the_export_and_swaps_in_only_public_products(
    settings: Settings, db: ServiceDatabase
) -> None:
    engine = TantivyEngine(settings.search_dir, writer=True)
    engine.prepare()
    stale = document_from_snapshot(snapshot("Sản phẩm đã xóa khỏi sổ"))
    assert stale is not None
    engine.upsert([stale])
    reader = TantivyEngine(settings.search_dir, writer=False)
    assert names(reader) == ["Sản phẩm đã xóa khỏi sổ"]

    products = [
        (snapshot("Gạo tám xoan", id="p1"), 3),
        (snapshot("Nước mắm Lê Gia", id="p2"), 7),
        (snapshot("Trà sen", id="p3", status="revoked"), 4),
        (snapshot("Mứt gừng", id="p4", stars=None), 1),
        (snapshot("Kẹo dừa", id="p5", status="expiring"), 2),
    ]
    with export_server(products) as registry:
        settings.registry_url = registry.url
        count = reindex_from_registry(engine, db, settings)

    assert count == 3
    assert names(reader) == ["Gạo tám xoan", "Kẹo dừa", "Nước mắm Lê Gia"]
    assert [r["query"] for r in registry.requests] == [
        {"limit": "2"},
        {"limit": "2", "cursor": "2"},
        {"limit": "2", "cursor": "4"},
    ]
    assert all(r["auth"].startswith("Bearer ") for r in registry.requests)
    with db.session() as session:
        versions = {
            row.aggregate_id: row.version
            for row in session.query(AggregateVersion).filter_by(aggregate_type="product")
        }
    assert versions == {"p1": 3, "p2": 7, "p3": 4, "p4": 1, "p5": 2}

    # Events queued during the rebuild: older than the export → dropped; newer → applied.
    handlers = EventHandlers()
    handlers.on_batch("product.changed", "certificate.issued")(queue_products)
    older = ProductChanged(
        aggregate_id="p2", version=6, payload=snapshot("Nước mắm cũ", id="p2", status="revoked")
    )
    assert consume(db, older, handlers) == "stale"
    assert index_queued(engine, db, 100) == 0
    assert "Nước mắm Lê Gia" in names(reader)
    newer = CertificateIssued(
        aggregate_id="p4", version=2, payload=snapshot("Mứt gừng Kim Long", id="p4", stars=3)
    )
    assert consume(db, newer, handlers) == "applied"
    assert index_queued(engine, db, 100) == 1
    assert "Mứt gừng Kim Long" in names(reader)
    engine.close()


def test_a_failed_export_keeps_the_live_index(settings: Settings, db: ServiceDatabase) -> None:
    engine = TantivyEngine(settings.search_dir, writer=True)
    engine.prepare()
    live = document_from_snapshot(snapshot("Chè Tân Cương"))
    assert live is not None
    engine.upsert([live])
    products = [(snapshot(f"Sản phẩm {n}"), 1) for n in range(6)]
    with export_server(products) as registry, pytest.raises(Exception, match="503"):
        registry.fail_after_pages = 1
        settings.registry_url = registry.url
        reindex_from_registry(engine, db, settings)
    assert names(engine) == ["Chè Tân Cương"]
    assert len(list(settings.search_dir.glob("gen-*"))) == 1  # the partial build is gone
    engine.upsert([live])  # and the writer still works
    engine.close()
