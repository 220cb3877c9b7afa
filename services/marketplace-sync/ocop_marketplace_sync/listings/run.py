"""A sync run: converge one API channel to the desired state.

The steps, each in a module of its own: take the channel's lease (`lease.py`), claim the due
listings in batches, plan one job per listing (`plan.py`: pushes for a product stay in order),
group price/stock changes into the calls the dialect allows and push them concurrently through
the shared rate limiter (`push.py`), then write the outcomes back in one transaction per batch
(`transitions.after_push`; `events.set_status` announces a listing going on or off sale).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_kit.db import ServiceDatabase, utc_now
from ocop_marketplace_sync.adapters.base import Adapter, RetryPolicy
from ocop_marketplace_sync.adapters.by_dialect import ADAPTERS
from ocop_marketplace_sync.channels.config import Channel
from ocop_marketplace_sync.events import set_status
from ocop_marketplace_sync.listings.lease import ChannelLease
from ocop_marketplace_sync.listings.models import Listing, SyncFailureCount
from ocop_marketplace_sync.listings.plan import Job, plan
from ocop_marketplace_sync.listings.push import push_one, push_prices
from ocop_marketplace_sync.listings.service import due_filter
from ocop_marketplace_sync.listings.tokens import DbTokenStore
from ocop_marketplace_sync.listings.transitions import Outcome, RetryTiming, after_push
from ocop_marketplace_sync.ratelimit import rate_limiter
from ocop_marketplace_sync.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    """What one run did: requests planned and outcomes by result."""

    channel: str
    ran: bool = True
    requests_planned: int = 0
    results: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, result: str) -> None:
        self.results[result] = self.results.get(result, 0) + 1


class ChannelSync:
    """Runs that converge one API channel to the desired state."""

    def __init__(
        self,
        db: ServiceDatabase,
        settings: Settings,
        channel: Channel,
        client: httpx.Client | None = None,
    ) -> None:
        if channel.mode != "api":
            raise ValueError(f"channel {channel.code} is {channel.mode}: it has no sync runs")
        self.db = db
        self.settings = settings
        self.channel = channel
        self.client = client or httpx.Client(timeout=settings.http_timeout_seconds)
        self.tokens = DbTokenStore(db)
        self.policy = RetryPolicy(
            settings.sync_attempts_per_run, settings.retry_base_seconds, settings.retry_max_seconds
        )
        self.timing = RetryTiming(settings.retry_base_seconds, settings.retry_max_seconds)
        self._adapters: dict[str, Adapter] = {}

    def adapter(self, shop_id: str) -> Adapter:
        """The adapter of one shop of the channel (made once, with its rate limiter)."""
        if shop_id not in self._adapters:
            shop = self.channel.shop(shop_id)
            limiter = rate_limiter(
                self.channel.code, shop_id, self.channel.rate_limit_per_second, self.settings
            )
            cls = ADAPTERS[self.channel.dialect]
            self._adapters[shop_id] = cls(self.channel, shop, self.client, limiter, self.tokens)
        return self._adapters[shop_id]

    def run(self, stop: threading.Event | None = None) -> RunSummary:
        """Converge the channel; returns at once (ran=False) when another run holds it.

        Work streams: more listings are claimed while earlier pushes are still in flight, so
        the rate limit, not the bookkeeping, sets the pace. A listing stays claimed until its
        outcome is written, so it is never pushed twice at once. Once `stop` is set nothing
        more is claimed: the run writes what is in flight and returns.
        """
        summary = RunSummary(self.channel.code)
        started = time.monotonic()
        lease = ChannelLease(self.db, self.channel.code, self.settings.run_lease_seconds)
        if not lease.acquire():
            summary.ran = False
            return summary
        claimed: set[str] = set()
        running: set[Future[list[Outcome]]] = set()
        finished: list[Outcome] = []
        last_write = last_renew = time.monotonic()
        low_water = max(1, self.settings.sync_batch_size // 2)
        try:
            with ThreadPoolExecutor(max_workers=self.settings.sync_concurrency) as pool:
                exhausted = False
                while True:
                    in_time = stop is None or not stop.is_set()
                    if in_time and not exhausted and len(claimed) < low_water:
                        jobs = self.claim(claimed, self.settings.sync_batch_size)
                        exhausted = not jobs
                        claimed.update(job.listing_id for _, job in jobs)
                        running |= self.submit(jobs, pool, summary, finished)
                    if not running and not finished and (exhausted or not in_time):
                        break
                    done, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
                    running -= done
                    for future in done:
                        finished.extend(future.result())
                    now = time.monotonic()
                    if finished and (len(finished) >= 100 or now - last_write > 0.5 or not running):
                        self.record(finished, summary)
                        claimed -= {outcome.listing_id for outcome in finished}
                        finished = []
                        last_write = now
                        exhausted = False  # recorded work may have left more to do
                    if now - last_renew > 10:
                        lease.renew()
                        last_renew = now
        finally:
            lease.release()
            summary.seconds = round(time.monotonic() - started, 3)
        log.info("sync run", extra={"channel": self.channel.code, "results": summary.results})
        return summary

    def claim(self, exclude: set[str], limit: int) -> list[tuple[str, Job]]:
        """Plan up to `limit` due listings not already in hand; mark creates as attempted
        first, so a crash mid-create is followed by a look-up, never a second listing."""
        with self.db.session() as session:
            query = select(Listing).where(*due_filter(self.channel.code, utc_now()))
            if exclude:
                query = query.where(Listing.id.not_in(list(exclude)))
            rows = session.scalars(query.order_by(Listing.id).limit(limit)).all()
            jobs = []
            for row in rows:
                job = plan(row)
                if job.op == "create":
                    row.create_attempted = True
                jobs.append((row.shop_id, job))
            return jobs

    def submit(
        self,
        jobs: list[tuple[str, Job]],
        pool: ThreadPoolExecutor,
        summary: RunSummary,
        finished: list[Outcome],
    ) -> set[Future[list[Outcome]]]:
        """Send the jobs to the pool: price/stock changes grouped as the dialect allows."""
        futures: set[Future[list[Outcome]]] = set()
        price_groups: dict[str, list[Job]] = {}
        for shop_id, job in jobs:
            if job.op == "settle":
                finished.append(Outcome(job.listing_id, "settled", job.payload_hash, job.payload))
            elif job.op == "price":
                price_groups.setdefault(shop_id, []).append(job)
            else:
                futures.add(pool.submit(push_one, self.adapter(shop_id), job, self.policy))
        for shop_id, group in price_groups.items():
            adapter = self.adapter(shop_id)
            size = adapter.batch_size
            for start in range(0, len(group), size):
                chunk = group[start : start + size]
                futures.add(pool.submit(push_prices, adapter, chunk, self.policy))
        summary.requests_planned += len(futures)
        return futures

    def record(self, outcomes: list[Outcome], summary: RunSummary) -> None:
        """Write a batch of outcomes onto their listings in one transaction."""
        now = utc_now()
        by_id = {o.listing_id: o for o in outcomes}
        with self.db.session() as session:
            count_failures(session, self.channel.code, outcomes)
            rows = session.scalars(select(Listing).where(Listing.id.in_(list(by_id)))).all()
            for listing in rows:
                out = by_id[listing.id]
                summary.add(out.result)
                status = after_push(listing, out, now, self.timing)
                if status is not None:
                    set_status(session, listing, status)


def count_failures(session: Session, channel: str, outcomes: list[Outcome]) -> None:
    """Add this batch's refusals and transient failures to the channel's failure counters (only
    the run holding the channel's lease writes them, so there is no race)."""
    for result in ("rejected", "retry_later"):
        failed = sum(1 for o in outcomes if o.result == result)
        if not failed:
            continue
        counter = session.get(SyncFailureCount, (channel, result))
        if counter is None:
            counter = SyncFailureCount(channel=channel, result=result, count=0)
            session.add(counter)
        counter.count += failed
