"""Council pages: the member's sessions, the scoring screen (saved as they go) and the chair's
decision view. Every rule is the evaluation service's; these pages show and send."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ocop_portal.backends import BackendProblem, Backends, BackendUnavailable
from ocop_portal.catalog import GroupNames, province_name
from ocop_portal.council.manage import (
    ROLES_IN_COUNCIL,
    due_products,
    product_candidates,
    seating_context,
)
from ocop_portal.council.scoring import Criterion, DraftSheet, arrange, read_criteria, read_form
from ocop_portal.staff.auth import Staff, require_staff
from ocop_portal.web import is_htmx, pick_language, render, translator

router = APIRouter(prefix="/council", tags=["pages"], include_in_schema=False)

OUTCOMES: dict[str, tuple[str, str]] = {
    "recognised": ("Công nhận", "Recognised"),
    "not_recognised": ("Không công nhận", "Not recognised"),
    "proposed_to_central": ("Đề nghị Trung ương xét 5 sao", "Proposed to the central council (5★)"),
    "needs_discussion": (
        "Cần thảo luận lại (điểm các thành viên chênh lệch quá mức)",
        "Needs discussion (members' totals too far apart)",
    ),
}
SESSION_STATUS: dict[str, tuple[str, str]] = {
    "draft": ("Đang chuẩn bị", "Draft"),
    "open": ("Đang chấm", "Open for scoring"),
    "closed": ("Đã đóng", "Closed"),
    "decided": ("Đã kết luận", "Decided"),
}


def _items(payload: Any) -> list[dict[str, Any]]:
    items = payload.get("items", []) if isinstance(payload, dict) else payload
    return [item for item in items or [] if isinstance(item, dict)]


def _criteria_set(request: Request, council: dict[str, Any]) -> dict[str, Any] | None:
    """The version of the criteria set the session uses. Versions never change once loaded:
    cached for good by id and version."""
    set_id = str(council.get("criteria_set", ""))
    version = council.get("criteria_set_version")
    key = f"{set_id}@{version}"
    cache: dict[str, dict[str, Any]] = request.app.state.criteria_sets
    if key not in cache:
        backends: Backends = request.app.state.backends
        try:
            found = backends.get_json(
                "evaluation",
                f"/v1/criteria-sets/{set_id}",
                {"version": version} if version else None,
            )
        except BackendProblem:
            return None
        if not isinstance(found, dict):
            return None
        cache[key] = found
    return cache[key]


def _common(request: Request) -> dict[str, Any]:
    return {
        "outcomes": OUTCOMES,
        "session_status": SESSION_STATUS,
        "council_roles": ROLES_IN_COUNCIL,
        "province_name": province_name,
    }


@router.get("", response_class=HTMLResponse)
def sessions_page(request: Request) -> HTMLResponse:
    staff = require_staff(request, "council_member", "province_officer")
    backends: Backends = request.app.state.backends
    sessions = _items(backends.get_json("evaluation", "/v1/sessions", {"limit": 100}, staff.token))
    return render(
        request,
        "council_sessions.html",
        {
            "sessions": sessions,
            "may_create": staff.has_role("province_officer"),
            **_common(request),
        },
    )


def may_manage(staff: Staff, council: dict[str, Any]) -> bool:
    """Who the evaluation service lets manage a session: an admin, the province's officer, the
    council's secretary (the service checks again on every write)."""
    if staff.principal.is_admin:
        return True
    if staff.principal.role == "province_officer":
        return staff.principal.province_code == council.get("province_code")
    seat = _seat(staff, council)
    return seat is not None and seat.get("role") == "secretary"


def criteria_set_label(criteria_set: dict[str, Any] | None, lang: str) -> str | None:
    """A criteria set as people name it: its title and decision number."""
    if not criteria_set:
        return None
    title = criteria_set.get("title_en" if lang == "en" else "title_vi") or criteria_set.get(
        "title_vi"
    )
    number = criteria_set.get("decision_no")
    issued = criteria_set.get("issued_on")
    if lang == "en":
        decision = f"Decision {number}" if number else ""
    else:
        decision = f"Quyết định số {number}" if number else ""
    if decision and issued:
        decision += f" ({str(issued)[:4]})"
    return " — ".join(part for part in (str(title or ""), decision) if part) or None


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, session_id: str) -> HTMLResponse:
    staff = require_staff(request, "council_member", "province_officer")
    backends: Backends = request.app.state.backends
    lang = pick_language(request)
    council = backends.get_json("evaluation", f"/v1/sessions/{session_id}", token=staff.token)
    applications = _items(
        backends.get_json(
            "evaluation", f"/v1/sessions/{session_id}/applications", {"limit": 200}, staff.token
        )
    )
    managing = may_manage(staff, council)
    query = (request.query_params.get("q") or "").strip()
    already = {a.get("product_id") for a in applications}
    context: dict[str, Any] = {
        "council": council,
        "applications": applications,
        "my_seat": _seat(staff, council),
        "may_manage": managing,
        "criteria_set_label": criteria_set_label(_criteria_set(request, council), lang),
        "done": request.query_params.get("done"),
        "error": request.query_params.get("error"),
        "created": request.query_params.get("created") == "1",
        "q": query,
        **_common(request),
    }
    if managing and council.get("status") in ("draft", "open"):
        context.update(seating_context(request, staff))
        seated = {m.get("account_id") for m in council.get("members") or []}
        if context["accounts"]:
            context["accounts"] = [a for a in context["accounts"] if a.get("id") not in seated]
        context["found"] = (
            [
                p
                for p in product_candidates(request, staff, council, query)
                if p["id"] not in already
            ]
            if query
            else None
        )
        context["due"] = [
            d for d in due_products(request, staff, council) if d.get("product_id") not in already
        ]
    return render(request, "council_session.html", context)


def _seat(staff: Staff, council: dict[str, Any]) -> dict[str, Any] | None:
    """The council seat of a council_member token (its subject is the member id)."""
    if staff.principal.role != "council_member":
        return None
    return next(
        (
            m
            for m in council.get("members", [])
            if staff.principal.subject in (m.get("id"), m.get("account_id"))
        ),
        None,
    )


def _scoring_member(request: Request, staff: Staff, council: dict[str, Any]) -> str | None:
    """A member scores their own sheet; a secretary or officer may enter a paper sheet."""
    seat = _seat(staff, council)
    if seat is not None:
        return str(seat["id"])
    wanted = request.query_params.get("member")
    scoring = [m for m in council.get("members", []) if m.get("role") != "secretary"]
    if wanted and any(m.get("id") == wanted for m in scoring):
        return wanted
    return str(scoring[0]["id"]) if scoring else None


def _load_card(
    request: Request, staff: Staff, session_id: str, application_id: str
) -> dict[str, Any]:
    """The session, the application and its score card, placed under the set's parts."""
    backends: Backends = request.app.state.backends
    council = backends.get_json("evaluation", f"/v1/sessions/{session_id}", token=staff.token)
    application = backends.get_json(
        "evaluation", f"/v1/sessions/{session_id}/applications/{application_id}", token=staff.token
    )
    criteria_set = _criteria_set(request, council)
    criteria = read_criteria(application.get("criteria") or [])
    member_id = _scoring_member(request, staff, council)
    return {
        "council": council,
        "application": application,
        "criteria_set": criteria_set,
        "criteria": criteria,
        "parts": arrange(criteria, criteria_set),
        "member_id": member_id,
        "member": next((m for m in council.get("members", []) if m.get("id") == member_id), None),
    }


def _load_sheet_context(
    request: Request, staff: Staff, session_id: str, application_id: str
) -> dict[str, Any]:
    """The card plus the sheets the caller may see (a member: only their own until decided)."""
    backends: Backends = request.app.state.backends
    context = _load_card(request, staff, session_id, application_id)
    sheets = backends.get_json(
        "evaluation",
        f"/v1/sessions/{session_id}/applications/{application_id}/scores",
        token=staff.token,
    )
    visible = [s for s in sheets or [] if isinstance(s, dict)]
    context["sheets"] = visible
    context["sheet"] = next(
        (s for s in visible if s.get("member_id") == context["member_id"]), None
    )
    return context


def _preview(
    request: Request,
    staff: Staff,
    session_id: str,
    application_id: str,
    draft: DraftSheet,
) -> tuple[dict[str, Any] | None, str | None]:
    """The evaluation service's reading of the sheet as it stands (total, stars, cap), or why
    it has none."""
    backends: Backends = request.app.state.backends
    try:
        shown = backends.send_json(
            "POST",
            "evaluation",
            f"/v1/sessions/{session_id}/applications/{application_id}/preview",
            draft.body(),
            staff.token,
        )
    except BackendProblem as problem:
        return None, problem.message(pick_language(request))
    return (shown if isinstance(shown, dict) else None), None


@router.get(
    "/sessions/{session_id}/applications/{application_id}/score", response_class=HTMLResponse
)
def scoring_page(request: Request, session_id: str, application_id: str) -> HTMLResponse:
    staff = require_staff(request, "council_member", "province_officer")
    context = _load_sheet_context(request, staff, session_id, application_id)
    sheet = context["sheet"] or {}
    draft = DraftSheet(
        scores={str(k): float(v) for k, v in (sheet.get("scores") or {}).items()},
        answers={str(k): int(v) for k, v in (sheet.get("answers") or {}).items()},
        failed=[str(code) for code in sheet.get("mandatory_failed") or []],
    )
    groups: GroupNames = request.app.state.group_names
    lang = pick_language(request)
    shown, _ = _preview(request, staff, session_id, application_id, draft)
    return render(
        request,
        "council_score.html",
        {
            **context,
            **_common(request),
            "scores": draft.scores,
            "answers": draft.answers,
            "failed": draft.failed,
            "comment": sheet.get("comment") or "",
            "group_label": groups.name(context["application"].get("product_group"), lang),
            "preview": shown,
            "saved_at": sheet.get("updated_at"),
            "error": None,
        },
    )


@router.post(
    "/sessions/{session_id}/applications/{application_id}/score", response_class=HTMLResponse
)
async def save_scores(request: Request, session_id: str, application_id: str) -> Response:
    """Save the sheet as it stands (htmx sends it on every change); answer with the tally."""
    staff = require_staff(request, "council_member", "province_officer")
    form = await request.form()
    lang = pick_language(request)
    tr = translator(lang)
    backends: Backends = request.app.state.backends
    context = await run_in_threadpool(_load_card, request, staff, session_id, application_id)
    criteria: list[Criterion] = context["criteria"]
    draft = read_form(form.multi_items(), criteria)
    member_id = str(form.get("member_id") or context["member_id"] or "")
    error = None
    saved_at = None
    try:
        sheet = await run_in_threadpool(
            backends.send_json,
            "PUT",
            "evaluation",
            f"/v1/sessions/{session_id}/applications/{application_id}/scores/{member_id}",
            draft.body(),
            staff.token,
        )
        saved_at = sheet.get("updated_at") if isinstance(sheet, dict) else None
    except BackendProblem as problem:
        error = tr("Chưa lưu được: ", "Not saved: ") + problem.message(lang)
    if not is_htmx(request):
        if error:
            return render(
                request,
                "error.html",
                {"heading": tr("Chưa lưu phiếu chấm", "The sheet was not saved"), "message": error},
                422,
            )
        return RedirectResponse(
            request.url.path
            + (f"?member={member_id}" if staff.principal.role != "council_member" else ""),
            status_code=303,
        )
    shown, refused = await run_in_threadpool(
        _preview, request, staff, session_id, application_id, draft
    )
    return render(
        request,
        "council_tally.html",
        {"preview": shown, "saved_at": saved_at, "error": error or refused},
    )


@router.get(
    "/sessions/{session_id}/applications/{application_id}/decision", response_class=HTMLResponse
)
def decision_page(request: Request, session_id: str, application_id: str) -> HTMLResponse:
    staff = require_staff(request, "council_member", "province_officer")
    context = _load_sheet_context(request, staff, session_id, application_id)
    return render(
        request,
        "council_decision.html",
        {
            **context,
            **_common(request),
            "result": None,
            "error": None,
            "readiness": _readiness(request, staff, session_id, application_id),
        },
    )


def _readiness(
    request: Request, staff: Staff, session_id: str, application_id: str
) -> dict[str, Any] | None:
    """Whether the decision may be taken now, by the evaluation service's own quorum rule (None:
    it cannot say; the button stays and the service decides)."""
    backends: Backends = request.app.state.backends
    try:
        found = backends.get_json(
            "evaluation",
            f"/v1/sessions/{session_id}/applications/{application_id}/decision-readiness",
            token=staff.token,
        )
    except (BackendProblem, BackendUnavailable):
        return None
    return found if isinstance(found, dict) else None


@router.post(
    "/sessions/{session_id}/applications/{application_id}/decision", response_class=HTMLResponse
)
def decide(request: Request, session_id: str, application_id: str) -> HTMLResponse:
    staff = require_staff(request, "council_member", "province_officer")
    lang = pick_language(request)
    tr = translator(lang)
    backends: Backends = request.app.state.backends
    result = None
    error = None
    try:
        result = backends.send_json(
            "POST",
            "evaluation",
            f"/v1/sessions/{session_id}/applications/{application_id}/decision",
            {},
            staff.token,
        )
    except BackendProblem as problem:
        error = problem.message(lang)
        if problem.status == 409:
            error = tr("Chưa kết luận được: ", "Cannot decide yet: ") + error
    context = _load_sheet_context(request, staff, session_id, application_id)
    return render(
        request,
        "council_decision.html",
        {
            **context,
            **_common(request),
            "result": result,
            "error": error,
            "readiness": _readiness(request, staff, session_id, application_id),
        },
        status_code=200 if error is None else 409,
    )
