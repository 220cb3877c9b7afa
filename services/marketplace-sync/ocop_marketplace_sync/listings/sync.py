"""Sync runs: converge one channel to the desired state.

A run holds the channel's lease (runs of one channel never overlap), claims the due listings in
batches, plans one job per listing (so pushes for a product stay in order), groups price/stock
changes into the calls the dialect allows, sends them concurrently through the shared rate
limiter, and writes the outcomes back in one transaction per batch.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

import httpx
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ocop_kit.db import ServiceDatabase, new_id, utc_now
from ocop_marketplace_sync.adapters.base import (
    Adapter,
    ChannelError,
    CreateOutcome,
    PriceStock,
    Rejected,
    Retryable,
    RetryPolicy,
    Token,
)
from ocop_marketplace_sync.adapters.registry import ADAPTERS
from ocop_marketplace_sync.channels.config import Channel
from ocop_marketplace_sync.listings.desired import only_price_or_stock_changed
from ocop_marketplace_sync.listings.models import (
    ChannelLock,
    ChannelToken,
    Listing,
    SyncFailureCount,
    SyncReport,
)
from ocop_marketplace_sync.listings.service import backoff_delay, due_filter, set_status
from ocop_marketplace_sync.ratelimit import rate_limiter
from ocop_marketplace_sync.settings import Settings

log = logging.getLogger(__name__)
Op = Literal["create", "update", "price", "delete", "review", "settle"]
Result = Literal["listed", "in_review", "rejected", "retry_later", "delisted", "settled"]


@dataclass(frozen=True)
class Job:
    """What a run does for one listing, planned from a snapshot of its row."""

    listing_id: str
    sku: str
    op: Op
    payload: dict[str, Any]
    payload_hash: str
    pushed_payload: dict[str, Any] | None  # what the channel shows now, as far as we know
    external_id: str | None
    request_id: str | None
    uncertain: bool  # a create may already have reached the channel: look before creating
    attempts: int


@dataclass
class Outcome:
    listing_id: str
    result: Result
    payload_hash: str
    payload: dict[str, Any]
    external_id: str | None = None
    request_id: str | None = None
    error: str | None = None


@dataclass
class RunSummary:
    channel: str
    ran: bool = True
    requests_planned: int = 0
    results: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, result: str) -> None:
        self.results[result] = self.results.get(result, 0) + 1


def plan(listing: Listing) -> Job:
    """The next step for a listing (pure: reads the row, decides, touches nothing)."""
    op: Op
    if listing.desired_present:
        if listing.request_id and not listing.external_id:
            op = "review"
        elif not listing.remote_present:
            op = "create"
        elif listing.pushed_hash == listing.payload_hash:
            op = "settle"
        elif only_price_or_stock_changed(listing.pushed_payload, listing.payload):
            op = "price"
        else:
            op = "update"
    else:
        op = "delete" if (listing.remote_present or listing.create_attempted) else "settle"
        if listing.request_id and not listing.external_id:
            op = "delete"
    return Job(
        listing_id=listing.id,
        sku=listing.product_id,
        op=op,
        payload=listing.payload,
        payload_hash=listing.payload_hash,
        pushed_payload=listing.pushed_payload,
        external_id=listing.external_id,
        request_id=listing.request_id,
        uncertain=listing.create_attempted or listing.external_id is not None,
        attempts=listing.attempts,
    )


class DbTokenStore:
    """Shop tokens in the service's database, so every worker shares one refresh chain."""

    def __init__(self, db: ServiceDatabase) -> None:
        self.db = db

    def load(self, channel: str, shop_id: str) -> Token | None:
        with self.db.session() as session:
            row = session.get(ChannelToken, (channel, shop_id))
            if row is None:
                return None
            return Token(
                row.access_token,
                row.access_expires_at,
                row.refresh_token,
                row.refresh_expires_at,
            )

    def save(self, channel: str, shop_id: str, token: Token) -> None:
        with self.db.session() as session:
            row = session.get(ChannelToken, (channel, shop_id))
            if row is None:
                row = ChannelToken(channel=channel, shop_id=shop_id, access_token="")
                session.add(row)
            row.access_token = token.access_token
            row.access_expires_at = token.access_expires_at
            row.refresh_token = token.refresh_token
            row.refresh_expires_at = token.refresh_expires_at


def ensure_lock_row(db: ServiceDatabase, channel: str) -> None:
    try:
        with db.session() as session:
            if session.get(ChannelLock, channel) is None:
                session.add(ChannelLock(channel=channel))
    except IntegrityError:
        pass  # another worker created the row at the same moment


class ChannelLease:
    """A lease on one channel: held by at most one run at a time across all workers."""

    def __init__(self, db: ServiceDatabase, channel: str, seconds: float) -> None:
        self.db = db
        self.channel = channel
        self.seconds = seconds
        self.holder = new_id()

    def acquire(self) -> bool:
        ensure_lock_row(self.db, self.channel)
        now = utc_now()
        with self.db.session() as session:
            taken = session.execute(
                update(ChannelLock)
                .where(
                    ChannelLock.channel == self.channel,
                    ChannelLock.holder.is_(None) | (ChannelLock.expires_at < now),
                )
                .values(holder=self.holder, expires_at=now + timedelta(seconds=self.seconds))
            )
            return bool(taken.rowcount)

    def renew(self) -> None:
        with self.db.session() as session:
            session.execute(
                update(ChannelLock)
                .where(ChannelLock.channel == self.channel, ChannelLock.holder == self.holder)
                .values(expires_at=utc_now() + timedelta(seconds=self.seconds))
            )

    def release(self) -> None:
        with self.db.session() as session:
            session.execute(
                update(ChannelLock)
                .where(ChannelLock.channel == self.channel, ChannelLock.holder == self.holder)
                .values(holder=None, expires_at=None)
            )


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
        self._adapters: dict[str, Adapter] = {}

    def adapter(self, shop_id: str) -> Adapter:
        if shop_id not in self._adapters:
            shop = self.channel.shop(shop_id)
            limiter = rate_limiter(
                self.channel.code, shop_id, self.channel.rate_limit_per_second, self.settings
            )
            cls = ADAPTERS[self.channel.dialect]
            self._adapters[shop_id] = cls(self.channel, shop, self.client, limiter, self.tokens)
        return self._adapters[shop_id]

    # --- the run ------------------------------------------------------------------------------
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
                adapter = self.adapter(shop_id)
                futures.add(pool.submit(self.perform_one, adapter, job))
        for shop_id, group in price_groups.items():
            adapter = self.adapter(shop_id)
            size = adapter.batch_size
            for start in range(0, len(group), size):
                chunk = group[start : start + size]
                futures.add(pool.submit(self.perform_prices, adapter, chunk))
        summary.requests_planned += len(futures)
        return futures

    # --- one job ------------------------------------------------------------------------------
    def perform_one(self, adapter: Adapter, job: Job) -> list[Outcome]:
        return [self.perform(adapter, job)]

    def perform(self, adapter: Adapter, job: Job) -> Outcome:
        def outcome(result: Result, **kw: Any) -> Outcome:
            return Outcome(job.listing_id, result, job.payload_hash, job.payload, **kw)

        try:
            if job.op == "create":
                found = self.create(adapter, job)
                return self.after_create(adapter, job, found)
            if job.op == "review":
                assert job.request_id
                review = self.policy.call(lambda: adapter.review(job.request_id or ""))
                if review.state == "pending":
                    return outcome("in_review", request_id=job.request_id)
                if review.state == "rejected":
                    return outcome("rejected", error=review.reason)
                assert review.external_id
                self.policy.call(lambda: adapter.restore(review.external_id or "", job.payload))
                return outcome("listed", external_id=review.external_id)
            if job.op == "update":
                assert job.external_id
                self.policy.call(lambda: adapter.update(job.external_id or "", job.payload))
                return outcome("listed", external_id=job.external_id)
            if job.op == "delete":
                external_id = job.external_id
                if external_id is None:
                    held = self.policy.call(lambda: adapter.find_by_sku(job.sku))
                    external_id = held.external_id if held else None
                if external_id:
                    ext = external_id
                    try:
                        self.policy.call(lambda: adapter.delete(ext, job.sku))
                    except Rejected as exc:
                        log.warning("delist refused", extra={"sku": job.sku, "error": exc.message})
                return outcome("delisted", external_id=external_id)
        except Rejected as exc:
            return outcome("rejected", error=exc.message)
        except Retryable as exc:
            return outcome("retry_later", error=exc.message)
        except (ChannelError, httpx.HTTPError, KeyError, ValueError) as exc:
            return outcome("retry_later", error=f"{type(exc).__name__}: {exc}")
        raise AssertionError(job.op)

    def create(self, adapter: Adapter, job: Job) -> CreateOutcome:
        """Create once: whenever an earlier create may have reached the channel (a timeout, a
        5xx, a crash), look the SKU up first and adopt what is there."""
        uncertain = job.uncertain
        last: Retryable | None = None
        for attempt in range(self.policy.attempts):
            if attempt:
                assert last is not None
                delay = backoff_delay(attempt, self.policy.base_seconds, self.policy.max_seconds)
                time.sleep(max(delay.total_seconds(), last.retry_after or 0.0))
            try:
                if uncertain:
                    found = adapter.find_by_sku(job.sku)
                    if found is not None:
                        return found
                    uncertain = False
                return adapter.create(job.payload)
            except Retryable as exc:
                last = exc
                # Only a failed create leaves doubt; a failed look-up does not.
                uncertain = True
        assert last is not None
        raise last

    def after_create(self, adapter: Adapter, job: Job, found: CreateOutcome) -> Outcome:
        if found.external_id is None:
            return Outcome(
                job.listing_id,
                "in_review",
                job.payload_hash,
                job.payload,
                request_id=found.request_id,
            )
        if job.uncertain:
            # Adopted an existing listing: make sure it shows what we want now.
            self.policy.call(lambda: adapter.restore(found.external_id or "", job.payload))
        return Outcome(
            job.listing_id, "listed", job.payload_hash, job.payload, external_id=found.external_id
        )

    def perform_prices(self, adapter: Adapter, jobs: list[Job]) -> list[Outcome]:
        items = [price_stock(job) for job in jobs]
        try:
            errors = self.policy.call(lambda: adapter.update_price_stock(items))
        except Rejected as exc:
            return [
                Outcome(j.listing_id, "rejected", j.payload_hash, j.payload, error=exc.message)
                for j in jobs
            ]
        except (ChannelError, httpx.HTTPError) as exc:
            return [
                Outcome(j.listing_id, "retry_later", j.payload_hash, j.payload, error=str(exc))
                for j in jobs
            ]
        return [
            Outcome(
                j.listing_id,
                "rejected" if errors.get(j.sku) else "listed",
                j.payload_hash,
                j.payload,
                external_id=j.external_id,
                error=errors.get(j.sku),
            )
            for j in jobs
        ]

    # --- writing back -------------------------------------------------------------------------
    def record(self, outcomes: list[Outcome], summary: RunSummary) -> None:
        now = utc_now()
        by_id = {o.listing_id: o for o in outcomes}
        with self.db.session() as session:
            count_failures(session, self.channel.code, outcomes)
            rows = session.scalars(select(Listing).where(Listing.id.in_(list(by_id)))).all()
            for listing in rows:
                out = by_id[listing.id]
                summary.add(out.result)
                if out.result != "settled":
                    listing.attempts += 1
                if out.result in ("listed", "settled"):
                    if out.external_id:
                        listing.external_id = out.external_id
                    listing.remote_present = listing.remote_present or out.result == "listed"
                    listing.request_id = None
                    listing.create_attempted = False
                    listing.pushed_hash = out.payload_hash
                    listing.pushed_payload = out.payload
                    listing.last_error = None
                    listing.next_attempt_at = None
                    if out.result == "listed":
                        listing.synced_at = now
                    # An event may have changed the desired state while we pushed.
                    listing.dirty = (
                        listing.payload_hash != out.payload_hash or not listing.desired_present
                    )
                    if listing.desired_present and listing.status != "blocked":
                        set_status(session, listing, "listed")
                elif out.result == "in_review":
                    listing.request_id = out.request_id
                    listing.next_attempt_at = now + backoff_delay(
                        listing.attempts, self.settings.retry_base_seconds, 600
                    )
                    if listing.desired_present:
                        set_status(session, listing, "syncing")
                elif out.result == "rejected":
                    listing.last_error = out.error
                    listing.last_error_at = now
                    listing.request_id = None
                    listing.create_attempted = False
                    listing.dirty = False
                    if listing.desired_present:
                        set_status(session, listing, "failed")
                elif out.result == "retry_later":
                    listing.last_error = out.error
                    listing.last_error_at = now
                    listing.next_attempt_at = now + backoff_delay(
                        listing.attempts,
                        self.settings.retry_base_seconds * 4,
                        self.settings.retry_max_seconds * 20,
                    )
                elif out.result == "delisted":
                    listing.remote_present = False
                    listing.request_id = None
                    listing.create_attempted = False
                    listing.pushed_hash = None
                    listing.pushed_payload = None
                    listing.synced_at = now
                    if out.external_id:
                        listing.external_id = out.external_id
                    listing.dirty = listing.desired_present
                    if listing.desired_present:
                        set_status(session, listing, "pending")


def price_stock(job: Job) -> PriceStock:
    """The absolute price and stock a job sends, and which of the two changed since the last
    push (a dialect with one call for each sends only what changed)."""
    payload, pushed = job.payload, job.pushed_payload or {}
    return PriceStock(
        job.sku,
        job.external_id or "",
        payload["price_vnd"],
        payload["stock"],
        price_changed=pushed.get("price_vnd") != payload["price_vnd"],
        stock_changed=pushed.get("stock") != payload["stock"],
    )


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


def save_report(db: ServiceDatabase, channel: str, kind: str, summary: dict[str, Any]) -> str:
    with db.session() as session:
        report = SyncReport(
            id=new_id(), channel=channel, kind=kind, summary=summary, finished_at=utc_now()
        )
        session.add(report)
        return report.id
