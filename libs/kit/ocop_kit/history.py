"""Append-only change history: who changed which record, when, from what to what."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_kit.db import KitBase, insert_rows, utc_now
from ocop_kit.logging import correlation_id
from ocop_kit.tables import ChangeRecord


class Change(NamedTuple):
    """One history entry not yet written (the arguments of `record_change`, in order)."""

    entity_type: str
    entity_id: str
    action: str
    actor: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


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


def record_changes(session: Session, changes: Sequence[Change]) -> None:
    """Write many history entries in the current transaction, in order, at once (`insert_rows`).

    For bulk writes such as sheet imports: an ORM object per entry costs several times the
    CPU. The rows are sent at once, not at the next flush, so do not mix this with
    `record_change` in one transaction if the order between the two matters."""
    if not changes:
        return
    at, correlation = utc_now(), correlation_id.get()
    insert_rows(
        session,
        KitBase.metadata.tables[ChangeRecord.__tablename__],
        [{**change._asdict(), "at": at, "correlation_id": correlation} for change in changes],
    )


def history_of(session: Session, entity_type: str, entity_id: str) -> list[ChangeRecord]:
    query = (
        select(ChangeRecord)
        .where(ChangeRecord.entity_type == entity_type, ChangeRecord.entity_id == entity_id)
        .order_by(ChangeRecord.seq)
    )
    return list(session.scalars(query))
