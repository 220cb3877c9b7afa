"""`/v1/criteria-sets`: the criteria sets, each with parts, criteria, mandatory criteria, star
thresholds and score cards. Reading is public (it is published law); an admin loads a new
version from the Excel template."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError

from ocop_evaluation.access import Admin
from ocop_evaluation.criteria import store
from ocop_evaluation.criteria.schemas import CriteriaSet
from ocop_evaluation.criteria.workbook import read_workbook, template_workbook
from ocop_kit.app import DbSession
from ocop_kit.errors import FieldError, NotFound, PayloadTooLarge, ValidationFailed

router = APIRouter(prefix="/v1/criteria-sets", tags=["criteria"])
MAX_BYTES = 5_000_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def criteria_set_out(criteria_set: CriteriaSet) -> dict[str, Any]:
    body = criteria_set.model_dump(mode="json")
    body["effective_from"] = criteria_set.in_force_from.isoformat()
    body["confirmed"] = criteria_set.confirmed
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
                for c in criteria_set.card_criteria(card)
            ],
        }
        for card in criteria_set.score_cards
    ]
    return body


def _find(db: DbSession, name: str, version: int | None, on: date | None) -> CriteriaSet:
    found = store.find(db, name, version, on)
    if found is None:
        raise NotFound("Không có bộ tiêu chí này", "No such criteria set")
    return found


@router.get("", summary="The newest version of every criteria set, newest decision first")
def list_criteria_sets(db: DbSession) -> list[dict[str, Any]]:
    newest: dict[str, CriteriaSet] = {}
    for criteria_set in store.all_versions(db):
        kept = newest.get(criteria_set.id)
        if kept is None or criteria_set.version > kept.version:
            newest[criteria_set.id] = criteria_set
    ordered = sorted(newest.values(), key=lambda s: s.in_force_from, reverse=True)
    return [criteria_set_out(s) for s in ordered]


@router.get("/{criteria_set_id}", summary="One criteria set by id or decision number")
def get_criteria_set(
    criteria_set_id: str,
    db: DbSession,
    version: Annotated[int | None, Query(ge=1, description="A given version")] = None,
    on: Annotated[date | None, Query(description="The version in force on this day")] = None,
) -> dict[str, Any]:
    return criteria_set_out(_find(db, criteria_set_id, version, on))


@router.get(
    "/{criteria_set_id}/template.xlsx",
    summary="The set as an Excel workbook to fill from the official appendix and load back",
    response_class=Response,
)
def download_template(
    criteria_set_id: str,
    db: DbSession,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    criteria_set = _find(db, criteria_set_id, version, None)
    return Response(
        template_workbook(criteria_set),
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="{criteria_set.id}-mau-phieu-cham.xlsx"'
        },
    )


@router.post(
    "",
    status_code=201,
    summary="Load a criteria set version from the filled template (admins)",
    description=(
        "Checked whole before anything is kept; a refusal lists every error with its sheet and "
        "cell. The version takes effect for sessions meeting from its date; sessions already "
        "created keep theirs."
    ),
)
def upload_criteria_set(
    db: DbSession,
    principal: Admin,
    file: Annotated[UploadFile, File(description="The filled template (.xlsx)")],
) -> dict[str, Any]:
    content = file.file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise PayloadTooLarge("Tệp lớn hơn 5 MB", "The file is larger than 5 MB")
    # The version number needs the set id, which is in the workbook: read it once to learn it.
    first = read_workbook(content, 1)
    if isinstance(first, dict):
        first = read_workbook(content, store.next_version(db, first["id"]))
    if isinstance(first, list):
        raise ValidationFailed(
            "Phiếu chấm chưa đúng mẫu; chưa nạp gì",
            "The workbook has errors; nothing was loaded",
            errors=[
                FieldError("file", e.message, e.message_en, sheet=e.sheet, cell=e.cell)
                for e in first
            ],
        )
    try:
        criteria_set = CriteriaSet.model_validate(first)
    except ValidationError as exc:
        raise ValidationFailed(
            "Bộ tiêu chí không hợp lệ; chưa nạp gì",
            "The criteria set is invalid; nothing was loaded",
            errors=[FieldError("file", str(e["msg"]), str(e["msg"])) for e in exc.errors()],
        ) from exc
    store.save_version(db, criteria_set, f"{principal.role}:{principal.subject}")
    db.commit()
    return criteria_set_out(criteria_set)
