"""Tables of the Search service (none yet beyond the kit's)."""

from ocop_search.database import Base

__all__ = ["Base"]
