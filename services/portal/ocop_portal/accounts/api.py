"""Accounts pages: an administrator lists accounts and issues a one-time password reset code;
the person sets a new password with it. The registry keeps the accounts and every rule (code
expiry, password strength, revoking older tokens); these pages show and send."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ocop_portal.backends import BackendProblem, Backends
from ocop_portal.staff.auth import require_staff
from ocop_portal.web import pick_language, render, translator

router = APIRouter(tags=["pages"], include_in_schema=False)


def _accounts(request: Request, token: str) -> list[dict[str, Any]]:
    backends: Backends = request.app.state.backends
    payload = backends.get_json("registry", "/v1/accounts", {"limit": 200}, token)
    items = payload.get("items", []) if isinstance(payload, dict) else []
    return [a for a in items if isinstance(a, dict)]


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request) -> HTMLResponse:
    staff = require_staff(request, "admin")
    return render(
        request, "accounts.html", {"accounts": _accounts(request, staff.token), "issued": None}
    )


@router.post("/accounts/{account_id}/password-reset", response_class=HTMLResponse)
def issue_reset(request: Request, account_id: str) -> HTMLResponse:
    """Issue a reset code and show it once, with the link to hand to the person."""
    staff = require_staff(request, "admin")
    backends: Backends = request.app.state.backends
    lang = pick_language(request)
    tr = translator(lang)
    issued = None
    error = None
    try:
        issued = backends.send_json(
            "POST", "registry", f"/v1/accounts/{account_id}/password-reset", {}, staff.token
        )
    except BackendProblem as problem:
        error = tr("Chưa cấp được mã: ", "No code issued: ") + problem.message(lang)
    link = None
    if isinstance(issued, dict):
        base = request.app.state.settings.page_base_url
        link = f"{base}/password-reset?code={quote(str(issued['code']))}"
    return render(
        request,
        "accounts.html",
        {
            "accounts": _accounts(request, staff.token),
            "issued": issued,
            "reset_link": link,
            "error": error,
        },
        status_code=201 if error is None else 409,
    )


@router.get("/password-reset", response_class=HTMLResponse)
def reset_page(request: Request) -> HTMLResponse:
    return render(
        request,
        "password_reset.html",
        {"code": request.query_params.get("code", ""), "error": None},
    )


@router.post("/password-reset", response_class=HTMLResponse)
def reset_password(
    request: Request,
    code: Annotated[str, Form()],
    password: Annotated[str, Form()],
    password_again: Annotated[str, Form()],
) -> Response:
    """Send the code and the new password to the registry; back to sign-in when it is set."""
    backends: Backends = request.app.state.backends
    lang = pick_language(request)
    tr = translator(lang)
    if password != password_again:
        return render(
            request,
            "password_reset.html",
            {
                "code": code,
                "error": tr(
                    "Hai lần nhập mật khẩu mới không giống nhau.",
                    "The two new passwords do not match.",
                ),
            },
            422,
        )
    try:
        backends.send_json(
            "POST",
            "registry",
            "/v1/auth/password-reset",
            {"code": code.strip(), "password": password},
        )
    except BackendProblem as problem:
        return render(
            request,
            "password_reset.html",
            {"code": code, "error": problem.message(lang)},
            422 if problem.status in (400, 422) else problem.status,
        )
    return RedirectResponse("/sign-in?reset=1", status_code=303)
