"""Who may see and do what in marketplace sync.

Operators (and admins) run the channels: syncs, reconciliations, upload sheets, reports.
Listings are seen by any signed-in role but council members — producers their own, province
officers their province's — and retried by those who may see them. Where to buy a product and
the sync figures are public.
"""

from __future__ import annotations

from typing import Annotated, Any

from sqlalchemy import Select

from ocop_kit.auth import Principal, require_roles
from ocop_kit.errors import Forbidden
from ocop_marketplace_sync.listings.models import Listing

Operator = Annotated[Principal, require_roles("sync_operator")]


def visible_listings(query: Select[Any], principal: Principal) -> Select[Any]:
    """Narrow a listings query to what the principal may see (council members: nothing)."""
    if principal.role == "producer":
        return query.where(Listing.producer_id == principal.producer_id)
    if principal.role == "province_officer":
        return query.where(Listing.province_code == principal.province_code)
    if principal.role == "council_member":
        raise Forbidden(
            "Thành viên hội đồng không xem được tình trạng đăng bán",
            "Council members have no access to listings",
        )
    return query


def may_act_on(principal: Principal, listing: Listing) -> bool:
    """Whether the principal may see this listing and ask for it to be tried again."""
    if principal.role in ("admin", "sync_operator"):
        return True
    if principal.role == "council_member":
        return False
    if principal.role == "producer":
        return listing.producer_id == principal.producer_id
    return principal.may_act_in_province(listing.province_code)


def check_may_act_on(principal: Principal, listing: Listing) -> None:
    """Refuse (403) a principal who may not act on the listing."""
    if not may_act_on(principal, listing):
        raise Forbidden("Không có quyền với bản ghi này", "Not allowed on this listing")
