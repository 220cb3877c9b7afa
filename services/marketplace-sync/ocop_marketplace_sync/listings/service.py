"""The desired state: product snapshots in, listings per product × channel out.

The rules of each status change live in `transitions.py`; a listing going on or coming off
sale is published as `ListingChanged` (`events.set_status`) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ocop_contracts import ProductSnapshot
from ocop_kit.db import insert_rows, new_id, upsert_rows, utc_now
from ocop_marketplace_sync.channels.config import Channel
from ocop_marketplace_sync.database import Base
from ocop_marketplace_sync.events import set_status
from ocop_marketplace_sync.listings.desired import desired_listing, wants_listing
from ocop_marketplace_sync.listings.models import Listing, ProductSnapshotRow
from ocop_marketplace_sync.listings.transitions import (
    ListingState,
    desire_delisted,
    desire_listed,
    retry_asked,
)

LISTINGS = Base.metadata.tables[Listing.__tablename__]
SNAPSHOTS = Base.metadata.tables[ProductSnapshotRow.__tablename__]
COLUMNS = tuple(column.key for column in LISTINGS.columns)


def apply_products(
    session: Session, products: list[ProductSnapshot], channels: dict[str, Channel]
) -> set[str]:
    """Keep the products' snapshots and bring each channel's listing of each product to what it
    should be, in order (a later snapshot of a product in the list wins).

    A batch of events costs a few statements whatever its size: the known products are read in
    one, their snapshots upserted in one, their listings read in one, the new listings written
    in one (COPY on PostgreSQL), the changed ones at the flush. Returns the channels that now
    have work for a sync run.
    """
    ids = list({product.id for product in products})
    # A product without a snapshot has no listing either (both are written here, in one
    # transaction), so listings are looked up for the known products alone: none for a bulk
    # import's new ones. (By product, on a listings table PostgreSQL has not analysed yet, as
    # in a first import, the look-up is a scan of the table.)
    known = list(
        session.scalars(select(SNAPSHOTS.c.product_id).where(SNAPSHOTS.c.product_id.in_(ids)))
    )
    save_snapshots(session, products)
    listings: dict[str, dict[str, ListingState]] = {}
    if known:
        query = select(Listing).where(Listing.product_id.in_(known))
        for listing in session.scalars(query):
            listings.setdefault(listing.product_id, {})[listing.channel] = listing
    new: list[NewListing] = []
    touched: set[str] = set()
    now = utc_now()
    with session.no_autoflush:
        for product in products:
            existing = listings.setdefault(product.id, {})
            for code, channel in channels.items():
                current = existing.get(code)
                if wants_listing(product, code):
                    if current is None:
                        created = new_listing(product, channel, now)
                        new.append(created)
                        current = existing[code] = created
                    want_listed(session, current, product, channel)
                elif current is not None:
                    want_delisted(session, current)
                if current is not None and current.dirty:
                    touched.add(code)
    insert_rows(session, LISTINGS, [listing.row() for listing in new])
    return touched


def save_snapshots(session: Session, products: list[ProductSnapshot]) -> None:
    """Keep the newest snapshot of each product (the last in the list), in one statement."""
    now = utc_now()
    newest = {product.id: product for product in products}
    rows = [
        {
            "product_id": product_id,
            "snapshot": product.model_dump(mode="json"),
            "is_public": product.is_public,
            "updated_at": now,
        }
        for product_id, product in sorted(newest.items())
    ]
    upsert_rows(session, SNAPSHOTS, rows, ["product_id"], ["snapshot", "is_public", "updated_at"])


@dataclass(slots=True)
class NewListing:
    """A listing the batch creates, as a plain row (an ORM object a listing costs most of a
    bulk import's CPU here): the rules of `transitions.py` run on it as on a `Listing`, and
    `apply_products` writes the batch's new listings in one statement."""

    id: str
    product_id: str
    channel: str
    shop_id: str
    producer_id: str | None
    province_code: str | None
    created_at: datetime
    updated_at: datetime
    status: str = "pending"
    desired_present: bool = True
    remote_present: bool = False
    dirty: bool = True
    create_attempted: bool = False
    external_id: str | None = None
    request_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    payload_hash: str = ""
    pushed_payload: dict[str, Any] | None = None
    pushed_hash: str | None = None
    missing: list[str] = field(default_factory=list)
    attempts: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None
    next_attempt_at: datetime | None = None
    synced_at: datetime | None = None
    uploaded_by: str | None = None
    version: int = 0

    def row(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in COLUMNS}


def new_listing(product: ProductSnapshot, channel: Channel, now: datetime) -> NewListing:
    """A product's listing on a channel, before anything is desired of it."""
    return NewListing(
        id=new_id(),
        product_id=product.id,
        channel=channel.code,
        shop_id=channel.shop_for(product.address.province_code).shop_id,
        producer_id=product.producer.id,
        province_code=product.address.province_code,
        created_at=now,
        updated_at=now,
    )


def want_listed(
    session: Session, listing: ListingState, product: ProductSnapshot, channel: Channel
) -> None:
    """Bring a product's listing on a channel to the snapshot's desired state."""
    desired = desired_listing(product, channel)
    listing.producer_id = product.producer.id
    listing.province_code = product.address.province_code
    set_status(session, listing, desire_listed(listing, desired))


def want_delisted(session: Session, listing: ListingState) -> None:
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
