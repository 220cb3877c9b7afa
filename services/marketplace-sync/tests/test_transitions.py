"""Listing state transitions, tested directly on rows in memory (no database, no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ocop_marketplace_sync.listings.desired import DesiredListing
from ocop_marketplace_sync.listings.models import Listing
from ocop_marketplace_sync.listings.transitions import (
    Outcome,
    RetryTiming,
    after_push,
    after_upload,
    desire_delisted,
    desire_listed,
    found_missing,
    found_stale,
    retry_asked,
)

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
TIMING = RetryTiming(base_seconds=1.0, max_seconds=30.0)
PAYLOAD: dict[str, Any] = {"name": "Mật ong", "price_vnd": 150_000, "stock": 100}


def listing(**fields: Any) -> Listing:
    values: dict[str, Any] = {
        "id": "L1",
        "product_id": "P1",
        "channel": "shopee",
        "shop_id": "220001",
        "status": "pending",
        "version": 1,
        "attempts": 0,
        "dirty": True,
        "desired_present": True,
        "remote_present": False,
        "create_attempted": True,
        "external_id": None,
        "request_id": None,
        "payload": PAYLOAD,
        "payload_hash": "h1",
        "pushed_payload": None,
        "pushed_hash": None,
        "missing": [],
    }
    values.update(fields)
    return Listing(**values)


def test_a_listed_outcome_records_what_was_pushed_and_lists_it():
    row = listing()
    status = after_push(row, Outcome("L1", "listed", "h1", PAYLOAD, external_id="9"), NOW, TIMING)
    assert status == "listed"
    assert (row.external_id, row.remote_present, row.pushed_hash) == ("9", True, "h1")
    assert not row.dirty and not row.create_attempted and row.synced_at == NOW


def test_a_push_overtaken_by_a_new_snapshot_stays_dirty():
    row = listing(payload_hash="h2")
    after_push(row, Outcome("L1", "listed", "h1", PAYLOAD, external_id="9"), NOW, TIMING)
    assert row.dirty and row.pushed_hash == "h1"


def test_a_refusal_fails_the_listing_and_waits_for_a_change():
    row = listing()
    status = after_push(row, Outcome("L1", "rejected", "h1", PAYLOAD, error="bad"), NOW, TIMING)
    assert status == "failed"
    assert (row.last_error, row.dirty, row.attempts) == ("bad", False, 1)


def test_a_transient_failure_holds_the_listing_back_without_a_status_change():
    row = listing(attempts=2)
    status = after_push(row, Outcome("L1", "retry_later", "h1", PAYLOAD, error="503"), NOW, TIMING)
    assert status is None
    assert row.next_attempt_at is not None and row.next_attempt_at > NOW
    assert row.dirty


def test_a_delisted_outcome_forgets_what_was_pushed():
    row = listing(desired_present=False, remote_present=True, pushed_hash="h1", status="delisted")
    status = after_push(row, Outcome("L1", "delisted", "h1", PAYLOAD), NOW, TIMING)
    assert status is None
    assert (row.remote_present, row.pushed_hash, row.dirty) == (False, None, False)


def test_an_upload_lists_updates_or_delists_by_what_the_row_wanted():
    new, shown, gone = listing(), listing(remote_present=True), listing(desired_present=False)
    assert after_upload(new, "operator", NOW) == ("listed", "listed")
    assert after_upload(shown, "operator", NOW) == ("updated", "listed")
    assert after_upload(gone, "operator", NOW) == ("delisted", None)
    assert new.external_id == "P1" and new.pushed_hash == "h1" and not new.dirty
    assert gone.remote_present is False and gone.uploaded_by == "operator"


def test_missing_fields_block_a_listing_and_the_same_refused_content_stays_failed():
    blocked = listing()
    assert desire_listed(blocked, DesiredListing(PAYLOAD, "h1", ["images"])) == "blocked"
    assert not blocked.dirty
    refused = listing(status="failed")
    assert desire_listed(refused, DesiredListing(PAYLOAD, "h1", [])) == "failed"
    assert not refused.dirty
    changed = listing(status="failed")
    assert desire_listed(changed, DesiredListing(PAYLOAD, "h2", [])) == "pending"
    assert changed.dirty


def test_delisting_needs_a_push_only_where_something_may_be_on_the_channel():
    never_sent = listing(create_attempted=False)
    assert desire_delisted(never_sent) == "delisted" and not never_sent.dirty
    shown = listing(remote_present=True)
    assert desire_delisted(shown) == "delisted" and shown.dirty


def test_a_retry_makes_a_failed_listing_pending_again():
    row = listing(status="failed", dirty=False)
    assert retry_asked(row) == "pending" and row.dirty
    assert retry_asked(listing(status="listed", remote_present=True)) is None


def test_reconciliation_marks_missing_and_stale_listings_for_a_push():
    missing = listing(remote_present=True, dirty=False)
    assert found_missing(missing) == "pending" and missing.dirty and not missing.remote_present
    stale = listing(remote_present=True, dirty=False, pushed_payload=PAYLOAD, pushed_hash="h1")
    found_stale(stale, 120_000, 100)
    assert stale.pushed_payload == {**PAYLOAD, "price_vnd": 120_000}
    assert stale.pushed_hash is None and stale.dirty
