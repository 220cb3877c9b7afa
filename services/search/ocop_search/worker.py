"""The Search service's Celery worker: the one process that writes the index.

It follows the registry through product and certificate events (each carries the whole product
snapshot; the kit's consumer drops duplicates and stale versions) and runs full reindexes.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session

from ocop_contracts import PRODUCT_EVENTS, EventBase, Ping
from ocop_contracts.events import (
    CertificateExpired,
    CertificateExpiring,
    CertificateIssued,
    CertificateRevoked,
    ProductChanged,
)
from ocop_kit.celery_app import make_celery
from ocop_kit.consumer import EventHandlers, register_event_consumer
from ocop_kit.db import ServiceDatabase
from ocop_search import SERVICE
from ocop_search.engines import SearchEngine, open_engine
from ocop_search.indexing import apply_snapshot, reindex_from_registry
from ocop_search.search.api import REINDEX_TASK
from ocop_search.settings import get_settings

settings = get_settings()
db = ServiceDatabase(SERVICE, settings)
celery = make_celery(SERVICE, settings, db)
handlers = EventHandlers()

ProductEvent = (
    ProductChanged
    | CertificateIssued
    | CertificateExpiring
    | CertificateExpired
    | CertificateRevoked
)


@lru_cache(maxsize=1)
def index_writer() -> SearchEngine:
    """The index, opened for writing once per worker process (Tantivy allows one writer)."""
    engine = open_engine(settings, writer=True)
    engine.prepare()
    return engine


@handlers.on("system.ping")
def on_ping(session: Session, event: Ping) -> None:
    """Nothing to do: the inbox record is the proof of delivery."""


@handlers.on(*PRODUCT_EVENTS)
def on_product_event(session: Session, event: EventBase) -> None:
    """Index the product if it may be shown (valid or expiring certificate), else remove it."""
    assert isinstance(event, ProductEvent)
    apply_snapshot(index_writer(), event.payload)


@celery.task(name=REINDEX_TASK)
def reindex() -> int:
    """Rebuild the index from the registry's export and swap it in."""
    return reindex_from_registry(index_writer(), db, settings)


register_event_consumer(celery, db, handlers, SERVICE)
