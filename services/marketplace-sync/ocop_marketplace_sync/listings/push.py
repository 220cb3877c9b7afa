"""Pushing: carry out planned jobs through a channel's adapter and say what came of each.

Runs in the run's thread pool; touches no database (the outcomes are written back by the run,
through `transitions.after_push`). 429, 5xx and timeouts are retried within the call by the
retry policy; what still fails comes back as `retry_later`, a refusal as `rejected`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx

from ocop_marketplace_sync.adapters.base import (
    Adapter,
    ChannelError,
    CreateOutcome,
    Rejected,
    Retryable,
    RetryPolicy,
)
from ocop_marketplace_sync.listings.plan import Job, price_stock
from ocop_marketplace_sync.listings.transitions import Outcome, Result, backoff_delay

log = logging.getLogger(__name__)


def push_one(adapter: Adapter, job: Job, policy: RetryPolicy) -> list[Outcome]:
    """Carry out one listing's job (create, update, delete or poll a review)."""
    return [_perform(adapter, job, policy)]


def push_prices(adapter: Adapter, jobs: list[Job], policy: RetryPolicy) -> list[Outcome]:
    """Send the price/stock changes of several listings in one of the dialect's batch calls."""
    items = [price_stock(job) for job in jobs]
    try:
        errors = policy.call(lambda: adapter.update_price_stock(items))
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


def _perform(adapter: Adapter, job: Job, policy: RetryPolicy) -> Outcome:
    def outcome(result: Result, **kw: Any) -> Outcome:
        return Outcome(job.listing_id, result, job.payload_hash, job.payload, **kw)

    try:
        if job.op == "create":
            found = create_once(adapter, job, policy)
            return _after_create(adapter, job, found, policy)
        if job.op == "review":
            assert job.request_id
            review = policy.call(lambda: adapter.review(job.request_id or ""))
            if review.state == "pending":
                return outcome("in_review", request_id=job.request_id)
            if review.state == "rejected":
                return outcome("rejected", error=review.reason)
            assert review.external_id
            policy.call(lambda: adapter.restore(review.external_id or "", job.payload))
            return outcome("listed", external_id=review.external_id)
        if job.op == "update":
            assert job.external_id
            policy.call(lambda: adapter.update(job.external_id or "", job.payload))
            return outcome("listed", external_id=job.external_id)
        if job.op == "delete":
            external_id = job.external_id
            if external_id is None:
                held = policy.call(lambda: adapter.find_by_sku(job.sku))
                external_id = held.external_id if held else None
            if external_id:
                ext = external_id
                try:
                    policy.call(lambda: adapter.delete(ext, job.sku))
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


def create_once(adapter: Adapter, job: Job, policy: RetryPolicy) -> CreateOutcome:
    """Create once: whenever an earlier create may have reached the channel (a timeout, a
    5xx, a crash), look the SKU up first and adopt what is there."""
    uncertain = job.uncertain
    last: Retryable | None = None
    for attempt in range(policy.attempts):
        if attempt:
            assert last is not None
            delay = backoff_delay(attempt, policy.base_seconds, policy.max_seconds)
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


def _after_create(adapter: Adapter, job: Job, found: CreateOutcome, policy: RetryPolicy) -> Outcome:
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
        policy.call(lambda: adapter.restore(found.external_id or "", job.payload))
    return Outcome(
        job.listing_id, "listed", job.payload_hash, job.payload, external_id=found.external_id
    )
