"""Who may see and do what in the evaluation service, in one place.

- Sessions: admins everywhere; the province's officer and the session's secretary manage it; a
  council member sees and scores only the sessions they sit on, and fills in only their own
  sheet. Before a decision, members do not see each other's sheets.
- A provincial session is created by that province's officer, a central one by an admin (the
  Ministry's office); criteria sets are uploaded by admins.
- The list of products due for re-evaluation: OCOP officers, each for their own province.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from sqlalchemy import Select, select

from ocop_evaluation.sessions.models import Application, CouncilSession, Member
from ocop_kit.auth import Principal, require_roles
from ocop_kit.errors import Forbidden, NotFound

# Admins only.
Admin = Annotated[Principal, require_roles("admin")]

Standing = Literal["admin", "officer", "secretary", "chair", "member"]


def member_of(principal: Principal, council: CouncilSession) -> Member | None:
    """The council seat a council_member token holds: its subject is the member id, or the id
    of the account seated there."""
    if principal.role != "council_member":
        return None
    return next((m for m in council.members if principal.subject in (m.id, m.account_id)), None)


def standing_in(principal: Principal, council: CouncilSession) -> Standing | None:
    """The caller's standing in the session, or None when they have none."""
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
    """Refuse (403) anyone but admins, the province's officer and the secretary."""
    standing = require_view(principal, council)
    if standing not in ("admin", "officer", "secretary"):
        raise Forbidden(
            "Chỉ thư ký hội đồng, cán bộ của tỉnh hoặc quản trị viên được quản lý phiên này",
            "Only the council's secretary, the province's officer or an admin manage this session",
        )
    return standing


def require_decide(principal: Principal, council: CouncilSession) -> Standing:
    """Refuse (403) members other than the chair and the secretary."""
    standing = require_view(principal, council)
    if standing == "member":
        raise Forbidden(
            "Chỉ chủ tịch, thư ký hội đồng, cán bộ của tỉnh hoặc quản trị viên được kết luận",
            "Only the chair, the secretary, the province's officer or an admin may decide",
        )
    return standing


def require_create(principal: Principal, level: str, province_code: str | None) -> None:
    """A provincial session by that province's officer (or an admin), a central one by an
    admin (the Ministry's office)."""
    if level == "central" and not principal.is_admin:
        raise Forbidden(
            "Chỉ quản trị viên cấp trung ương được lập hội đồng cấp trung ương",
            "Only an admin may create a central council session",
        )
    if level == "provincial" and not principal.may_act_in_province(province_code):
        raise Forbidden(
            "Bạn không được lập hội đồng cho tỉnh này",
            "You may not create a council for this province",
        )


def sessions_visible_to(query: Select[Any], principal: Principal) -> Select[Any]:
    """`query` (sessions) limited to those the caller may see: a member's own sessions, an
    officer's province's, every session for an admin, none for anyone else."""
    if principal.role == "council_member":
        return query.where(
            CouncilSession.id.in_(
                select(Member.session_id).where(
                    (Member.id == principal.subject) | (Member.account_id == principal.subject)
                )
            )
        )
    if principal.role == "province_officer":
        return query.where(CouncilSession.province_code == principal.province_code)
    if not principal.is_admin:
        return query.where(CouncilSession.id.is_(None))
    return query


def require_own_sheet(
    principal: Principal, council: CouncilSession, member: Member | None, member_id: str
) -> None:
    """Refuse (403) a sheet of someone outside the council, to a caller outside it, of another
    member to a member, and any sheet of the secretary (who does not score)."""
    if member is None:
        raise Forbidden(
            "Người chấm không phải thành viên của hội đồng này",
            "The member does not sit on this council",
        )
    standing = standing_in(principal, council)
    if standing is None:
        raise Forbidden("Bạn không thuộc hội đồng này", "You do not sit on this council")
    seat = member_of(principal, council)
    if standing in ("chair", "member") and (seat is None or seat.id != member_id):
        raise Forbidden(
            "Thành viên chỉ được chấm phiếu của chính mình",
            "A member may only fill in their own score sheet",
        )
    if not member.scores:
        raise Forbidden("Thư ký hội đồng không chấm điểm", "The secretary does not score")


def sees_sheet_of(
    principal: Principal,
    standing: Standing,
    council: CouncilSession,
    application: Application,
    member_id: str,
) -> bool:
    """Members score independently: before the decision a member sees only their own sheet;
    managers (and everyone once decided) see all."""
    own_only = standing in ("chair", "member") and application.status != "decided"
    return not own_only or getattr(member_of(principal, council), "id", None) == member_id


def due_list_province(principal: Principal, province_code: str | None) -> str | None:
    """The province whose due products the caller may list: an officer's own (another is
    refused), an admin's choice (None: every province); other roles are refused."""
    if principal.is_admin:
        return province_code
    if principal.role != "province_officer":
        raise Forbidden(
            "Chỉ cán bộ OCOP xem được danh sách này", "Only OCOP officers may read this list"
        )
    if province_code and province_code != principal.province_code:
        raise Forbidden("Bạn chỉ xem được tỉnh của mình", "You may only read your province")
    return principal.province_code
