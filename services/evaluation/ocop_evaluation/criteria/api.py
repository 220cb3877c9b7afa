"""`GET /v1/criteria-sets`: the criteria sets, each with parts, criteria, mandatory criteria,
star thresholds and the score cards of the product groups. Public: it is published law."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ocop_evaluation.criteria.loader import card_criteria, criteria_sets, find_criteria_set
from ocop_evaluation.criteria.schemas import CriteriaSet
from ocop_kit.errors import NotFound

router = APIRouter(prefix="/v1/criteria-sets", tags=["criteria"])


def criteria_set_out(criteria_set: CriteriaSet) -> dict[str, Any]:
    body = criteria_set.model_dump(mode="json")
    body["max_total"] = criteria_set.max_total
    body["mandatory_criteria"] = [
        {"code": c.code, "name_vi": c.name_vi, "mandatory_from_stars": c.mandatory_from_stars}
        for c in criteria_set.criteria()
        if c.mandatory_from_stars is not None
    ]
    body["score_cards"] = [
        {
            **card.model_dump(mode="json"),
            "criteria": [
                {**c.model_dump(mode="json"), "max_points": c.max_points}
                for c in card_criteria(criteria_set, card)
            ],
        }
        for card in criteria_set.score_cards
    ]
    return body


@router.get("", summary="Every criteria set, newest decision first")
def list_criteria_sets() -> list[dict[str, Any]]:
    return [criteria_set_out(s) for s in criteria_sets()]


@router.get("/{criteria_set_id}", summary="One criteria set by id or decision number")
def get_criteria_set(criteria_set_id: str) -> dict[str, Any]:
    found = find_criteria_set(criteria_set_id)
    if found is None:
        raise NotFound("Không có bộ tiêu chí này", "No such criteria set")
    return criteria_set_out(found)
