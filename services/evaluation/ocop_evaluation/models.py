"""Tables of the Evaluation service: every model module is imported here for the migrations."""

from ocop_evaluation.criteria.models import CriteriaSetVersion
from ocop_evaluation.database import Base
from ocop_evaluation.products.models import KnownProduct
from ocop_evaluation.sessions.models import (
    Application,
    CouncilSession,
    Decision,
    Document,
    Member,
    ScoreRevision,
    ScoreSheet,
)

__all__ = [
    "Application",
    "Base",
    "CouncilSession",
    "CriteriaSetVersion",
    "Decision",
    "Document",
    "KnownProduct",
    "Member",
    "ScoreRevision",
    "ScoreSheet",
]
