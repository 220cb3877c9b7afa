"""The events marketplace sync sends: `listing.changed`, when a listing goes on a marketplace
(`listed`) or comes off it (the status it left `listed` for).

Published through the outbox in the caller's transaction, with a version that increases with
every status change of the listing, so the registry (which counts the products sold online) can
drop stale ones. The steps on the way (`pending`, `syncing`, `failed`, `blocked`) stay here: no
other service counts them, and a province's bulk import would otherwise announce each of its
listings two or three times before any of them is on sale.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ocop_contracts import ListingChanged, ListingPayload
from ocop_kit.outbox import publish
from ocop_marketplace_sync.listings.transitions import ListingState


def set_status(session: Session, listing: ListingState, status: str) -> None:
    """Move a listing to `status`, telling the other services when it goes on or comes off the
    marketplace."""
    if listing.status == status and listing.version > 0:
        return
    was_listed = listing.status == "listed"
    listing.status = status
    listing.version += 1
    if (status == "listed") == was_listed:
        return
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
