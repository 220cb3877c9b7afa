"""Who consumes what: the one table of subscriptions, the task names and the scheduled jobs.

Each consuming service has one queue named after it and two event tasks on that queue (a batch,
and one event); the outbox relay sends every event to the queue of each subscriber listed here.
A service with long jobs (a sheet import of 20,000 rows runs for most of a minute) runs them from a
queue of their own, consumed by a worker of their own, so that its events keep being applied
meanwhile (a council's decision certified, the import's products counted as they turn searchable).
"""

from __future__ import annotations

from dataclasses import dataclass

from ocop_contracts.events import PRODUCT_EVENTS

SERVICES = ("portal", "registry", "evaluation", "marketplace_sync", "search")
SERVICES_WITH_JOBS = ("registry",)

SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    # Product events carry the full snapshot; `product.merged` (a duplicate merged into another
    # product, its snapshot deleted) reaches the same consumers, which drop the merged product.
    **{event_type: ("search", "marketplace_sync", "evaluation") for event_type in PRODUCT_EVENTS},
    "evaluation.decided": ("registry",),
    "listing.changed": ("registry",),
    "search.indexed": ("registry",),
    "system.ping": SERVICES,
}


def subscribers(event_type: str) -> tuple[str, ...]:
    """The services whose queue receives events of this type (none for an unknown type)."""
    return SUBSCRIPTIONS.get(event_type, ())


def queue_for(service: str) -> str:
    """The queue a service consumes."""
    return service


def jobs_queue_for(service: str) -> str:
    """The queue of a service's long jobs, consumed by its jobs worker (`worker --jobs`)."""
    return f"{service}.jobs"


def event_task(service: str) -> str:
    """The name of the task through which a service receives one event (replays, retries)."""
    return f"ocop.{service}.event"


def events_task(service: str) -> str:
    """The name of the task through which a service receives a batch of events, in outbox
    order: the relay's way to send them."""
    return f"ocop.{service}.events"


@dataclass(frozen=True)
class ScheduledJob:
    task: str
    service: str
    every_seconds: float


# Scheduled jobs: the one beat process sends these tasks to the owning service's queue.
SCHEDULE: tuple[ScheduledJob, ...] = (
    ScheduledJob("ocop.registry.refresh_certificate_status", "registry", 3600.0),
    ScheduledJob("ocop.marketplace_sync.reconcile", "marketplace_sync", 3600.0),
    # Picks up listings left due by a run that died (worker or database lost mid-run).
    ScheduledJob("ocop.marketplace_sync.sync_due", "marketplace_sync", 30.0),
)
