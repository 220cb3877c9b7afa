"""The desired state: product snapshots in, listings per product × channel out.

The rules of each status change live in `transitions.py`; a listing going on or coming off
sale is published as `ListingChanged` (`events.set_status`) in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ocop_contracts import ProductSnapshot
from ocop_kit.db import new_id, utc_now
from ocop_marketplace_sync.channels.config import Channel
from ocop_marketplace_sync.events import set_status
from ocop_marketplace_sync.listings.desired import desired_listing, wants_listing
from ocop_marketplace_sync.listings.models import Listing, ProductSnapshotRow
from ocop_marketplace_sync.listings.transitions import desire_delisted, desire_listed, retry_asked


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
    """Bring (or create) a product's listing on a channel to the snapshot's desired state."""
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
    set_status(session, listing, desire_listed(listing, desired))
    return listing


def want_delisted(session: Session, listing: Listing) -> None:
    """Expired, revoked, deleted or no longer chosen: off the channel."""
    set_status(session, listing, desire_delisted(listing))


def retry_listing(session: Session, listing: Listing) -> None:
    """An operator asks to try a failed (or waiting) listing again now."""
    status = retry_asked(listing)
    if status is not None:
        set_status(session, listing, status)


def due_filter(channel: str, now: datetime) -> list[ColumnElement[bool]]:
    """The listings of a channel a sync run has work for now."""
    return [
        Listing.channel == channel,
        Listing.dirty.is_(True),
        (Listing.next_attempt_at.is_(None)) | (Listing.next_attempt_at <= now),
    ]


def has_due_work(session: Session, channel: str) -> bool:
    """Whether a sync run of the channel has anything to do now."""
    query = select(func.count()).select_from(Listing).where(*due_filter(channel, utc_now()))
    return bool(session.scalar(query))


def next_due_at(session: Session, channel: str) -> datetime | None:
    """When the channel's earliest held-back listing is due again (None: nothing waits)."""
    query = select(func.min(Listing.next_attempt_at)).where(
        Listing.channel == channel, Listing.dirty.is_(True)
    )
    return session.scalar(query)
