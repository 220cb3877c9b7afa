"""Who may do what in a session: admins everywhere, the province's officer and the session's
secretary manage it, a council member sees and scores only the sessions they sit on."""

from __future__ import annotations

from typing import Literal

from ocop_evaluation.sessions.models import CouncilSession, Member
from ocop_kit.auth import Principal
from ocop_kit.errors import Forbidden, NotFound

Standing = Literal["admin", "officer", "secretary", "chair", "member"]


def member_of(principal: Principal, council: CouncilSession) -> Member | None:
    """The council seat a council_member token holds: its subject is the member id, or the id
    of the account seated there."""
    if principal.role != "council_member":
        return None
    return next((m for m in council.members if principal.subject in (m.id, m.account_id)), None)


def standing_in(principal: Principal, council: CouncilSession) -> Standing | None:
    if principal.is_admin:
        return "admin"
    if (
        principal.role == "province_officer"
        and council.province_code is not None
        and principal.province_code == council.province_code
    ):
        return "officer"
    seat = member_of(principal, council)
    if seat is None:
        return None
    return (
        "secretary" if seat.role == "secretary" else "chair" if seat.role == "chair" else "member"
    )


def require_view(principal: Principal, council: CouncilSession) -> Standing:
    """Refuse, as if the session did not exist, anyone with no standing in it."""
    standing = standing_in(principal, council)
    if standing is None:
        raise NotFound("Không có phiên đánh giá này", "No such session")
    return standing


def require_manage(principal: Principal, council: CouncilSession) -> Standing:
    standing = require_view(principal, council)
    if standing not in ("admin", "officer", "secretary"):
        raise Forbidden(
            "Chỉ thư ký hội đồng, cán bộ của tỉnh hoặc quản trị viên được quản lý phiên này",
            "Only the council's secretary, the province's officer or an admin manage this session",
        )
    return standing


def require_decide(principal: Principal, council: CouncilSession) -> Standing:
    standing = require_view(principal, council)
    if standing == "member":
        raise Forbidden(
            "Chỉ chủ tịch, thư ký hội đồng, cán bộ của tỉnh hoặc quản trị viên được kết luận",
            "Only the chair, the secretary, the province's officer or an admin may decide",
        )
    return standing
