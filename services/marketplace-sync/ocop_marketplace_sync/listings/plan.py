"""The planner: what a sync run does next for each listing, read from its row (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ocop_marketplace_sync.adapters.base import PriceStock
from ocop_marketplace_sync.listings.desired import only_price_or_stock_changed
from ocop_marketplace_sync.listings.models import Listing

Op = Literal["create", "update", "price", "delete", "review", "settle"]


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
