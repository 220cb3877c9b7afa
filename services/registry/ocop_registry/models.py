"""Tables of the Registry service (none yet beyond the kit's)."""

from ocop_registry.database import Base

__all__ = ["Base"]
