"""The events the search service consumes (the worker registers these handlers).

Product and certificate events carry the whole product snapshot; the kit's consumer drops
duplicates and stale versions. A handler only queues the product, in the transaction that marks
the event consumed; the indexer (`indexing.py`) applies the queue in batches.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from ocop_contracts import PRODUCT_EVENTS, EventBase, Ping, ProductSnapshot
from ocop_kit.consumer import EventHandlers
from ocop_kit.db import upsert_rows, utc_now
from ocop_search.models import QueuedProduct

handlers = EventHandlers()


@handlers.on("system.ping")
def on_ping(session: Session, event: Ping) -> None:
    """Nothing to do: the inbox record is the proof of delivery."""


def queue_products(session: Session, events: Sequence[EventBase]) -> None:
    """The product events' handler: queue their products for the indexer in one statement,
    each replacing an older snapshot of it still waiting. A product appears once (the consumer
    applies only the newest event of each product in a batch)."""
    now = utc_now()
    upsert_rows(
        session,
        QueuedProduct.__table__,
        [
            {
                "product_id": snapshot.id,
                "version": event.version,
                "snapshot": snapshot.model_dump(mode="json"),
                "queued_at": now,
            }
            for event in events
            for snapshot in [_snapshot(event)]
        ],
        key=["product_id"],
        update=["version", "snapshot"],
    )


def _snapshot(event: EventBase) -> ProductSnapshot:
    payload = getattr(event, "payload", None)
    if not isinstance(payload, ProductSnapshot):
        raise TypeError(f"{event.type} carries no product snapshot")
    return payload


# Products are queued for the indexer, which indexes each if it may be shown (valid or expiring
# certificate) and removes it otherwise.
handlers.on_batch(*PRODUCT_EVENTS)(queue_products)
