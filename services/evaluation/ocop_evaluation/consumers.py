"""The events this service consumes, and what each does (the worker registers these handlers).

Product events carry the registry's whole product snapshot: they keep the read model of products
that sessions check applications against and `GET /v1/due` lists.
"""

from sqlalchemy.orm import Session

from ocop_contracts import PRODUCT_EVENTS, Ping, ProductEvent
from ocop_evaluation.products.service import apply_snapshots
from ocop_kit.consumer import EventHandlers

handlers = EventHandlers()


@handlers.on("system.ping")
def on_ping(session: Session, event: Ping) -> None:
    """Nothing to do: the inbox record is the proof of delivery."""


@handlers.on_batch(*PRODUCT_EVENTS)
def on_product_events(session: Session, events: list[ProductEvent]) -> None:
    """Keep the read model of products (and their certificates) in step with the registry."""
    apply_snapshots(session, [event.payload for event in events])
