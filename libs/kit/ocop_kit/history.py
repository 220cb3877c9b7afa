"""Append-only change history: who changed which record, when, from what to what."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_kit.logging import correlation_id
from ocop_kit.tables import ChangeRecord


def record_change(
    session: Session,
    entity_type: str,
    entity_id: str,
    action: str,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> ChangeRecord:
    """Add one history entry to the current transaction."""
    entry = ChangeRecord(
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        actor=actor,
        before=before,
        after=after,
        correlation_id=correlation_id.get(),
    )
    session.add(entry)
    return entry


def history_of(session: Session, entity_type: str, entity_id: str) -> list[ChangeRecord]:
    query = (
        select(ChangeRecord)
        .where(ChangeRecord.entity_type == entity_type, ChangeRecord.entity_id == entity_id)
        .order_by(ChangeRecord.seq)
    )
    return list(session.scalars(query))
