"""The events this service publishes (through the outbox, in the caller's transaction).

`evaluation.decided`: a council's decision with the sheets it counted; the registry issues the
certificate of a recognised outcome.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ocop_contracts import EvaluationDecided, EvaluationDecisionPayload, ScoreSheetSnapshot
from ocop_evaluation.sessions.models import Application, CouncilSession, Decision
from ocop_kit.outbox import publish


def announce_decision(
    session: Session,
    council: CouncilSession,
    application: Application,
    decision: Decision,
    sheets: list[ScoreSheetSnapshot],
) -> None:
    """Publish `evaluation.decided`; its version is the decision's number on the application."""
    publish(
        session,
        EvaluationDecided(
            aggregate_id=application.id,
            version=decision.seq,
            payload=EvaluationDecisionPayload(
                session_id=council.id,
                application_id=application.id,
                product_id=application.product_id,
                level=council.level,
                province_code=application.province_code,
                criteria_set=council.criteria_set,
                criteria_set_version=council.criteria_set_version,
                total=decision.total,
                stars=decision.stars,
                outcome=decision.outcome,
                decision_no=decision.decision_no,
                decided_on=decision.decided_on,
                sheets=sheets,
            ),
        ),
    )
