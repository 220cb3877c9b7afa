"""The sync service's own Prometheus metrics, read from its tables when Prometheus scrapes, so
they count the work of every worker process."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from ocop_kit.db import ServiceDatabase
from ocop_marketplace_sync.listings.models import Listing, SyncFailureCount


class SyncCollector(Collector):
    def __init__(self, db: ServiceDatabase) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        failures = CounterMetricFamily(
            "ocop_sync_failures",
            "Pushes a channel refused (rejected) or did not take (retry_later: 5xx, 429, timeout)",
            labels=["channel", "result"],
        )
        listings = GaugeMetricFamily(
            "ocop_sync_listings", "Listings by channel and status", labels=["channel", "status"]
        )
        with self.db.session() as session:
            for counter in session.scalars(select(SyncFailureCount)):
                failures.add_metric([counter.channel, counter.result], counter.count)
            for channel, status, count in session.execute(
                select(Listing.channel, Listing.status, func.count()).group_by(
                    Listing.channel, Listing.status
                )
            ):
                listings.add_metric([channel, status], count)
        yield from (failures, listings)
