"""HTTP API of council sessions (docs/API.md, Evaluation section)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from ocop_evaluation import access
from ocop_evaluation.sessions import service
from ocop_evaluation.sessions.documents import MAX_DOCUMENT_BYTES, document_path, store_document
from ocop_evaluation.sessions.models import (
    Application,
    CouncilSession,
    Decision,
    Document,
    Member,
    ScoreRevision,
    ScoreSheet,
)
from ocop_evaluation.sessions.result_sheet import OUTCOME_VI, ResultRow, render_result_sheet
from ocop_evaluation.sessions.schemas import (
    ApplicationCreate,
    ApplicationDetail,
    ApplicationOut,
    CommuneAssessmentIn,
    CriterionOut,
    DecisionOut,
    DecisionReadiness,
    DecisionResult,
    DocumentOut,
    MemberOut,
    MembersAdd,
    OptionOut,
    Quorum,
    ScoreRevisionOut,
    ScoreSheetOut,
    ScoresPut,
    SessionCreate,
    SessionOut,
    SheetPreview,
    StatusChange,
)
from ocop_kit.app import DbSession
from ocop_kit.auth import CurrentPrincipal, Principal
from ocop_kit.dates import ProgrammeDate, today_local
from ocop_kit.errors import NotFound
from ocop_kit.etag import check_if_match, set_etag
from ocop_kit.history import history_of
from ocop_kit.pagination import Page, paginate
from ocop_kit.settings import KitSettings
from ocop_kit.tables import ChangeRecord
from ocop_kit.text import Line

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])


# --- rendering -----------------------------------------------------------------------------------


def session_out(db: DbSession, council: CouncilSession) -> SessionOut:
    count = db.scalar(
        select(func.count()).select_from(Application).where(Application.session_id == council.id)
    )
    return SessionOut(
        id=council.id,
        name=council.name,
        level=council.level,
        province_code=council.province_code,
        criteria_set=council.criteria_set,
        criteria_set_version=council.criteria_set_version,
        criteria_set_confirmed=service.session_criteria_set(council).confirmed,
        status=council.status,
        quorum=Quorum(numerator=council.quorum_numerator, denominator=council.quorum_denominator),
        chair_required=council.chair_required,
        max_spread=council.max_spread,
        commune_step_required=council.commune_step_required,
        meets_on=council.meets_on,
        members=[
            MemberOut(id=m.id, name=m.name, role=m.role, title=m.title, account_id=m.account_id)
            for m in council.members
        ],
        applications_count=count or 0,
        created_at=council.created_at,
        created_by=council.created_by,
    )


def decision_out(decision: Decision | None) -> DecisionOut | None:
    return DecisionOut.model_validate(decision, from_attributes=True) if decision else None


def history_out(records: list[ChangeRecord]) -> list[dict[str, object]]:
    return [
        {"action": r.action, "actor": r.actor, "at": r.at, "before": r.before, "after": r.after}
        for r in records
    ]


def application_out(db: DbSession, application: Application) -> ApplicationOut:
    """One application as the API answers it."""
    return applications_out(db, [application])[0]


def applications_out(db: DbSession, applications: list[Application]) -> list[ApplicationOut]:
    """The applications as answers, with their newest decisions and sheet counts read in one
    query each (a list of 50 costs what a list of one does)."""
    ids = [a.id for a in applications]
    decisions = service.latest_decisions(db, ids)
    sheets = service.sheets_submitted_to(db, ids)
    return [application_answer(a, decisions.get(a.id), sheets.get(a.id, 0)) for a in applications]


def application_answer(
    application: Application, decision: Decision | None, sheets_submitted: int
) -> ApplicationOut:
    """The answer for an application whose decision and sheet count are already read."""
    expected = decision.stars if decision and decision.outcome == "recognised" else None
    return ApplicationOut(
        id=application.id,
        session_id=application.session_id,
        product_id=application.product_id,
        product_name=application.product_name,
        product_group=application.product_group,
        producer_name=application.producer_name,
        province_code=application.province_code,
        score_card=application.score_card,
        kind=service.application_kind(application.previous_stars, expected),
        previous_stars=application.previous_stars,
        previous_expires_on=application.previous_expires_on,
        status=application.status,
        commune_status=application.commune_status,
        commune_assessment=application.commune_assessment,
        origin_application_id=application.origin_application_id,
        previous_application_id=application.previous_application_id,
        sheets_submitted=sheets_submitted,
        decision=decision_out(decision),
        created_at=application.created_at,
    )


def sheet_out(sheet: ScoreSheet, member: Member) -> ScoreSheetOut:
    return ScoreSheetOut(
        application_id=sheet.application_id,
        member_id=sheet.member_id,
        member_name=member.name,
        role=member.role,
        scores=sheet.scores,
        answers=sheet.answers or {},
        mandatory_failed=sheet.mandatory_failed,
        comment=sheet.comment,
        total=sheet.total,
        complete=sheet.complete,
        revision=sheet.revision,
        updated_at=sheet.updated_at,
        updated_by=sheet.updated_by,
    )


def _load(
    db: DbSession, principal: Principal, session_id: str, application_id: str
) -> tuple[CouncilSession, Application]:
    council = service.get_session(db, session_id, principal)
    return council, service.get_application(db, council, application_id)


# --- sessions ------------------------------------------------------------------------------------


@router.post("", status_code=201, summary="Create a council session with its members")
def create_session(
    body: SessionCreate, db: DbSession, principal: CurrentPrincipal, response: Response
) -> SessionOut:
    council = service.create_session(db, principal, body)
    db.commit()
    set_etag(response, council.id, council.version)
    return session_out(db, council)


@router.get("", summary="Sessions the caller may see (a member: the sessions they sit on)")
def list_sessions(
    db: DbSession,
    principal: CurrentPrincipal,
    province_code: str | None = None,
    level: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[SessionOut]:
    query = access.sessions_visible_to(select(CouncilSession), principal)
    if province_code:
        query = query.where(CouncilSession.province_code == province_code)
    if level:
        query = query.where(CouncilSession.level == level)
    if status:
        query = query.where(CouncilSession.status == status)
    rows, next_cursor = paginate(db, query, CouncilSession.id, cursor, limit)
    return Page(items=[session_out(db, c) for c in rows], next_cursor=next_cursor)


@router.get("/{session_id}", summary="One session with its members and settings")
def get_session(
    session_id: str, db: DbSession, principal: CurrentPrincipal, response: Response
) -> SessionOut:
    council = service.get_session(db, session_id, principal)
    set_etag(response, council.id, council.version)
    return session_out(db, council)


@router.post("/{session_id}/members", status_code=201, summary="Seat more council members")
def add_members(
    session_id: str, body: MembersAdd, db: DbSession, principal: CurrentPrincipal
) -> list[MemberOut]:
    council = service.get_session(db, session_id, principal)
    added = service.add_members(db, council, principal, body.members)
    db.commit()
    return [
        MemberOut(id=m.id, name=m.name, role=m.role, title=m.title, account_id=m.account_id)
        for m in added
    ]


@router.post(
    "/{session_id}/status",
    summary="Move the session: draft → open → closed → decided (closed may reopen)",
)
def change_status(
    session_id: str,
    body: StatusChange,
    request: Request,
    response: Response,
    db: DbSession,
    principal: CurrentPrincipal,
) -> SessionOut:
    council = service.get_session(db, session_id, principal)
    check_if_match(request, council.id, council.version)
    service.change_status(db, council, principal, body.status)
    db.commit()
    set_etag(response, council.id, council.version)
    return session_out(db, council)


@router.get("/{session_id}/history", summary="Every change to the session, oldest first")
def session_history(
    session_id: str, db: DbSession, principal: CurrentPrincipal
) -> list[dict[str, object]]:
    council = service.get_session(db, session_id, principal)
    return history_out(history_of(db, "session", council.id))


@router.get(
    "/{session_id}/result-sheet",
    response_class=HTMLResponse,
    summary="Printable result sheet (HTML, A4): products, totals and stars",
)
def result_sheet(session_id: str, db: DbSession, principal: CurrentPrincipal) -> HTMLResponse:
    council = service.get_session(db, session_id, principal)
    applications = list(
        db.scalars(
            select(Application).where(Application.session_id == council.id).order_by(Application.id)
        )
    )
    ids = [a.id for a in applications]
    decisions = service.latest_decisions(db, ids)
    sheets = service.sheets_submitted_to(db, ids)
    rows = []
    for application in applications:
        decision = decisions.get(application.id)
        rows.append(
            ResultRow(
                product_name=application.product_name,
                producer_name=application.producer_name,
                group=application.product_group,
                sheets=sheets.get(application.id, 0),
                total=f"{decision.total:.2f}" if decision else None,
                stars=decision.stars if decision else None,
                outcome=OUTCOME_VI[decision.outcome] if decision else "Chưa kết luận",
            )
        )
    html = render_result_sheet(
        name=council.name,
        level=council.level,
        province_code=council.province_code,
        criteria_set=council.criteria_set,
        status=service.STATUS_VI[council.status],
        rows=rows,
        members=[f"{m.name} ({m.role})" for m in council.members],
        chair=next((m.name for m in council.members if m.role == "chair"), None),
        secretary=next((m.name for m in council.members if m.role == "secretary"), None),
        printed_on=today_local(),
    )
    return HTMLResponse(html)


# --- applications --------------------------------------------------------------------------------


@router.post(
    "/{session_id}/applications", status_code=201, summary="Put a product before the council"
)
def create_application(
    session_id: str, body: ApplicationCreate, db: DbSession, principal: CurrentPrincipal
) -> ApplicationOut:
    council = service.get_session(db, session_id, principal)
    application = service.add_application(db, council, principal, body.product_id)
    db.commit()
    return application_out(db, application)


@router.get("/{session_id}/applications", summary="The session's applications")
def list_applications(
    session_id: str,
    db: DbSession,
    principal: CurrentPrincipal,
    status: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[ApplicationOut]:
    council = service.get_session(db, session_id, principal)
    query = select(Application).where(Application.session_id == council.id)
    if status:
        query = query.where(Application.status == status)
    rows, next_cursor = paginate(db, query, Application.id, cursor, limit)
    return Page(items=applications_out(db, list(rows)), next_cursor=next_cursor)


@router.get(
    "/{session_id}/applications/{application_id}",
    summary="One application with its score card's criteria",
)
def get_application(
    session_id: str, application_id: str, db: DbSession, principal: CurrentPrincipal
) -> ApplicationDetail:
    council, application = _load(db, principal, session_id, application_id)
    criteria = [
        CriterionOut(
            code=c.code,
            name_vi=c.name_vi,
            allowed_points=c.allowed_points,
            max_points=c.max_points,
            mandatory_from_stars=c.mandatory_from_stars,
            options=[OptionOut(points=o.points, text_vi=o.text_vi) for o in c.options],
        )
        for c in service.criteria_of(application, council)
    ]
    return ApplicationDetail(
        **application_out(db, application).model_dump(),
        criteria=criteria,
        card_confirmed=service.session_criteria_set(council).confirmed,
        previous=service.previous_evaluation(db, council, application),
    )


@router.get(
    "/{session_id}/applications/{application_id}/history",
    summary="Every change to the application: commune step, sheets, decisions",
)
def application_history(
    session_id: str, application_id: str, db: DbSession, principal: CurrentPrincipal
) -> list[dict[str, object]]:
    _, application = _load(db, principal, session_id, application_id)
    return history_out(history_of(db, "application", application.id))


@router.put(
    "/{session_id}/applications/{application_id}/commune-assessment",
    summary="The commune's dossier check and four local criteria (Decision 1489/QĐ-TTg)",
)
def commune_assessment(
    session_id: str,
    application_id: str,
    body: CommuneAssessmentIn,
    db: DbSession,
    principal: CurrentPrincipal,
) -> ApplicationOut:
    council, application = _load(db, principal, session_id, application_id)
    service.assess_at_commune(db, council, application, principal, body)
    db.commit()
    return application_out(db, application)


# --- documents -----------------------------------------------------------------------------------


def _data_dir(request: Request) -> Path:
    settings: KitSettings = request.app.state.settings
    return Path(settings.data_dir)


@router.post(
    "/{session_id}/applications/{application_id}/documents",
    status_code=201,
    summary="Upload a document of the dossier (multipart field `file`)",
)
async def upload_document(
    session_id: str,
    application_id: str,
    request: Request,
    db: DbSession,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File()],
    kind: Annotated[Line, Form(max_length=64)] = "dossier",
) -> DocumentOut:
    council, application = _load(db, principal, session_id, application_id)
    access.require_manage(principal, council)
    # Read one byte past the limit: enough to refuse a larger file without holding all of it.
    content = await file.read(MAX_DOCUMENT_BYTES + 1)
    document = store_document(
        db,
        _data_dir(request),
        application,
        kind,
        file.filename or "tai-lieu",
        file.content_type or "application/octet-stream",
        content,
        service.actor_of(principal),
    )
    db.commit()
    return DocumentOut.model_validate(document, from_attributes=True)


@router.get(
    "/{session_id}/applications/{application_id}/documents", summary="The dossier's documents"
)
def list_documents(
    session_id: str, application_id: str, db: DbSession, principal: CurrentPrincipal
) -> list[DocumentOut]:
    _, application = _load(db, principal, session_id, application_id)
    rows = db.scalars(
        select(Document).where(Document.application_id == application.id).order_by(Document.id)
    )
    return [DocumentOut.model_validate(d, from_attributes=True) for d in rows]


@router.get(
    "/{session_id}/applications/{application_id}/documents/{document_id}/content",
    response_class=FileResponse,
    summary="Download a document",
)
def download_document(
    session_id: str,
    application_id: str,
    document_id: str,
    request: Request,
    db: DbSession,
    principal: CurrentPrincipal,
) -> FileResponse:
    _, application = _load(db, principal, session_id, application_id)
    document = db.get(Document, document_id)
    if document is None or document.application_id != application.id:
        raise NotFound("Không có tài liệu này", "No such document")
    return FileResponse(
        document_path(_data_dir(request), document),
        media_type=document.content_type,
        filename=document.filename,
    )


# --- score sheets --------------------------------------------------------------------------------


@router.put(
    "/{session_id}/applications/{application_id}/scores/{member_id}",
    summary="A member's score sheet (each revision is kept)",
)
def put_scores(
    session_id: str,
    application_id: str,
    member_id: str,
    body: ScoresPut,
    db: DbSession,
    principal: CurrentPrincipal,
) -> ScoreSheetOut:
    # Not `_load`: docs/API.md answers 403 (not 404) to a member outside the session.
    council = service.find_session(db, session_id)
    application = service.get_application(db, council, application_id)
    sheet, member = service.put_scores(db, council, application, member_id, principal, body)
    db.commit()
    return sheet_out(sheet, member)


@router.post(
    "/{session_id}/applications/{application_id}/preview",
    summary="Score a draft sheet by the session's card and thresholds (nothing is stored)",
)
def preview_sheet(
    session_id: str,
    application_id: str,
    body: ScoresPut,
    db: DbSession,
    principal: CurrentPrincipal,
) -> SheetPreview:
    council, application = _load(db, principal, session_id, application_id)
    return service.preview_sheet(council, application, principal, body)


@router.get(
    "/{session_id}/applications/{application_id}/scores",
    summary="Score sheets: a member sees their own until the decision, managers all",
)
def list_scores(
    session_id: str, application_id: str, db: DbSession, principal: CurrentPrincipal
) -> list[ScoreSheetOut]:
    council, application = _load(db, principal, session_id, application_id)
    standing = access.require_view(principal, council)
    members = {m.id: m for m in council.members}
    sheets = db.scalars(
        select(ScoreSheet)
        .where(ScoreSheet.application_id == application.id)
        .order_by(ScoreSheet.id)
    )
    return [
        sheet_out(s, members[s.member_id])
        for s in sheets
        if access.sees_sheet_of(principal, standing, council, application, s.member_id)
    ]


@router.get(
    "/{session_id}/applications/{application_id}/scores/{member_id}/revisions",
    summary="Every revision of a member's sheet, oldest first",
)
def score_revisions(
    session_id: str,
    application_id: str,
    member_id: str,
    db: DbSession,
    principal: CurrentPrincipal,
) -> list[ScoreRevisionOut]:
    council, application = _load(db, principal, session_id, application_id)
    standing = access.require_view(principal, council)
    if not access.sees_sheet_of(principal, standing, council, application, member_id):
        raise NotFound("Không có phiếu chấm này", "No such score sheet")
    rows = db.scalars(
        select(ScoreRevision)
        .where(ScoreRevision.application_id == application.id, ScoreRevision.member_id == member_id)
        .order_by(ScoreRevision.revision)
    )
    return [ScoreRevisionOut.model_validate(r, from_attributes=True) for r in rows]


# --- decision ------------------------------------------------------------------------------------


class DecisionRequest(BaseModel):
    decision_no: Line | None = Field(default=None, max_length=64)
    decided_on: ProgrammeDate | None = None


@router.get(
    "/{session_id}/applications/{application_id}/decision-readiness",
    summary="Whether the decision may be taken now (quorum, the chair's sheet), and why not",
)
def decision_readiness(
    session_id: str, application_id: str, db: DbSession, principal: CurrentPrincipal
) -> DecisionReadiness:
    council, application = _load(db, principal, session_id, application_id)
    ready = service.decision_readiness(db, council, application)
    reasons: list[dict[str, str]] = []
    if council.status not in ("open", "closed"):
        reasons.append(
            {
                "code": "session_status",
                "message": f"Phiên đang ở trạng thái «{service.STATUS_VI[council.status]}»; "
                "chỉ kết luận khi phiên đang chấm hoặc đã đóng",
                "message_en": f"The session is {council.status}; decisions are taken while "
                "it is open or closed",
            }
        )
    if application.status == "decided":
        reasons.append(
            {
                "code": "decided",
                "message": "Hồ sơ đã có kết luận",
                "message_en": "The application is already decided",
            }
        )
    if ready.received < ready.required or ready.received == 0:
        reasons.append(
            {
                "code": "quorum",
                "message": f"Chưa đủ túc số: cần {ready.required}/{ready.scoring_members} "
                f"phiếu chấm đầy đủ, hiện có {ready.received}",
                "message_en": f"No quorum yet: {ready.required} of {ready.scoring_members} "
                f"complete sheets are needed, {ready.received} received",
            }
        )
    if council.chair_required and not ready.chair_scored:
        reasons.append(
            {
                "code": "chair",
                "message": "Chủ tịch hội đồng chưa nộp phiếu chấm đầy đủ",
                "message_en": "The chair has not handed in a complete sheet",
            }
        )
    return DecisionReadiness(
        ready=ready.quorum_met and not reasons,
        required=ready.required,
        received=ready.received,
        scoring_members=ready.scoring_members,
        chair_required=council.chair_required,
        chair_scored=ready.chair_scored,
        incomplete_sheets=ready.incomplete_sheets,
        reasons=reasons,
    )


@router.post(
    "/{session_id}/applications/{application_id}/decision",
    summary="Aggregate the sheets and decide (publishes evaluation.decided)",
)
def decide(
    session_id: str,
    application_id: str,
    db: DbSession,
    principal: CurrentPrincipal,
    body: DecisionRequest | None = None,
) -> DecisionResult:
    council, application = _load(db, principal, session_id, application_id)
    request_body = body or DecisionRequest()
    decision, verdict, counted = service.decide_application(
        db, council, application, principal, request_body.decision_no, request_body.decided_on
    )
    db.commit()
    return DecisionResult(
        total=float(verdict.total),
        stars=verdict.stars,
        outcome=verdict.outcome,
        spread=float(verdict.spread),
        stars_by_total=verdict.stars_by_total,
        failed_mandatory=decision.failed_mandatory,
        sheets_counted=counted,
        central_application_id=decision.central_application_id,
    )
