"""Tables of the Portal service (none yet beyond the kit's)."""

from ocop_portal.database import Base

__all__ = ["Base"]
