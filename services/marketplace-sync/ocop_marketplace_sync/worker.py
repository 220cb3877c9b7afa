"""The Marketplace sync service's Celery worker: consumes the `marketplace_sync` queue.

Incoming events are handled in `consumers.py` inside the consume transaction; after the commit
the worker requests syncs of the channels with new work from its channel runners
(`listings/runners.py`: a thread per channel in this process), once per channel however many
events the transaction held. The worker's own thread goes back to the queue at once: events keep
flowing while channels push.
"""

from __future__ import annotations

from typing import Any

import httpx
from celery.signals import worker_ready, worker_shutdown

from ocop_kit.celery_app import make_celery
from ocop_kit.consumer import register_event_consumer
from ocop_kit.db import ServiceDatabase
from ocop_marketplace_sync import SERVICE, task_names
from ocop_marketplace_sync.channels.config import load_channels
from ocop_marketplace_sync.consumers import consumer_handlers
from ocop_marketplace_sync.listings.reconcile import reconcile_channel
from ocop_marketplace_sync.listings.runners import ChannelRunners
from ocop_marketplace_sync.listings.service import has_due_work
from ocop_marketplace_sync.settings import get_settings

settings = get_settings()
db = ServiceDatabase(SERVICE, settings)
celery = make_celery(SERVICE, settings, db)
channels = load_channels(settings)
runners = ChannelRunners(db, settings, channels)
handlers = consumer_handlers(channels, runners.request_sync_after_commit)
# One HTTP client for the reconciliations of this process (each runner has its own).
http = httpx.Client(timeout=settings.http_timeout_seconds)


@celery.task(name=task_names.REQUEST_SYNC)
def request_sync(code: str) -> None:
    """Converge one channel (requested by the API: a retry, an operator's sync)."""
    if channels[code].mode == "api":
        runners.request_sync(code)


@celery.task(name=task_names.SYNC_DUE)
def sync_due() -> list[str]:
    """Every 30 s, and when the worker starts: request a sync of each channel with due work
    that no run picked up (its run died with its worker or its database connection)."""
    with db.session() as session:
        due = [
            code
            for code, channel in channels.items()
            if channel.mode == "api" and has_due_work(session, code)
        ]
    for code in due:
        runners.request_sync(code)
    return due


@worker_ready.connect
def resume_channels(**_: Any) -> None:
    sync_due()


@worker_shutdown.connect
def stop_runners(**_: Any) -> None:
    runners.stop(timeout=settings.run_stop_seconds)


@celery.task(name=task_names.RECONCILE)
def reconcile(code: str | None = None) -> dict[str, Any]:
    """Hourly (or on demand for one channel): compare every API channel with the desired
    state and repair the drift."""
    reports = {}
    for code_, channel in channels.items():
        if channel.mode == "api" and code in (None, code_):
            reports[code_] = reconcile_channel(db, settings, channel, http)
    return reports


register_event_consumer(celery, db, handlers, SERVICE)
