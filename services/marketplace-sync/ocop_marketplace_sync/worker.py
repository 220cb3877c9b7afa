"""The Marketplace sync service's Celery worker: consumes the `marketplace_sync` queue.

Product and certificate events change the desired state inside the consume transaction; after
the commit the worker wakes the channel runners (`listings/runners.py`: a thread per channel in
this process) of the channels with new work, once per transaction however many events it held.
The worker's own thread goes back to the queue at once: events keep flowing while channels push.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from celery.signals import worker_ready, worker_shutdown
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from ocop_contracts import PRODUCT_EVENTS, EventBase, Ping, ProductSnapshot
from ocop_kit.celery_app import make_celery
from ocop_kit.consumer import EventHandlers, register_event_consumer
from ocop_kit.db import ServiceDatabase
from ocop_marketplace_sync import SERVICE, task_names
from ocop_marketplace_sync.channels.config import Channel, load_channels
from ocop_marketplace_sync.listings.reconcile import reconcile_channel
from ocop_marketplace_sync.listings.runners import ChannelRunners
from ocop_marketplace_sync.listings.service import apply_products, has_due_work
from ocop_marketplace_sync.settings import get_settings

settings = get_settings()
db = ServiceDatabase(SERVICE, settings)
celery = make_celery(SERVICE, settings, db)
handlers = EventHandlers()
channels = load_channels(settings)
runners = ChannelRunners(db, settings, channels)
# One HTTP client for the reconciliations of this process (each runner has its own).
http = httpx.Client(timeout=settings.http_timeout_seconds)
SYNC_TASK = task_names.SYNC_CHANNEL
RECONCILE_TASK = task_names.RECONCILE


@handlers.on("system.ping")
def on_ping(session: Session, event: Ping) -> None:
    """Nothing to do: the inbox record is the proof of delivery."""


def add_product_handlers(
    handlers: EventHandlers,
    channels: dict[str, Channel],
    on_work: Callable[[Session, set[str]], None],
) -> None:
    """Every product event carries the whole snapshot: the desired state follows it."""

    @handlers.on_batch(*PRODUCT_EVENTS)
    def on_product_events(session: Session, events: list[EventBase]) -> None:
        products: list[ProductSnapshot] = [event.payload for event in events]
        touched = apply_products(session, products, channels)
        api_channels = {code for code in touched if channels[code].mode == "api"}
        if api_channels:
            on_work(session, api_channels)


def request_sync_after_commit(session: Session, codes: set[str]) -> None:
    """Wake the channels' runners once the transaction commits (one wake per channel, however
    many events of the transaction touched it)."""
    pending: set[str] = session.info.setdefault("sync_channels", set())
    if not pending:

        @sa_event.listens_for(session, "after_commit", once=True)
        def _wake(_: Session) -> None:
            for code in sorted(session.info.pop("sync_channels", set())):
                runners.wake(code)

    pending.update(codes)


@celery.task(name=SYNC_TASK)
def sync_channel(code: str) -> None:
    """Converge one channel (asked by the API: a retry, an operator's sync)."""
    if channels[code].mode == "api":
        runners.wake(code)


@celery.task(name=task_names.SYNC_DUE)
def sync_due() -> list[str]:
    """Every 30 s, and when the worker starts: wake the runner of each channel with due work
    that no run picked up (its run died with its worker or its database connection)."""
    with db.session() as session:
        due = [
            code
            for code, channel in channels.items()
            if channel.mode == "api" and has_due_work(session, code)
        ]
    for code in due:
        runners.wake(code)
    return due


@worker_ready.connect
def resume_channels(**_: Any) -> None:
    sync_due()


@worker_shutdown.connect
def stop_runners(**_: Any) -> None:
    runners.stop(timeout=settings.run_stop_seconds)


@celery.task(name=RECONCILE_TASK)
def reconcile(code: str | None = None) -> dict[str, Any]:
    """Hourly (or on demand for one channel): compare every API channel with the desired
    state and repair the drift."""
    reports = {}
    for code_, channel in channels.items():
        if channel.mode == "api" and code in (None, code_):
            reports[code_] = reconcile_channel(db, settings, channel, http)
    return reports


add_product_handlers(handlers, channels, request_sync_after_commit)
register_event_consumer(celery, db, handlers, SERVICE)
