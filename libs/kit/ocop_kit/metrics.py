"""Prometheus metrics of a service: request latency, outbox lag, queue depth.

Each app has its own registry. Outbox lag and queue depth are read from the database and the
broker when Prometheus scrapes `/metrics`, so they are right even with several processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from celery import Celery
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from ocop_contracts import SERVICES, SERVICES_WITH_JOBS, jobs_queue_for, queue_for
from ocop_kit.db import ServiceDatabase, utc_now
from ocop_kit.tables import DeadLetter, OutboxEvent


class ServiceMetrics:
    def __init__(self, service: str, db: ServiceDatabase, celery: Celery | None) -> None:
        self.registry = CollectorRegistry()
        self.request_latency = Histogram(
            "ocop_http_request_duration_seconds",
            "HTTP request latency",
            ["service", "method", "route", "status"],
            registry=self.registry,
            buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10),
        )
        self.registry.register(_StateCollector(service, db, celery))
        self.service = service

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.request_latency.labels(self.service, method, route, str(status)).observe(seconds)


class _StateCollector(Collector):
    def __init__(self, service: str, db: ServiceDatabase, celery: Celery | None) -> None:
        self.service = service
        self.db = db
        self.celery = celery

    def collect(self) -> Iterator[Metric]:
        pending = GaugeMetricFamily(
            "ocop_outbox_pending_events", "Events committed but not yet relayed", labels=["service"]
        )
        lag = GaugeMetricFamily(
            "ocop_outbox_lag_seconds", "Age of the oldest event not yet relayed", labels=["service"]
        )
        dead = GaugeMetricFamily(
            "ocop_dead_letters", "Tasks that failed for good", labels=["service"]
        )
        with self.db.session() as session:
            count, oldest = session.execute(
                select(func.count(), func.min(OutboxEvent.created_at)).where(
                    OutboxEvent.sent_at.is_(None)
                )
            ).one()
            dead_count = session.scalar(select(func.count()).select_from(DeadLetter)) or 0
        pending.add_metric([self.service], count)
        if oldest is not None and oldest.tzinfo is None:
            from datetime import UTC

            oldest = oldest.replace(tzinfo=UTC)
        lag.add_metric([self.service], (utc_now() - oldest).total_seconds() if oldest else 0.0)
        dead.add_metric([self.service], dead_count)
        yield from (pending, lag, dead)
        depth = queue_depths(self.celery)
        if depth is not None:
            family = GaugeMetricFamily(
                "ocop_queue_depth", "Messages waiting in each queue", labels=["queue"]
            )
            for queue, size in depth.items():
                family.add_metric([queue], size)
            yield family


def queue_depths(celery: Celery | None) -> dict[str, int] | None:
    """Messages waiting in each service's queue (and jobs queue), or None when the broker
    cannot say."""
    if celery is None:
        return None
    try:
        with celery.connection_for_read() as connection:
            channel: Any = connection.default_channel
            depths = {}
            queues = [queue_for(s) for s in SERVICES] + [
                jobs_queue_for(s) for s in SERVICES_WITH_JOBS
            ]
            for queue in queues:
                try:
                    depths[queue] = channel.queue_declare(queue, passive=True).message_count
                except Exception:
                    # A queue nobody has used yet does not exist: nothing waits in it.
                    depths[queue] = 0
            return depths
    except Exception:
        return None
