"""Operations on council sessions: create, open and close, add applications, score, decide."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_contracts import ScoreSheetSnapshot
from ocop_evaluation import access, rules
from ocop_evaluation.criteria import store
from ocop_evaluation.criteria.loader import find_criteria_set
from ocop_evaluation.criteria.schemas import CriteriaSet, Criterion
from ocop_evaluation.events import announce_decision
from ocop_evaluation.products.models import KnownProduct
from ocop_evaluation.sessions.documents import carry_documents
from ocop_evaluation.sessions.models import (
    Application,
    CouncilSession,
    Decision,
    Member,
    ScoreRevision,
    ScoreSheet,
)
from ocop_evaluation.sessions.schemas import (
    CommuneAssessmentIn,
    MemberIn,
    ScoresPut,
    SessionCreate,
    SheetPreview,
)
from ocop_kit.auth import Principal
from ocop_kit.dates import today_local
from ocop_kit.db import utc_now
from ocop_kit.errors import Conflict, FieldError, NotFound, ValidationFailed
from ocop_kit.history import record_change

SYSTEM_ACTOR = "system:evaluation"
# draft → open for scoring → closed → decided; a closed session reopens for revisions.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("open",),
    "open": ("closed",),
    "closed": ("open", "decided"),
    "decided": (),
}
STATUS_VI = {"draft": "nháp", "open": "đang chấm", "closed": "đã đóng", "decided": "đã kết luận"}


def actor_of(principal: Principal) -> str:
    return f"{principal.role}:{principal.subject}"


def session_snapshot(council: CouncilSession) -> dict[str, Any]:
    return {
        "status": council.status,
        "level": council.level,
        "province_code": council.province_code,
        "criteria_set": council.criteria_set,
        "members": [{"id": m.id, "name": m.name, "role": m.role} for m in council.members],
    }


# --- sessions ------------------------------------------------------------------------------------


def criteria_set_in_force(session: Session, name: str | None, on: date) -> CriteriaSet:
    """The version of the named set (or of the newest decision) in force on the session's day."""
    found = store.in_force(session, name, on)
    if found is None:
        raise ValidationFailed(
            f"Không có bộ tiêu chí «{name}» có hiệu lực ngày {on:%d/%m/%Y}",
            f"No criteria set {name!r} in force on {on.isoformat()}",
            errors=[
                FieldError(
                    "criteria_set",
                    "Bộ tiêu chí không tồn tại hoặc chưa có hiệu lực",
                    "Unknown criteria set, or not yet in force",
                )
            ],
        )
    return found


def session_criteria_set(council: CouncilSession) -> CriteriaSet:
    """The version the session uses for its whole life (sessions from before versions were kept
    use the shipped file of their set)."""
    if council.criteria_set_body is not None:
        return store.parsed(council.criteria_set_body)
    found = find_criteria_set(council.criteria_set)
    assert found is not None, council.criteria_set
    return found


def _add_members(council: CouncilSession, members: list[MemberIn]) -> list[Member]:
    start = len(council.members)
    added = [
        Member(seq=start + i, name=m.name, role=m.role, title=m.title, account_id=m.account_id)
        for i, m in enumerate(members)
    ]
    council.members.extend(added)
    return added


def default_session_name(level: str) -> str:
    where = "tỉnh" if level == "provincial" else "cấp trung ương"
    return f"Hội đồng đánh giá, phân hạng sản phẩm OCOP {where}"


def create_session(session: Session, principal: Principal, body: SessionCreate) -> CouncilSession:
    """Create a council session; a provincial one by that province's officer, a central one by an
    admin (the Ministry's office)."""
    access.require_create(principal, body.level, body.province_code)
    criteria_set = criteria_set_in_force(session, body.criteria_set, body.meets_on or today_local())
    quorum = body.quorum
    council = CouncilSession(
        name=body.name or default_session_name(body.level),
        level=body.level,
        province_code=body.province_code if body.level == "provincial" else None,
        criteria_set=criteria_set.id,
        criteria_set_version=criteria_set.version,
        criteria_set_body=criteria_set.model_dump(mode="json"),
        status=body.status,
        quorum_numerator=quorum.numerator if quorum else rules.DEFAULT_QUORUM.numerator,
        quorum_denominator=quorum.denominator if quorum else rules.DEFAULT_QUORUM.denominator,
        chair_required=body.chair_required,
        max_spread=body.max_spread,
        commune_step_required=body.commune_step_required,
        meets_on=body.meets_on,
        created_by=actor_of(principal),
    )
    council.members = []
    _add_members(council, body.members)
    session.add(council)
    session.flush()
    record_change(
        session,
        "session",
        council.id,
        "created",
        actor_of(principal),
        None,
        session_snapshot(council),
    )
    return council


def find_session(session: Session, session_id: str) -> CouncilSession:
    """The session, without checking who asks (the operation checks)."""
    council = session.get(CouncilSession, session_id)
    if council is None:
        raise NotFound("Không có phiên đánh giá này", "No such session")
    return council


def get_session(session: Session, session_id: str, principal: Principal) -> CouncilSession:
    """The session, if the caller has a standing in it (else 404, as if it did not exist)."""
    council = find_session(session, session_id)
    access.require_view(principal, council)
    return council


def add_members(
    session: Session, council: CouncilSession, principal: Principal, members: list[MemberIn]
) -> list[Member]:
    access.require_manage(principal, council)
    if council.status not in ("draft", "open"):
        raise Conflict(
            "Chỉ bổ sung thành viên khi phiên còn nháp hoặc đang chấm",
            "Members can be added only while the session is a draft or open",
        )
    seated = {m.account_id for m in council.members if m.account_id}
    if any(m.account_id in seated for m in members if m.account_id):
        raise ValidationFailed(
            "Tài khoản này đã có ghế trong hội đồng",
            "That account already holds a seat on this council",
            errors=[FieldError("members", "Đã có ghế", "Already seated")],
        )
    if not rules.room_for_chairs((m.role for m in council.members), (m.role for m in members)):
        raise ValidationFailed(
            "Hội đồng đã có chủ tịch",
            "The council already has a chair",
            errors=[FieldError("members", "Đã có chủ tịch", "A chair is already seated")],
        )
    before = session_snapshot(council)
    added = _add_members(council, members)
    council.version += 1
    session.flush()
    record_change(
        session,
        "session",
        council.id,
        "members_added",
        actor_of(principal),
        before,
        session_snapshot(council),
    )
    return added


def change_status(
    session: Session, council: CouncilSession, principal: Principal, new_status: str
) -> CouncilSession:
    """Move the session along draft → open → closed → decided (closed may reopen)."""
    access.require_manage(principal, council)
    if new_status not in TRANSITIONS[council.status]:
        raise Conflict(
            f"Không thể chuyển phiên từ «{STATUS_VI[council.status]}» sang "
            f"«{STATUS_VI[new_status]}»",
            f"A session cannot go from {council.status} to {new_status}",
            allowed=list(TRANSITIONS[council.status]),
        )
    if new_status == "open" and not rules.chairs_among(m.role for m in council.members):
        raise Conflict("Hội đồng chưa có chủ tịch", "The council has no chair yet")
    if new_status == "decided":
        undecided = session.scalar(
            select(func.count())
            .select_from(Application)
            .where(Application.session_id == council.id, Application.status != "decided")
        )
        if undecided:
            raise Conflict(
                f"Còn {undecided} hồ sơ chưa có kết luận",
                f"{undecided} applications have no final decision yet",
            )
    before = {"status": council.status}
    council.status = new_status
    council.version += 1
    record_change(
        session,
        "session",
        council.id,
        "status_changed",
        actor_of(principal),
        before,
        {"status": new_status},
    )
    return council


# --- applications --------------------------------------------------------------------------------


def application_kind(previous_stars: int | None, expected_stars: int | None = None) -> str:
    """A product without a certificate is new; a certified one is renewed or upgraded."""
    if previous_stars is None:
        return "new"
    if expected_stars is not None and expected_stars > previous_stars:
        return "upgrade"
    return "renewal"


def _open_application(
    session: Session,
    council: CouncilSession,
    product: KnownProduct,
    actor: str,
    origin_application_id: str | None = None,
) -> Application:
    criteria_set = session_criteria_set(council)
    card = criteria_set.score_card_for(product.group, product.product_set)
    if card is None and product.product_set is None:
        raise ValidationFailed(
            "Sản phẩm chưa chọn bộ sản phẩm; bộ tiêu chí này chấm theo bộ sản phẩm",
            "The product has no product set yet; this criteria set scores by product set",
            errors=[
                FieldError(
                    "product_id",
                    "Chọn bộ sản phẩm cho sản phẩm ở sổ đăng ký trước",
                    "Choose the product's set in the registry first",
                )
            ],
        )
    if card is None:
        raise ValidationFailed(
            f"Bộ tiêu chí {criteria_set.decision_no} không có phiếu chấm cho nhóm {product.group}",
            f"Criteria set {criteria_set.id} has no score card for group {product.group}",
            errors=[
                FieldError(
                    "product_id",
                    "Nhóm sản phẩm không có phiếu chấm",
                    "No score card for the product's group",
                )
            ],
        )
    has_certificate = product.certificate_status in ("valid", "expiring")
    previous = session.scalar(
        select(Application)
        .where(Application.product_id == product.id)
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(1)
    )
    application = Application(
        session_id=council.id,
        product_id=product.id,
        product_name=product.name,
        product_group=product.group,
        producer_name=product.producer_name,
        province_code=product.province_code,
        score_card=card.code,
        previous_stars=product.stars if has_certificate else None,
        previous_expires_on=product.expires_on if has_certificate else None,
        commune_status="pending"
        if council.commune_step_required and origin_application_id is None
        else "not_required",
        origin_application_id=origin_application_id,
        previous_application_id=previous.id if previous else None,
        created_by=actor,
    )
    session.add(application)
    session.flush()
    carried = carry_documents(session, previous, application) if previous else 0
    record_change(
        session,
        "application",
        application.id,
        "created",
        actor,
        None,
        {
            "session_id": council.id,
            "product_id": product.id,
            "score_card": card.code,
            "origin_application_id": origin_application_id,
            "previous_application_id": application.previous_application_id,
            "documents_carried": carried,
        },
    )
    return application


def previous_evaluation(
    session: Session, council: CouncilSession, application: Application
) -> dict[str, Any] | None:
    """What the council compares with: the product's previous application, its card, its last
    decision and, per criterion, the points and answers its members gave."""
    if application.previous_application_id is None:
        return None
    previous = session.get(Application, application.previous_application_id)
    if previous is None:
        return None
    earlier = session.get(CouncilSession, previous.session_id)
    assert earlier is not None
    decision = latest_decision(session, previous.id)
    points: dict[str, list[float]] = {}
    answers: dict[str, list[int]] = {}
    for sheet in decision.sheets if decision else []:
        for code, value in sheet.get("scores", {}).items():
            points.setdefault(code, []).append(float(value))
        for code, number in (sheet.get("answers") or {}).items():
            answers.setdefault(code, []).append(int(number))
    same_card = (earlier.criteria_set, earlier.criteria_set_version, previous.score_card) == (
        council.criteria_set,
        council.criteria_set_version,
        application.score_card,
    )
    return {
        "application_id": previous.id,
        "session_id": previous.session_id,
        "criteria_set": earlier.criteria_set,
        "criteria_set_version": earlier.criteria_set_version,
        "score_card": previous.score_card,
        "same_card": same_card,
        "stars": decision.stars if decision else None,
        "total": decision.total if decision else None,
        "outcome": decision.outcome if decision else None,
        "decided_on": decision.decided_on if decision else None,
        "mean_points": {code: float(rules.mean_total(values)) for code, values in points.items()},
        "answers": answers,
    }


def add_application(
    session: Session, council: CouncilSession, principal: Principal, product_id: str
) -> Application:
    """Put a product before the council; the product must be known and of the session's province."""
    access.require_manage(principal, council)
    if council.status not in ("draft", "open"):
        raise Conflict(
            "Phiên đã đóng, không nhận thêm hồ sơ",
            "The session is closed to new applications",
        )
    product = session.get(KnownProduct, product_id)
    if product is None or product.deleted:
        raise ValidationFailed(
            "Sản phẩm chưa có trong sổ đăng ký (hoặc chưa được đồng bộ sang dịch vụ đánh giá)",
            "The product is not known to the registry (or has not reached the evaluation service)",
            errors=[FieldError("product_id", "Không có sản phẩm này", "Unknown product")],
        )
    if council.level == "provincial" and product.province_code != council.province_code:
        raise ValidationFailed(
            f"Sản phẩm thuộc tỉnh {product.province_code}, không thuộc tỉnh của hội đồng "
            f"({council.province_code})",
            f"The product belongs to province {product.province_code}, not to the council's "
            f"province {council.province_code}",
            errors=[
                FieldError("product_id", "Sản phẩm của tỉnh khác", "Product of another province")
            ],
        )
    duplicate = session.scalar(
        select(Application.id).where(
            Application.session_id == council.id, Application.product_id == product_id
        )
    )
    if duplicate:
        raise Conflict(
            "Sản phẩm đã có hồ sơ trong phiên này",
            "The product already has an application in this session",
            application_id=duplicate,
        )
    return _open_application(session, council, product, actor_of(principal))


def get_application(session: Session, council: CouncilSession, application_id: str) -> Application:
    application = session.get(Application, application_id)
    if application is None or application.session_id != council.id:
        raise NotFound("Không có hồ sơ này trong phiên", "No such application in this session")
    return application


def criteria_of(application: Application, council: CouncilSession) -> list[Criterion]:
    criteria_set = session_criteria_set(council)
    card = next(c for c in criteria_set.score_cards if c.code == application.score_card)
    return criteria_set.card_criteria(card)


def assess_at_commune(
    session: Session,
    council: CouncilSession,
    application: Application,
    principal: Principal,
    body: CommuneAssessmentIn,
) -> Application:
    """Record the commune's check (Decision 1489/QĐ-TTg): a complete dossier meeting the four
    local criteria is forwarded to the provincial council, anything else is returned."""
    access.require_manage(principal, council)
    if application.status == "decided":
        raise Conflict("Hồ sơ đã có kết luận", "The application is already decided")
    unmet = [
        name
        for name, ok in (
            ("local_origin", body.local_origin),
            ("local_labour", body.local_labour),
            ("idea_origin", body.idea_origin),
            ("local_identity", body.local_identity),
        )
        if not ok
    ]
    if not body.dossier_complete:
        unmet.insert(0, "dossier_complete")
    before = {
        "commune_status": application.commune_status,
        "commune_assessment": application.commune_assessment,
    }
    application.commune_assessment = {**body.model_dump(mode="json"), "unmet": unmet}
    application.commune_status = "returned" if unmet else "forwarded"
    record_change(
        session,
        "application",
        application.id,
        "commune_assessed",
        actor_of(principal),
        before,
        {
            "commune_status": application.commune_status,
            "commune_assessment": application.commune_assessment,
        },
    )
    return application


# --- score sheets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedSheet:
    """A sheet checked against its card: the points, the answers they came from, the total."""

    scores: dict[str, float]
    answers: dict[str, int]
    total: Decimal
    complete: bool


def check_sheet(criteria: list[Criterion], body: ScoresPut) -> CheckedSheet:
    """Check a sheet against its card. A criterion with answer options is scored by choosing
    one (`answers`: its number on the card, from 1) and its points follow; `scores` alone is
    still taken for it when exactly one answer gives those points (older clients). A criterion
    without options is scored in points, as before."""
    by_code = {c.code: c for c in criteria}
    errors: list[FieldError] = []
    scores: dict[str, float] = {}
    answers: dict[str, int] = {}
    for code, number in body.answers.items():
        criterion = by_code.get(code)
        if criterion is None or not criterion.options:
            errors.append(
                FieldError(
                    f"answers.{code}",
                    "Tiêu chí này không có phương án trả lời trên phiếu chấm",
                    "This criterion has no answer options on the score card",
                )
            )
        elif not 1 <= number <= len(criterion.options):
            errors.append(
                FieldError(
                    f"answers.{code}",
                    f"Không có phương án số {number}; chọn từ 1 đến {len(criterion.options)}",
                    f"No answer {number}; choose 1 to {len(criterion.options)}",
                )
            )
        else:
            answers[code] = number
            scores[code] = criterion.options[number - 1].points
    for code, points in body.scores.items():
        criterion = by_code.get(code)
        if code in answers:
            if points != scores[code]:
                errors.append(
                    FieldError(
                        f"scores.{code}",
                        "Điểm không khớp phương án đã chọn",
                        "The points differ from the chosen answer",
                    )
                )
            continue
        if criterion is None:
            errors.append(
                FieldError(
                    f"scores.{code}",
                    "Không có tiêu chí này trong phiếu chấm",
                    "No such criterion on this score card",
                )
            )
            continue
        if points not in criterion.allowed_points:
            allowed = ", ".join(f"{p:g}" for p in criterion.allowed_points)
            errors.append(
                FieldError(
                    f"scores.{code}",
                    f"Điểm {points:g} không hợp lệ; chỉ được chấm: {allowed}",
                    f"{points:g} points is not allowed; allowed: {allowed}",
                )
            )
            continue
        matching = [i for i, o in enumerate(criterion.options, start=1) if o.points == points]
        if criterion.options and len(matching) != 1:
            errors.append(
                FieldError(
                    f"scores.{code}",
                    f"Nhiều phương án cùng {points:g} điểm; hãy chọn phương án (answers)",
                    f"Several answers give {points:g} points; choose one (answers)",
                )
            )
            continue
        if matching:
            answers[code] = matching[0]
        scores[code] = points
    for code in body.mandatory_failed:
        criterion = by_code.get(code)
        if criterion is None or criterion.mandatory_from_stars is None:
            errors.append(
                FieldError(
                    "mandatory_failed",
                    f"{code} không phải tiêu chí bắt buộc của phiếu chấm",
                    f"{code} is not a mandatory criterion of this score card",
                )
            )
    if errors:
        raise ValidationFailed(
            "Phiếu chấm không hợp lệ", "The score sheet is invalid", errors=errors
        )
    total = rules.sheet_total(scores.values())
    return CheckedSheet(scores, answers, total, set(scores) == set(by_code))


def put_scores(
    session: Session,
    council: CouncilSession,
    application: Application,
    member_id: str,
    principal: Principal,
    body: ScoresPut,
) -> tuple[ScoreSheet, Member]:
    """Store (or revise) a member's sheet; every version is kept as a revision."""
    member = next((m for m in council.members if m.id == member_id), None)
    access.require_own_sheet(principal, council, member, member_id)
    assert member is not None  # require_own_sheet refused a missing one
    # One writer per application at a time: sheets and the decision never interleave.
    session.refresh(application, with_for_update=True)
    if council.status != "open":
        raise Conflict(
            f"Phiên đang ở trạng thái «{STATUS_VI[council.status]}», không nhận phiếu chấm",
            f"The session is {council.status}; score sheets are accepted only while it is open",
        )
    if application.status == "decided":
        raise Conflict(
            "Hồ sơ đã có kết luận, không sửa phiếu được",
            "The application is decided; sheets can no longer change",
        )
    if application.commune_status in ("pending", "returned"):
        raise Conflict(
            "Hồ sơ chưa được cấp xã chuyển lên",
            "The commune has not forwarded this application yet",
        )
    checked = check_sheet(criteria_of(application, council), body)
    sheet = session.scalar(
        select(ScoreSheet).where(
            ScoreSheet.application_id == application.id, ScoreSheet.member_id == member_id
        )
    )
    actor = actor_of(principal)
    before = None
    if sheet is None:
        sheet = ScoreSheet(
            application_id=application.id, member_id=member_id, revision=1, updated_by=actor
        )
        session.add(sheet)
    else:
        before = {"scores": sheet.scores, "total": sheet.total, "revision": sheet.revision}
        sheet.revision += 1
    sheet.scores = checked.scores
    sheet.answers = checked.answers
    sheet.mandatory_failed = sorted(set(body.mandatory_failed))
    sheet.comment = body.comment
    sheet.total = float(checked.total)
    sheet.complete = checked.complete
    sheet.updated_by = actor
    sheet.updated_at = utc_now()
    session.add(
        ScoreRevision(
            application_id=application.id,
            member_id=member_id,
            revision=sheet.revision,
            scores=sheet.scores,
            answers=sheet.answers,
            mandatory_failed=sheet.mandatory_failed,
            comment=sheet.comment,
            total=sheet.total,
            recorded_by=actor,
        )
    )
    session.flush()
    record_change(
        session,
        "score_sheet",
        sheet.id,
        "scored",
        actor,
        before,
        {"scores": sheet.scores, "total": sheet.total, "revision": sheet.revision},
    )
    session.flush()
    return sheet, member


# --- decisions -----------------------------------------------------------------------------------


def quorum_of(council: CouncilSession) -> Fraction:
    return Fraction(council.quorum_numerator, council.quorum_denominator)


def verdict_on(
    council: CouncilSession,
    application: Application,
    member_totals: list[Decimal],
    failed_mandatory: set[str],
) -> rules.Verdict:
    """The rules applied to totals on the application's card: its mandatory criteria and the
    star thresholds of the session's criteria set. The decision and the preview both call it."""
    criteria = criteria_of(application, council)
    mandatory_from = {
        c.code: c.mandatory_from_stars for c in criteria if c.mandatory_from_stars is not None
    }
    return rules.decide(
        council.level,
        member_totals,
        failed_mandatory,
        mandatory_from,
        council.max_spread,
        session_criteria_set(council).thresholds(),
    )


def preview_sheet(
    council: CouncilSession, application: Application, principal: Principal, body: ScoresPut
) -> SheetPreview:
    """What a draft sheet adds up to and the stars it would give were it the council's only
    sheet: checked like a saved sheet, decided by the same rules, stored nowhere."""
    access.require_view(principal, council)
    criteria = criteria_of(application, council)
    checked = check_sheet(criteria, body)
    failed = rules.failed_mandatory_criteria([body.mandatory_failed])
    verdict = verdict_on(council, application, [checked.total], failed)
    return SheetPreview(
        total=float(verdict.total),
        max_total=float(rules.sheet_total(c.max_points for c in criteria)),
        scored=len(checked.scores),
        criteria_count=len(criteria),
        complete=checked.complete,
        stars_by_total=verdict.stars_by_total,
        stars_cap=verdict.stars_cap,
        stars=verdict.stars,
        outcome=verdict.outcome,
    )


@dataclass(frozen=True)
class Readiness:
    """What the decision rule sees now: the complete sheets of scoring members and the quorum."""

    sheets: list[ScoreSheet]
    members_by_id: dict[str, Member]
    scoring_members: int
    required: int
    chair_scored: bool
    incomplete_sheets: int
    quorum_met: bool

    @property
    def received(self) -> int:
        return len(self.sheets)


def decision_readiness(
    session: Session, council: CouncilSession, application: Application
) -> Readiness:
    """The quorum check of `decide_application`, without deciding: one rule for the decision
    and for pages that say whether (and why not) it may be taken."""
    scorers = [m for m in council.members if m.scores]
    members_by_id = {m.id: m for m in scorers}
    sheets = [
        s
        for s in session.scalars(
            select(ScoreSheet)
            .where(ScoreSheet.application_id == application.id, ScoreSheet.complete.is_(True))
            .order_by(ScoreSheet.id)
        )
        if s.member_id in members_by_id
    ]
    chair_scored = rules.chairs_among(members_by_id[s.member_id].role for s in sheets) > 0
    quorum = quorum_of(council)
    # Sheets that leave criteria unscored do not count: the member must finish them.
    incomplete = (
        session.scalar(
            select(func.count())
            .select_from(ScoreSheet)
            .where(ScoreSheet.application_id == application.id, ScoreSheet.complete.is_(False))
        )
        or 0
    )
    return Readiness(
        sheets=sheets,
        members_by_id=members_by_id,
        scoring_members=len(scorers),
        required=rules.required_sheets(len(scorers), quorum),
        chair_scored=chair_scored,
        incomplete_sheets=incomplete,
        quorum_met=rules.has_quorum(
            len(scorers), len(sheets), chair_scored, quorum, council.chair_required
        ),
    )


def decide_application(
    session: Session,
    council: CouncilSession,
    application: Application,
    principal: Principal,
    decision_no: str | None = None,
    decided_on: date | None = None,
) -> tuple[Decision, rules.Verdict, int]:
    """Aggregate the sheets, apply the rules, record the decision and publish it (one
    transaction). A result for the central council opens an application there."""
    access.require_decide(principal, council)
    session.refresh(application, with_for_update=True)
    ensure_open_to_decision(council, application)
    ready = decision_readiness(session, council, application)
    ensure_quorum(council, ready)
    sheets = ready.sheets
    failed = rules.failed_mandatory_criteria([s.mandatory_failed for s in sheets])
    verdict = verdict_on(council, application, [Decimal(str(s.total)) for s in sheets], failed)
    decision = record_decision(
        session,
        council,
        application,
        DecisionTaken(
            verdict=verdict,
            failed_mandatory=sorted(failed),
            sheets=sheet_snapshots(council, sheets),
            decision_no=decision_no,
            decided_on=decided_on or today_local(),
            actor=actor_of(principal),
        ),
    )
    return decision, verdict, len(sheets)


def ensure_open_to_decision(council: CouncilSession, application: Application) -> None:
    """Refuse a decision outside an open or closed session, or on a decided application."""
    if council.status not in ("open", "closed"):
        raise Conflict(
            f"Phiên đang ở trạng thái «{STATUS_VI[council.status]}», chưa thể kết luận",
            f"The session is {council.status}; decisions are taken while open or closed",
        )
    if application.status == "decided":
        raise Conflict("Hồ sơ đã có kết luận", "The application is already decided")


def ensure_quorum(council: CouncilSession, ready: Readiness) -> None:
    """Refuse (409, with what is missing) unless enough members, the chair among them where the
    council requires it, handed in complete sheets."""
    if ready.quorum_met:
        return
    raise Conflict(
        f"Chưa đủ túc số: cần {ready.required}/{ready.scoring_members} phiếu chấm đầy đủ"
        + (" và phiếu của chủ tịch" if council.chair_required else "")
        + f"; hiện có {ready.received}",
        f"No quorum: {ready.required} of {ready.scoring_members} complete sheets are needed"
        + (", the chair's among them" if council.chair_required else "")
        + f"; {ready.received} received",
        required=ready.required,
        received=ready.received,
        incomplete_sheets=ready.incomplete_sheets,
        chair_scored=ready.chair_scored,
    )


def sheet_snapshots(council: CouncilSession, sheets: list[ScoreSheet]) -> list[ScoreSheetSnapshot]:
    """The counted sheets as the decision keeps them and the event carries them."""
    members = {m.id: m for m in council.members}
    return [
        ScoreSheetSnapshot(
            member_id=s.member_id,
            member_name=members[s.member_id].name,
            role=members[s.member_id].role,
            total=s.total,
            scores=s.scores,
            answers=s.answers,
            mandatory_failed=s.mandatory_failed,
        )
        for s in sheets
    ]


@dataclass(frozen=True)
class DecisionTaken:
    """What the council decided on an application, before it is recorded."""

    verdict: rules.Verdict
    failed_mandatory: list[str]
    sheets: list[ScoreSheetSnapshot]
    decision_no: str | None
    decided_on: date
    actor: str


def record_decision(
    session: Session, council: CouncilSession, application: Application, taken: DecisionTaken
) -> Decision:
    """Store the decision as the application's next one, move the application on (a 5★ result
    goes to the central council), publish `evaluation.decided` and keep the history."""
    verdict = taken.verdict
    application.decisions_count += 1
    decision = Decision(
        application_id=application.id,
        seq=application.decisions_count,
        total=float(verdict.total),
        stars=verdict.stars,
        outcome=verdict.outcome,
        spread=float(verdict.spread),
        failed_mandatory=taken.failed_mandatory,
        sheets=[s.model_dump(mode="json") for s in taken.sheets],
        decision_no=taken.decision_no,
        decided_on=taken.decided_on,
        decided_by=taken.actor,
    )
    session.add(decision)
    application.status = "needs_discussion" if verdict.outcome == "needs_discussion" else "decided"
    if verdict.outcome == "proposed_to_central":
        central = propose_to_central(session, council, application)
        decision.central_application_id = central.id
    session.flush()
    announce_decision(session, council, application, decision, taken.sheets)
    record_change(
        session,
        "application",
        application.id,
        "decided",
        taken.actor,
        None,
        {
            "seq": decision.seq,
            "total": decision.total,
            "stars": decision.stars,
            "outcome": decision.outcome,
            "failed_mandatory": decision.failed_mandatory,
            "central_application_id": decision.central_application_id,
        },
    )
    return decision


def central_session_for(session: Session, proposing: CouncilSession) -> CouncilSession:
    """The central session that takes proposals: the newest central session still in draft or
    open on the same criteria set and version, or a new draft one (the Ministry seats its
    members later)."""
    existing = session.scalar(
        select(CouncilSession)
        .where(
            CouncilSession.level == "central",
            CouncilSession.criteria_set == proposing.criteria_set,
            CouncilSession.criteria_set_version.is_not_distinct_from(
                proposing.criteria_set_version
            ),
            CouncilSession.status.in_(("draft", "open")),
        )
        .order_by(CouncilSession.created_at.desc(), CouncilSession.id.desc())
        .limit(1)
    )
    if existing is not None:
        return existing
    council = CouncilSession(
        name="Hội đồng đánh giá, phân hạng sản phẩm OCOP cấp trung ương (đề xuất 5 sao)",
        level="central",
        province_code=None,
        criteria_set=proposing.criteria_set,
        criteria_set_version=proposing.criteria_set_version,
        criteria_set_body=proposing.criteria_set_body,
        status="draft",
        created_by=SYSTEM_ACTOR,
    )
    council.members = []
    session.add(council)
    session.flush()
    record_change(
        session, "session", council.id, "created", SYSTEM_ACTOR, None, session_snapshot(council)
    )
    return council


def propose_to_central(
    session: Session, council: CouncilSession, application: Application
) -> Application:
    central = central_session_for(session, council)
    existing = session.scalar(
        select(Application).where(
            Application.session_id == central.id,
            Application.product_id == application.product_id,
        )
    )
    if existing is not None:
        return existing
    product = session.get(KnownProduct, application.product_id)
    if product is None:  # pragma: no cover - the provincial application needed it
        raise Conflict("Sản phẩm không còn trong sổ", "The product is no longer known")
    return _open_application(session, central, product, SYSTEM_ACTOR, application.id)


def latest_decision(session: Session, application_id: str) -> Decision | None:
    """The application's newest decision, if any."""
    return latest_decisions(session, [application_id]).get(application_id)


def latest_decisions(session: Session, application_ids: Sequence[str]) -> dict[str, Decision]:
    """Each application's newest decision (applications without one are left out), in one
    query whatever the number of applications."""
    if not application_ids:
        return {}
    newest = (
        select(Decision.application_id, func.max(Decision.seq).label("seq"))
        .where(Decision.application_id.in_(application_ids))
        .group_by(Decision.application_id)
        .subquery()
    )
    rows = session.scalars(
        select(Decision).join(
            newest,
            (Decision.application_id == newest.c.application_id) & (Decision.seq == newest.c.seq),
        )
    )
    return {decision.application_id: decision for decision in rows}


def sheets_submitted_to(session: Session, application_ids: Sequence[str]) -> dict[str, int]:
    """How many complete sheets each application has (applications with none are left out),
    in one query."""
    if not application_ids:
        return {}
    rows = session.execute(
        select(ScoreSheet.application_id, func.count())
        .where(ScoreSheet.application_id.in_(application_ids), ScoreSheet.complete.is_(True))
        .group_by(ScoreSheet.application_id)
    )
    return {application_id: count for application_id, count in rows}
