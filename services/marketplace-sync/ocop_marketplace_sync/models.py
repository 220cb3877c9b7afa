"""Tables of the Marketplace sync service (none yet beyond the kit's)."""

from ocop_marketplace_sync.database import Base

__all__ = ["Base"]
