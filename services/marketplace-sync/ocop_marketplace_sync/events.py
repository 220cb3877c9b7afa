"""The events marketplace sync sends: `listing.changed`, whenever a listing's status changes.

Published through the outbox in the caller's transaction, with a version that increases per
listing, so the registry (which counts the products sold online) can drop stale ones.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ocop_contracts import ListingChanged, ListingPayload
from ocop_kit.outbox import publish
from ocop_marketplace_sync.listings.models import Listing


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
