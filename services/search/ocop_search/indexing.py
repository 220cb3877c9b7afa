"""Keeping the index in step with the registry: a product from an event, or all from the export."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_contracts import ProductSnapshot
from ocop_kit.auth import issue_token
from ocop_kit.db import ServiceDatabase
from ocop_kit.tables import AggregateVersion
from ocop_search.documents import SearchDocument, document_from_snapshot
from ocop_search.engines import SearchEngine
from ocop_search.settings import Settings

log = logging.getLogger(__name__)

EXPORT_PATH = "/v1/export/products"


def apply_snapshot(engine: SearchEngine, snapshot: ProductSnapshot) -> bool:
    """Index a public product, remove any other; returns whether it is now searchable."""
    document = document_from_snapshot(snapshot)
    if document is None:
        engine.delete([snapshot.id])
        return False
    engine.upsert([document])
    return True


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


def reindex_from_registry(
    engine: SearchEngine,
    db: ServiceDatabase,
    settings: Settings,
    client: httpx.Client | None = None,
) -> int:
    """Rebuild the whole index from the registry's export and swap it in; returns its size.

    Run it where events are consumed (the search worker, one task at a time): events queued
    meanwhile are applied afterwards, and those older than the export are dropped as stale.
    """
    token = issue_token(settings, "admin", subject="search")
    own_client = client is None
    client = client or httpx.Client(base_url=settings.registry_url, timeout=60.0)
    client.headers["Authorization"] = f"Bearer {token}"
    versions: dict[str, int] = {}
    seen = 0

    def public_documents() -> Iterator[SearchDocument]:
        nonlocal seen
        for snapshot, version in export_pages(client, settings.reindex_page_size):
            seen += 1
            if version is not None:
                versions[snapshot.id] = version
            document = document_from_snapshot(snapshot)
            if document is not None:
                yield document

    try:
        count = engine.rebuild(public_documents())
    finally:
        if own_client:
            client.close()
    with db.session() as session:
        record_versions(session, versions)
    log.info("search index rebuilt", extra={"documents": count, "products_seen": seen})
    return count
