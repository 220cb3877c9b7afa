"""Sign-in and sign-out pages for staff."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ocop_kit.auth import ROLES, Role, decode_token, issue_token
from ocop_kit.client_address import client_address
from ocop_kit.errors import ProblemError
from ocop_portal.backends import BackendProblem, Backends, BackendUnavailable
from ocop_portal.council.api import ROLES_IN_COUNCIL
from ocop_portal.settings import Settings
from ocop_portal.staff.auth import ROLE_NAMES, TOKEN_COOKIE
from ocop_portal.web import pick_language, render, translator

router = APIRouter(tags=["pages"], include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a signed-in person to another site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _signed_in(request: Request, token: str, target: str | None) -> Response:
    settings: Settings = request.app.state.settings
    response = RedirectResponse(_safe_next(target), status_code=303)
    response.set_cookie(
        TOKEN_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production",
        max_age=settings.token_ttl_seconds,
        path="/",
    )
    return response


# Why a page sent the reader here: "Bạn cần đăng nhập để …" (first path segment → purpose).
SIGN_IN_REASONS: dict[str, tuple[str, str]] = {
    "dashboard": ("xem bảng số liệu OCOP của tỉnh", "see the province's OCOP dashboard"),
    "council": ("vào các phiên đánh giá của hội đồng", "open the council's evaluation sessions"),
    "sync": ("xem tình trạng đồng bộ sàn", "see the marketplace sync status"),
    "imports": ("nhập danh sách sản phẩm", "import a product list"),
    "my-products": ("xem sản phẩm của mình", "see your products"),
    "accounts": ("quản lý tài khoản", "manage accounts"),
}


def sign_in_reason(target: str) -> tuple[str, str] | None:
    """Why the reader was sent to sign in, from the page they wanted; None when they chose to."""
    if target in ("", "/"):
        return None
    segment = target.lstrip("/").split("/", 1)[0].split("?", 1)[0]
    return SIGN_IN_REASONS.get(segment, ("mở trang này", "open this page"))


def dev_members(request: Request) -> list[dict[str, str]]:
    """Development sign-in only: the seats of every council session, to sign in as one of them
    by name. Read with a short-lived admin token the portal signs itself (dev sign-in already
    hands out any role); an empty list if the evaluation service does not answer."""
    settings: Settings = request.app.state.settings
    if not settings.dev_sign_in:
        return []
    backends: Backends = request.app.state.backends
    token = issue_token(settings, "admin", subject="dev-sign-in", ttl_seconds=60)
    try:
        payload = backends.get_json("evaluation", "/v1/sessions", {"limit": 100}, token)
    except (BackendProblem, BackendUnavailable):
        return []
    seats = []
    for council in payload.get("items", []) if isinstance(payload, dict) else []:
        for member in council.get("members") or []:
            seats.append(
                {
                    "id": str(member["id"]),
                    "name": str(member.get("name") or member["id"]),
                    "role": str(member.get("role") or ""),
                    "session": str(council.get("name") or council.get("id")),
                }
            )
    return seats


def _form(request: Request, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    target = _safe_next(request.query_params.get("next"))
    settings: Settings = request.app.state.settings
    return render(
        request,
        "sign_in.html",
        {
            "error": error,
            "next": target,
            "reason": sign_in_reason(request.query_params.get("next") or ""),
            "roles": [(role, ROLE_NAMES[role]) for role in ROLES],
            "members": dev_members(request) if settings.dev_sign_in else [],
            "council_roles": ROLES_IN_COUNCIL,
            "password_was_reset": request.query_params.get("reset") == "1",
        },
        status_code=status_code,
    )


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request) -> HTMLResponse:
    return _form(request)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in_with_token(
    request: Request, token: Annotated[str, Form()], next: Annotated[str, Form()] = "/"
) -> Response:
    tr = translator(pick_language(request))
    settings: Settings = request.app.state.settings
    if settings.environment == "production":
        # In production people sign in with their account; pasted tokens are for development.
        return _form(
            request,
            tr(
                "Đăng nhập bằng mã truy cập không dùng trong môi trường chính thức.",
                "Signing in with a pasted token is not offered in production.",
            ),
            403,
        )
    token = token.strip().removeprefix("Bearer ").strip()
    try:
        decode_token(request.app.state.settings, request.app.state.token_versions, token)
    except ProblemError as exc:
        message = tr(exc.detail or exc.title, exc.detail_en or exc.title_en)
        return _form(
            request, tr("Mã truy cập không dùng được: ", "Token not accepted: ") + message, 400
        )
    return _signed_in(request, token, next)


@router.post("/sign-in/password", response_class=HTMLResponse)
def sign_in_with_password(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Sign in with an account of the registry, which checks the password and throttles guesses."""
    backends: Backends = request.app.state.backends
    lang = pick_language(request)
    tr = translator(lang)
    try:
        answer = backends.request(
            "POST",
            "registry",
            "/v1/auth/token",
            json={"username": username, "password": password},
            client=client_address(request),
        ).json()
    except BackendProblem as exc:
        return _form(request, exc.message(lang), 429 if exc.status == 429 else 400)
    except BackendUnavailable:
        return _form(
            request,
            tr(
                "Chưa đăng nhập được: dịch vụ sổ đăng ký không phản hồi, vui lòng thử lại sau.",
                "Could not sign in: the registry does not answer, please try again later.",
            ),
            503,
        )
    return _signed_in(request, answer["access_token"], next)


@router.post("/sign-in/dev", response_class=HTMLResponse)
def dev_sign_in(
    request: Request,
    role: Annotated[str, Form()],
    province_code: Annotated[str, Form()] = "",
    producer_id: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    member_id: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Development only: a token for the chosen role, as `ocop token` would print. A council
    member is chosen by name from the sessions' seats (the token's subject is the seat's id)."""
    settings: Settings = request.app.state.settings
    tr = translator(pick_language(request))
    if not settings.dev_sign_in:
        return _form(
            request,
            tr(
                "Đăng nhập thử chưa được bật (OCOP_DEV_SIGN_IN).",
                "Dev sign-in is not enabled (OCOP_DEV_SIGN_IN).",
            ),
            403,
        )
    if role not in ROLES:
        return _form(request, tr("Vai trò không hợp lệ.", "Unknown role."), 400)
    chosen: Role = role
    person = name.strip() or None
    subject = person
    if chosen == "council_member" and member_id.strip():
        # (`next` is the form's field here, not the builtin.)
        seats = [m for m in dev_members(request) if m["id"] == member_id.strip()]
        if not seats:
            return _form(
                request,
                tr("Không có thành viên hội đồng này.", "No such council member."),
                400,
            )
        subject, person = seats[0]["id"], seats[0]["name"]
    try:
        token = issue_token(
            settings,
            chosen,
            subject=subject,
            name=person,
            province_code=province_code.strip() or None,
            producer_id=producer_id.strip() or None,
        )
    except ValueError:
        return _form(
            request,
            tr(
                "Cán bộ tỉnh cần mã tỉnh; chủ thể cần mã chủ thể.",
                "A province officer needs a province code; a producer needs a producer id.",
            ),
            400,
        )
    return _signed_in(request, token, next)


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(TOKEN_COOKIE, path="/")
    return response


def sign_in_redirect(request: Request) -> RedirectResponse:
    """To the sign-in form, remembering the page wanted (the form says why it is asked)."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)
