"""The Search service's Celery worker: the one process that writes the index.

It follows the registry through product and certificate events (handlers in `consumers.py`: an
event only queues the product, in the transaction that marks it consumed), and the indexer thread
(`indexing.py`) applies the queue in batches, one index commit each. It also runs full reindexes.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from celery.signals import task_postrun, worker_ready, worker_shutdown

from ocop_kit.celery_app import make_celery
from ocop_kit.consumer import register_event_consumer
from ocop_kit.db import ServiceDatabase
from ocop_search import SERVICE
from ocop_search.consumers import handlers
from ocop_search.engines import SearchEngine, open_engine
from ocop_search.indexing import BatchIndexer, reindex_from_registry
from ocop_search.search.api import REINDEX_TASK
from ocop_search.settings import get_settings

log = logging.getLogger(__name__)
settings = get_settings()
db = ServiceDatabase(SERVICE, settings)
celery = make_celery(SERVICE, settings, db)


@lru_cache(maxsize=1)
def index_writer() -> SearchEngine:
    """The index, opened for writing once per worker process (Tantivy allows one writer)."""
    engine = open_engine(settings, writer=True)
    engine.prepare()
    return engine


indexer = BatchIndexer(index_writer, db)


@worker_ready.connect
def start_indexing(**_: Any) -> None:
    """Open the index when the worker starts, then apply what is queued (also what a worker
    that died left behind)."""
    try:
        if index_writer().needs_rebuild:
            # A new layout started empty: shoppers find nothing until it is rebuilt.
            log.warning("search index layout changed: rebuilding it from the registry")
            celery.send_task(REINDEX_TASK)
    except Exception:
        # Meilisearch may still be starting: the indexer opens it (and retries until it can).
        index_writer.cache_clear()
        log.exception("search index not ready at worker start")
    indexer.start()


@task_postrun.connect
def wake_indexer(**_: Any) -> None:
    """A finished event task may have queued a product: index it now rather than at the poll."""
    indexer.wake()


@worker_shutdown.connect
def stop_indexing(**_: Any) -> None:
    """Finish the batch under way; what is still queued waits in the table for the next start."""
    indexer.stop()


@celery.task(name=REINDEX_TASK)
def reindex() -> int:
    """Rebuild the index from the registry's export and swap it in."""
    return reindex_from_registry(index_writer(), db, settings)


register_event_consumer(celery, db, handlers, SERVICE)
