"""Tables of the Evaluation service (none yet beyond the kit's)."""

from ocop_evaluation.database import Base

__all__ = ["Base"]
