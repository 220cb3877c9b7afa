"""The Marketplace sync service's Celery worker: consumes the `marketplace_sync` queue.

Product and certificate events change the desired state inside the consume transaction; after
the commit a sync run is asked for each channel with new work. Runs of one channel never
overlap (a lease); a run asked for while another holds the channel returns at once, and the
holder looks for new work after releasing, so nothing asked for is left behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from ocop_contracts import PRODUCT_EVENTS, EventBase, Ping, ProductSnapshot
from ocop_kit.celery_app import make_celery
from ocop_kit.consumer import EventHandlers, register_event_consumer
from ocop_kit.db import ServiceDatabase, utc_now
from ocop_marketplace_sync import SERVICE, task_names
from ocop_marketplace_sync.channels.config import Channel, load_channels
from ocop_marketplace_sync.listings.reconcile import reconcile_channel
from ocop_marketplace_sync.listings.service import apply_products, has_due_work, next_due_at
from ocop_marketplace_sync.listings.sync import ChannelSync, request_run, take_run_request
from ocop_marketplace_sync.settings import get_settings

settings = get_settings()
db = ServiceDatabase(SERVICE, settings)
celery = make_celery(SERVICE, settings, db)
handlers = EventHandlers()
channels = load_channels(settings)
# One HTTP client (a connection pool, thread-safe) for every run of this process.
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
    pending: set[str] = session.info.setdefault("sync_channels", set())
    if not pending:

        @sa_event.listens_for(session, "after_commit", once=True)
        def _send(_: Session) -> None:
            for code in sorted(session.info.pop("sync_channels", set())):
                ask_for_run(code)

    pending.update(codes)


def ask_for_run(code: str) -> None:
    """Send a sync task for the channel unless a run is already asked for (`request_run`)."""
    if request_run(db, code):
        celery.send_task(SYNC_TASK, args=[code])


@celery.task(name=SYNC_TASK)
def sync_channel(code: str) -> dict[str, Any]:
    """Converge one channel; come back later for listings held back by a backoff.

    After `sync_task_max_seconds` the task queues its continuation and returns: the worker then
    takes the events that queued up behind it first (a bulk import can mean minutes of pushes
    at a channel's rate limit)."""
    take_run_request(db, code)
    channel = channels[code]
    runner = ChannelSync(db, settings, channel, http)
    results: dict[str, Any] = {}
    deadline = time.monotonic() + settings.sync_task_max_seconds
    while True:
        summary = runner.run(max_seconds=max(0.0, deadline - time.monotonic()))
        if not summary.ran:
            return {"channel": code, "ran": False}
        for key, value in summary.results.items():
            results[key] = results.get(key, 0) + value
        with db.session() as session:
            if not has_due_work(session, code):
                later = next_due_at(session, code)
                break
        if time.monotonic() >= deadline:
            ask_for_run(code)
            return {"channel": code, "ran": True, "results": results, "continues": True}
    if later is not None:
        delay = max(0.5, (later - utc_now() + timedelta(milliseconds=50)).total_seconds())
        celery.send_task(SYNC_TASK, args=[code], countdown=delay)
    return {"channel": code, "ran": True, "results": results}


@celery.task(name=task_names.SYNC_DUE)
def sync_due() -> list[str]:
    """Every 30 s: ask for a run on each channel with due work that no run picked up (its run
    died with its worker or its database connection, or the request to run was lost)."""
    with db.session() as session:
        due = [
            code
            for code, channel in channels.items()
            if channel.mode == "api" and has_due_work(session, code)
        ]
    for code in due:
        celery.send_task(SYNC_TASK, args=[code])
    return due


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
