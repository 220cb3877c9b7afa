"""The desired state: product snapshots in, listings per product × channel out.

Every status change of a listing publishes `ListingChanged` in the same transaction, with the
listing's own increasing version.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ocop_contracts import ListingChanged, ListingPayload, ProductSnapshot
from ocop_kit.db import new_id, utc_now
from ocop_kit.outbox import publish
from ocop_marketplace_sync.channels.config import Channel
from ocop_marketplace_sync.listings.desired import desired_listing, wants_listing
from ocop_marketplace_sync.listings.models import Listing, ProductSnapshotRow


def set_status(session: Session, listing: Listing, status: str) -> None:
    """Move a listing to `status`, telling the other services when it really changed."""
    if listing.status == status and listing.version > 0:
        return
    listing.status = status
    listing.version += 1
    publish(
        session,
        ListingChanged(
            aggregate_id=listing.id,
            version=listing.version,
            payload=ListingPayload(
                product_id=listing.product_id,
                channel=listing.channel,
                status=status,
                external_id=listing.external_id,
            ),
        ),
    )


def apply_products(
    session: Session, products: list[ProductSnapshot], channels: dict[str, Channel]
) -> set[str]:
    """Keep the products' snapshots and bring each channel's listing of each product to what it
    should be (a batch of events: their rows are read in two queries and written at the commit).

    Returns the channels that now have work for a sync run.
    """
    ids = [product.id for product in products]
    snapshots = {
        row.product_id: row
        for row in session.scalars(
            select(ProductSnapshotRow).where(ProductSnapshotRow.product_id.in_(ids))
        )
    }
    listings: dict[str, dict[str, Listing]] = {}
    for listing in session.scalars(select(Listing).where(Listing.product_id.in_(ids))):
        listings.setdefault(listing.product_id, {})[listing.channel] = listing
    touched: set[str] = set()
    with session.no_autoflush:
        for product in products:
            row = snapshots.get(product.id)
            if row is None:
                row = snapshots[product.id] = ProductSnapshotRow(product_id=product.id)
                session.add(row)
            row.snapshot = product.model_dump(mode="json")
            row.is_public = product.is_public
            existing = listings.setdefault(product.id, {})
            for code, channel in channels.items():
                current = existing.get(code)
                if wants_listing(product, code):
                    current = existing[code] = want_listed(session, current, product, channel)
                elif current is not None:
                    want_delisted(session, current)
                if current is not None and current.dirty:
                    touched.add(code)
    return touched


def want_listed(
    session: Session, listing: Listing | None, product: ProductSnapshot, channel: Channel
) -> Listing:
    desired = desired_listing(product, channel)
    if listing is None:
        listing = Listing(
            id=new_id(),
            product_id=product.id,
            channel=channel.code,
            shop_id=channel.shop_for(product.address.province_code).shop_id,
            status="pending",
            version=0,
            attempts=0,
            dirty=True,
            remote_present=False,
            create_attempted=False,
            payload=desired.payload,
            payload_hash=desired.payload_hash,
            missing=desired.missing,
        )
        session.add(listing)
    listing.producer_id = product.producer.id
    listing.province_code = product.address.province_code
    unchanged_failure = listing.status == "failed" and listing.payload_hash == desired.payload_hash
    listing.desired_present = True
    listing.payload = desired.payload
    listing.payload_hash = desired.payload_hash
    listing.missing = desired.missing
    if desired.missing:
        # Completeness before push: nothing goes out until the channel has what it requires.
        listing.dirty = False
        set_status(session, listing, "blocked")
    elif unchanged_failure:
        # The channel refused this very content: wait for a change or an operator's retry.
        listing.dirty = False
    elif listing.remote_present and listing.pushed_hash == desired.payload_hash:
        listing.dirty = False
        set_status(session, listing, "listed")
    else:
        listing.dirty = True
        listing.next_attempt_at = None
        if listing.remote_present and listing.status != "failed":
            set_status(session, listing, "listed")
        elif listing.request_id and not listing.external_id:
            set_status(session, listing, "syncing")
        else:
            set_status(session, listing, "pending")
    return listing


def want_delisted(session: Session, listing: Listing) -> None:
    """Expired, revoked, deleted or no longer chosen: off the channel."""
    listing.desired_present = False
    listing.next_attempt_at = None
    listing.dirty = bool(listing.remote_present or listing.request_id or listing.create_attempted)
    set_status(session, listing, "delisted")


def retry_listing(session: Session, listing: Listing) -> None:
    """An operator asks to try a failed (or waiting) listing again now."""
    listing.dirty = listing.desired_present or listing.remote_present
    listing.next_attempt_at = None
    if listing.desired_present and listing.status in ("failed", "pending", "syncing"):
        set_status(session, listing, "pending" if not listing.request_id else "syncing")


def due_filter(channel: str, now: datetime) -> list[ColumnElement[bool]]:
    return [
        Listing.channel == channel,
        Listing.dirty.is_(True),
        (Listing.next_attempt_at.is_(None)) | (Listing.next_attempt_at <= now),
    ]


def has_due_work(session: Session, channel: str) -> bool:
    query = select(func.count()).select_from(Listing).where(*due_filter(channel, utc_now()))
    return bool(session.scalar(query))


def next_due_at(session: Session, channel: str) -> datetime | None:
    query = select(func.min(Listing.next_attempt_at)).where(
        Listing.channel == channel, Listing.dirty.is_(True)
    )
    return session.scalar(query)


def backoff_delay(attempts: int, base: float, cap: float) -> timedelta:
    return timedelta(seconds=min(cap, base * 2 ** min(attempts, 16)))
