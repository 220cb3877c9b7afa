"""What marketplace sync does with the events it receives (run inside the consume transaction).

`product.changed` and `certificate.*` carry the whole product snapshot: the desired listings
follow it (`listings/service.apply_products`), and the channels given work get a sync requested
once the transaction commits. `system.ping` only proves delivery.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from ocop_contracts import PRODUCT_EVENTS, EventBase, Ping, ProductSnapshot
from ocop_kit.consumer import EventHandlers
from ocop_marketplace_sync.channels.config import Channel
from ocop_marketplace_sync.listings.service import apply_products

RequestSync = Callable[[Session, set[str]], None]


def on_ping(session: Session, event: Ping) -> None:
    """Nothing to do: the inbox record is the proof of delivery."""


def consumer_handlers(channels: dict[str, Channel], request_sync: RequestSync) -> EventHandlers:
    """The service's event handlers; `request_sync(session, codes)` asks for sync runs of the
    API channels a transaction gave work (the worker: after the commit)."""
    handlers = EventHandlers()
    handlers.on("system.ping")(on_ping)
    add_product_handlers(handlers, channels, request_sync)
    return handlers


def add_product_handlers(
    handlers: EventHandlers, channels: dict[str, Channel], request_sync: RequestSync
) -> None:
    """Every product event carries the whole snapshot: the desired state follows it."""

    @handlers.on_batch(*PRODUCT_EVENTS)
    def on_product_events(session: Session, events: list[EventBase]) -> None:
        products: list[ProductSnapshot] = [event.payload for event in events]
        touched = apply_products(session, products, channels)
        api_channels = {code for code in touched if channels[code].mode == "api"}
        if api_channels:
            request_sync(session, api_channels)
