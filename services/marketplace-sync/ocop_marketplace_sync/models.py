"""Tables of the Marketplace sync service (imported here so migrations see them)."""

from ocop_marketplace_sync.database import Base
from ocop_marketplace_sync.listings.models import (
    ChannelLock,
    ChannelToken,
    Listing,
    ProductSnapshotRow,
    SyncFailureCount,
    SyncReport,
)

__all__ = [
    "Base",
    "ChannelLock",
    "ChannelToken",
    "Listing",
    "ProductSnapshotRow",
    "SyncFailureCount",
    "SyncReport",
]
