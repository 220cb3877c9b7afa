"""The criteria sets a session may use: the files shipped with the service and the versions an
office loaded, each in force from its date. A session keeps the version it started with."""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_evaluation.criteria.loader import criteria_sets
from ocop_evaluation.criteria.models import CriteriaSetVersion
from ocop_evaluation.criteria.schemas import CriteriaSet
from ocop_kit.history import record_change


def named(criteria_set: CriteriaSet, name: str) -> bool:
    wanted = name.strip().casefold()
    names = [criteria_set.id, criteria_set.decision_no, *criteria_set.aliases]
    return wanted in (n.casefold() for n in names)


def all_versions(session: Session) -> list[CriteriaSet]:
    """Every version of every set: shipped files first, then loaded ones in the order loaded."""
    loaded = session.scalars(select(CriteriaSetVersion).order_by(CriteriaSetVersion.uploaded_at))
    return [*criteria_sets(), *(parsed(row.body) for row in loaded)]


def in_force(session: Session, name: str | None, on: date) -> CriteriaSet | None:
    """The version in force on a day: of the set named (id, decision number or alias), or of the
    newest decision when no name is given; None when nothing is in force yet."""
    candidates = [
        s
        for s in all_versions(session)
        if s.in_force_from <= on and (name is None or named(s, name))
    ]
    return max(candidates, key=lambda s: (s.in_force_from, s.version), default=None)


def find(
    session: Session, name: str, version: int | None = None, on: date | None = None
) -> CriteriaSet | None:
    """A given version of the named set, or the one in force on a day (default: the newest)."""
    if version is None:
        return in_force(session, name, on or date.max)
    return next((s for s in all_versions(session) if named(s, name) and s.version == version), None)


def next_version(session: Session, set_id: str) -> int:
    shipped = max((s.version for s in criteria_sets() if s.id == set_id), default=0)
    loaded = session.scalar(
        select(func.max(CriteriaSetVersion.version)).where(CriteriaSetVersion.set_id == set_id)
    )
    return max(shipped, loaded or 0) + 1


def save_version(session: Session, criteria_set: CriteriaSet, actor: str) -> CriteriaSetVersion:
    """Keep a loaded version (checked before) and record who loaded it."""
    row = CriteriaSetVersion(
        set_id=criteria_set.id,
        version=criteria_set.version,
        effective_from=criteria_set.in_force_from,
        confirmed=criteria_set.confirmed,
        body=criteria_set.model_dump(mode="json"),
        uploaded_by=actor,
    )
    session.add(row)
    session.flush()
    record_change(
        session,
        "criteria_set",
        criteria_set.id,
        "version_loaded",
        actor,
        None,
        {
            "version": criteria_set.version,
            "effective_from": criteria_set.in_force_from.isoformat(),
            "confirmed": criteria_set.confirmed,
        },
    )
    return row


@lru_cache(maxsize=64)
def _parse(body: str) -> CriteriaSet:
    return CriteriaSet.model_validate_json(body)


def parsed(body: dict[str, Any]) -> CriteriaSet:
    """A stored set document as a `CriteriaSet` (cached: stored versions never change)."""
    return _parse(json.dumps(body, sort_keys=True, ensure_ascii=False))
