"""Listing state transitions: the one home of the rules that move a listing between statuses.

Pure rules: each takes a listing row and what just happened (a new desired state, a push's
outcome, an upload, an operator's retry, what reconciliation found), changes the row's fields in
memory and returns the status the listing moves to, or None to leave it. No session, no I/O:
the caller publishes the status with `service.set_status`, which tells the other services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from ocop_marketplace_sync.listings.desired import DesiredListing
from ocop_marketplace_sync.listings.models import Listing

Status = Literal["pending", "blocked", "syncing", "listed", "failed", "delisted"]
Result = Literal["listed", "in_review", "rejected", "retry_later", "delisted", "settled"]
UploadKind = Literal["listed", "updated", "delisted"]
# A Tiki product request is polled at most every ten minutes while it waits for review.
REVIEW_POLL_CAP_SECONDS = 600.0


class ListingState(Protocol):
    """What the rules of a desired state read and write of a listing: a `Listing` row, or a new
    listing not yet written (`service.NewListing`: a batch's new listings go in at once)."""

    id: str
    product_id: str
    channel: str
    producer_id: str | None
    province_code: str | None
    status: str
    version: int
    desired_present: bool
    remote_present: bool
    dirty: bool
    create_attempted: bool
    external_id: str | None
    request_id: str | None
    payload: dict[str, Any]
    payload_hash: str
    pushed_hash: str | None
    missing: list[str]
    next_attempt_at: datetime | None


@dataclass
class Outcome:
    """What one push did for one listing (see `push.py`), to be written back by `after_push`."""

    listing_id: str
    result: Result
    payload_hash: str
    payload: dict[str, Any]
    external_id: str | None = None
    request_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class RetryTiming:
    """How soon a listing is tried again: the base delay doubles with each attempt up to a cap."""

    base_seconds: float
    max_seconds: float


def backoff_delay(attempts: int, base: float, cap: float) -> timedelta:
    """Exponential backoff: `base` doubled per attempt, never more than `cap`."""
    return timedelta(seconds=min(cap, base * 2 ** min(attempts, 16)))


def desire_listed(listing: ListingState, desired: DesiredListing) -> Status:
    """A product snapshot says the listing should show `desired`."""
    unchanged_failure = listing.status == "failed" and listing.payload_hash == desired.payload_hash
    listing.desired_present = True
    listing.payload = desired.payload
    listing.payload_hash = desired.payload_hash
    listing.missing = desired.missing
    if desired.missing:
        # Completeness before push: nothing goes out until the channel has what it requires.
        listing.dirty = False
        return "blocked"
    if unchanged_failure:
        # The channel refused this very content: wait for a change or an operator's retry.
        listing.dirty = False
        return "failed"
    if listing.remote_present and listing.pushed_hash == desired.payload_hash:
        listing.dirty = False
        return "listed"
    listing.dirty = True
    listing.next_attempt_at = None
    if listing.remote_present and listing.status != "failed":
        return "listed"
    if listing.request_id and not listing.external_id:
        return "syncing"
    return "pending"


def desire_delisted(listing: ListingState) -> Status:
    """Expired, revoked, deleted or no longer chosen: off the channel."""
    listing.desired_present = False
    listing.next_attempt_at = None
    listing.dirty = bool(listing.remote_present or listing.request_id or listing.create_attempted)
    return "delisted"


def retry_asked(listing: Listing) -> Status | None:
    """An operator asks to try a failed (or waiting) listing again now."""
    listing.dirty = listing.desired_present or listing.remote_present
    listing.next_attempt_at = None
    if listing.desired_present and listing.status in ("failed", "pending", "syncing"):
        return "pending" if not listing.request_id else "syncing"
    return None


def after_push(listing: Listing, out: Outcome, now: datetime, timing: RetryTiming) -> Status | None:
    """Write a push's outcome onto its listing."""
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
        listing.dirty = listing.payload_hash != out.payload_hash or not listing.desired_present
        if listing.desired_present and listing.status != "blocked":
            return "listed"
        return None
    if out.result == "in_review":
        listing.request_id = out.request_id
        listing.next_attempt_at = now + backoff_delay(
            listing.attempts, timing.base_seconds, REVIEW_POLL_CAP_SECONDS
        )
        return "syncing" if listing.desired_present else None
    if out.result == "rejected":
        listing.last_error = out.error
        listing.last_error_at = now
        listing.request_id = None
        listing.create_attempted = False
        listing.dirty = False
        return "failed" if listing.desired_present else None
    if out.result == "retry_later":
        listing.last_error = out.error
        listing.last_error_at = now
        # Held back longer than within a run: the channel is down or throttling.
        listing.next_attempt_at = now + backoff_delay(
            listing.attempts, timing.base_seconds * 4, timing.max_seconds * 20
        )
        return None
    # delisted
    listing.remote_present = False
    listing.request_id = None
    listing.create_attempted = False
    listing.pushed_hash = None
    listing.pushed_payload = None
    listing.synced_at = now
    if out.external_id:
        listing.external_id = out.external_id
    listing.dirty = listing.desired_present
    return "pending" if listing.desired_present else None


def after_upload(
    listing: Listing, uploaded_by: str, now: datetime
) -> tuple[UploadKind, Status | None]:
    """An operator uploaded the bulk-file channel's sheet row of this listing."""
    kind: UploadKind
    status: Status | None = None
    if not listing.desired_present:
        listing.remote_present = False
        kind = "delisted"
    else:
        kind = "updated" if listing.remote_present else "listed"
        listing.remote_present = True
        listing.pushed_hash = listing.payload_hash
        listing.pushed_payload = listing.payload
        listing.external_id = listing.external_id or listing.product_id
        status = "listed"
    listing.dirty = False
    listing.synced_at = now
    listing.uploaded_by = uploaded_by
    listing.attempts += 1
    return kind, status


def found_missing(listing: Listing) -> Status:
    """Reconciliation: the channel no longer shows a listing we had pushed."""
    listing.remote_present = False
    listing.dirty = True
    listing.next_attempt_at = None
    return "pending"


def found_stale(listing: Listing, price_vnd: int | None, stock: int | None) -> None:
    """Reconciliation: the channel shows another price or stock than we pushed."""
    shown = dict(listing.pushed_payload or listing.payload)
    shown.update(price_vnd=price_vnd, stock=stock)
    listing.pushed_payload = shown
    listing.pushed_hash = None
    listing.dirty = True
    listing.next_attempt_at = None
