"""Who is signed in: staff keep their bearer token in an HttpOnly cookie.

The portal checks the token's signature itself (to show the right menus and pages) and forwards it
to the other services, which check it again and decide what the person may do.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from ocop_kit.auth import Principal, Role, decode_token
from ocop_kit.errors import ProblemError

TOKEN_COOKIE = "ocop_token"

ROLE_NAMES: dict[str, tuple[str, str]] = {
    "admin": ("Quản trị hệ thống", "Administrator"),
    "province_officer": ("Cán bộ văn phòng OCOP tỉnh", "Province OCOP officer"),
    "council_member": ("Thành viên hội đồng đánh giá", "Evaluation council member"),
    "producer": ("Chủ thể sản xuất", "Producer"),
    "sync_operator": ("Vận hành đồng bộ sàn", "Marketplace sync operator"),
}


@dataclass(frozen=True)
class Staff:
    """A signed-in person: what their token says, and the token to forward."""

    principal: Principal
    token: str

    @property
    def role(self) -> str:
        return self.principal.role

    def has_role(self, *roles: Role) -> bool:
        return self.principal.role == "admin" or self.principal.role in roles


class SignInRequired(Exception):
    """The page is for signed-in staff; send the reader to the sign-in form."""


class NotPermitted(Exception):
    """Signed in, but the role may not open this page."""

    def __init__(self, roles: tuple[str, ...]) -> None:
        super().__init__(", ".join(roles))
        self.roles = roles


def staff_of(request: Request) -> Staff | None:
    """The signed-in staff member, or None (a bad or expired token counts as signed out)."""
    cached = getattr(request.state, "staff", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    staff = None
    token = request.cookies.get(TOKEN_COOKIE)
    if token:
        try:
            staff = Staff(
                decode_token(request.app.state.settings, request.app.state.token_versions, token),
                token,
            )
        except ProblemError:
            staff = None
    request.state.staff = staff
    return staff


def require_staff(request: Request, *roles: Role) -> Staff:
    """The signed-in staff member with one of `roles` (admins always), or an exception that the
    app turns into the sign-in page or a 403 page."""
    staff = staff_of(request)
    if staff is None:
        raise SignInRequired()
    if roles and not staff.has_role(*roles):
        raise NotPermitted(roles)
    return staff
