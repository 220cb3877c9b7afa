"""Load the criteria sets from their data files (one JSON file per decision, versioned)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from ocop_evaluation.criteria.schemas import CriteriaSet

DATA_DIR = Path(__file__).resolve().parent / "data"


def load_criteria_set(path: Path) -> CriteriaSet:
    """Parse and validate one data file."""
    return CriteriaSet.model_validate(json.loads(path.read_text(encoding="utf-8")))


@lru_cache
def criteria_sets() -> tuple[CriteriaSet, ...]:
    """Every criteria set shipped with the service, newest decision first."""
    sets = [load_criteria_set(p) for p in sorted(DATA_DIR.glob("*.json"))]
    return tuple(sorted(sets, key=lambda s: s.issued_on, reverse=True))


def find_criteria_set(name: str) -> CriteriaSet | None:
    """A set by id (`qd-148-2023`) or by an alias (`148/QĐ-TTg`, `148`), ignoring case."""
    wanted = name.strip().casefold()
    for criteria_set in criteria_sets():
        names = [criteria_set.id, criteria_set.decision_no, *criteria_set.aliases]
        if wanted in (n.casefold() for n in names):
            return criteria_set
    return None
