"""Council pages for the office and the secretary: create a session, seat members chosen from
the accounts, put products before the council (found by name, or from the due list), open and
close the session. The evaluation service checks every rule; these pages show and send."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ocop_portal.backends import BackendProblem, Backends, BackendUnavailable
from ocop_portal.catalog import province_names
from ocop_portal.council.seating import SEAT_ROLES, TYPED_ROWS, matching, members_from_form
from ocop_portal.staff.auth import Staff, require_staff
from ocop_portal.web import pick_language, render, translator

router = APIRouter(prefix="/council", tags=["pages"], include_in_schema=False)

# How many of the province's products the name search looks through (5 pages of the registry).
SEARCH_PAGES = 5
ROLES_IN_COUNCIL: dict[str, tuple[str, str]] = {
    "chair": ("Chủ tịch", "Chair"),
    "member": ("Thành viên", "Member"),
    "secretary": ("Thư ký", "Secretary"),
}


def seat_accounts(request: Request, staff: Staff) -> list[dict[str, Any]] | None:
    """Council members' sign-in accounts to seat (None: this reader may not list accounts,
    which the registry keeps to administrators — then members are typed by name)."""
    backends: Backends = request.app.state.backends
    try:
        payload = backends.get_json(
            "registry", "/v1/accounts", {"role": "council_member", "limit": 200}, staff.token
        )
    except BackendProblem:
        return None
    items = payload.get("items", []) if isinstance(payload, dict) else []
    return [a for a in items if isinstance(a, dict) and a.get("active", True)]


def criteria_sets(request: Request) -> list[dict[str, Any]]:
    backends: Backends = request.app.state.backends
    try:
        found = backends.get_json("evaluation", "/v1/criteria-sets")
    except (BackendProblem, BackendUnavailable):
        return []
    return [c for c in found or [] if isinstance(c, dict)]


def seating_context(request: Request, staff: Staff) -> dict[str, Any]:
    return {
        "accounts": seat_accounts(request, staff),
        "seat_roles": SEAT_ROLES,
        "typed_rows": range(1, TYPED_ROWS + 1),
        "council_roles": ROLES_IN_COUNCIL,
    }


def _new_form(
    request: Request, staff: Staff, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "council_new.html",
        {
            **seating_context(request, staff),
            "criteria_sets": criteria_sets(request),
            "provinces": sorted(province_names().items(), key=lambda kv: kv[1]),
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/new", response_class=HTMLResponse)
def new_session_page(request: Request) -> HTMLResponse:
    staff = require_staff(request, "province_officer")
    return _new_form(request, staff)


@router.post("/new", response_class=HTMLResponse)
async def create_session(request: Request) -> Response:
    """Create the session with its seats; the evaluation service refuses a council without
    exactly one chair, or a provincial one without a province, and nothing is stored."""
    staff = require_staff(request, "province_officer")
    form = await request.form()
    lang = pick_language(request)
    tr = translator(lang)
    fields = {k: str(v).strip() for k, v in form.multi_items()}
    province = (
        staff.principal.province_code
        if staff.principal.role == "province_officer"
        else fields.get("province_code") or None
    )
    body: dict[str, Any] = {
        "level": fields.get("level") or "provincial",
        "province_code": province,
        "name": fields.get("name") or None,
        "criteria_set": fields.get("criteria_set") or None,
        "meets_on": fields.get("meets_on") or None,
        "status": "draft" if fields.get("status") == "draft" else "open",
        "members": members_from_form(form.multi_items()),
    }
    if not body["members"]:
        return await run_in_threadpool(
            _new_form,
            request,
            staff,
            tr(
                "Hãy chọn ít nhất chủ tịch hội đồng (mỗi hội đồng có đúng một chủ tịch).",
                "Choose at least the council's chair (a council has exactly one chair).",
            ),
            422,
        )
    backends: Backends = request.app.state.backends
    try:
        created = await run_in_threadpool(
            backends.send_json, "POST", "evaluation", "/v1/sessions", body, staff.token
        )
    except BackendProblem as problem:
        return await run_in_threadpool(
            _new_form,
            request,
            staff,
            tr("Chưa tạo được phiên: ", "The session was not created: ") + problem.message(lang),
            422,
        )
    return RedirectResponse(f"/council/sessions/{created['id']}?created=1", status_code=303)


@router.post("/sessions/{session_id}/members")
async def seat_members(request: Request, session_id: str) -> Response:
    staff = require_staff(request, "council_member", "province_officer")
    form = await request.form()
    seats = members_from_form(form.multi_items())
    lang = pick_language(request)
    tr = translator(lang)
    if not seats:
        return _back(session_id, error=tr("Chưa chọn thành viên nào.", "No member was chosen."))
    backends: Backends = request.app.state.backends
    try:
        await run_in_threadpool(
            backends.send_json,
            "POST",
            "evaluation",
            f"/v1/sessions/{session_id}/members",
            {"members": seats},
            staff.token,
        )
    except BackendProblem as problem:
        return _back(session_id, error=problem.message(lang))
    return _back(session_id, done="members")


@router.post("/sessions/{session_id}/applications")
async def add_products(request: Request, session_id: str) -> Response:
    """Put each chosen product before the council; stops at the first refusal and says which
    (the ones before it are in: each is its own application)."""
    staff = require_staff(request, "council_member", "province_officer")
    form = await request.form()
    chosen = [str(v) for k, v in form.multi_items() if k == "product_id" and str(v).strip()]
    lang = pick_language(request)
    tr = translator(lang)
    if not chosen:
        return _back(session_id, error=tr("Chưa chọn sản phẩm nào.", "No product was chosen."))
    backends: Backends = request.app.state.backends
    added = 0
    for product_id in dict.fromkeys(chosen):
        try:
            await run_in_threadpool(
                backends.send_json,
                "POST",
                "evaluation",
                f"/v1/sessions/{session_id}/applications",
                {"product_id": product_id},
                staff.token,
            )
        except BackendProblem as problem:
            return _back(
                session_id,
                error=tr(f"Đã thêm {added} sản phẩm; ", f"{added} added; ") + problem.message(lang),
            )
        added += 1
    return _back(session_id, done=f"products:{added}")


@router.post("/sessions/{session_id}/status")
async def change_status(request: Request, session_id: str) -> Response:
    """Open or close the session (If-Match with the version just read)."""
    staff = require_staff(request, "council_member", "province_officer")
    form = await request.form()
    wanted = str(form.get("status") or "")
    backends: Backends = request.app.state.backends
    lang = pick_language(request)
    try:
        current = await run_in_threadpool(
            backends.request, "GET", "evaluation", f"/v1/sessions/{session_id}", token=staff.token
        )
        await run_in_threadpool(
            lambda: backends.request(
                "POST",
                "evaluation",
                f"/v1/sessions/{session_id}/status",
                json={"status": wanted},
                token=staff.token,
                headers={"If-Match": current.headers.get("etag", "*")},
            )
        )
    except BackendProblem as problem:
        return _back(session_id, error=problem.message(lang))
    return _back(session_id, done=f"status:{wanted}")


def _back(session_id: str, *, done: str | None = None, error: str | None = None) -> Response:
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in (("done", done), ("error", error)) if v})
    return RedirectResponse(f"/council/sessions/{session_id}?{query}", status_code=303)


def product_candidates(
    request: Request, staff: Staff, council: dict[str, Any], query: str
) -> list[dict[str, Any]]:
    """The province's products whose name matches `query` (the registry lists, this page
    matches names without regard to diacritics)."""
    backends: Backends = request.app.state.backends
    found: list[dict[str, Any]] = []
    cursor = None
    for _ in range(SEARCH_PAGES):
        payload = backends.get_json(
            "registry",
            "/v1/products",
            {"province_code": council.get("province_code"), "limit": 100, "cursor": cursor},
            staff.token,
        )
        items = [i for i in (payload.get("items") or []) if isinstance(i, dict)]
        found += matching(items, query)
        cursor = payload.get("next_cursor")
        if not cursor or len(found) >= 50:
            break
    return found[:50]


def due_products(request: Request, staff: Staff, council: dict[str, Any]) -> list[dict[str, Any]]:
    """Products whose certificate expires within 180 days (the evaluation service's list)."""
    backends: Backends = request.app.state.backends
    try:
        payload = backends.get_json(
            "evaluation",
            "/v1/products/due",
            {"province_code": council.get("province_code"), "limit": 50},
            staff.token,
        )
    except (BackendProblem, BackendUnavailable):
        return []
    return [i for i in (payload.get("items") or []) if isinstance(i, dict)]
