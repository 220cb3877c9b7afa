"""`GET /v1/due`: products whose certificate expires within 180 days, to re-evaluate."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel

from ocop_contracts import CERTIFICATE_EXPIRING_WITHIN_DAYS
from ocop_evaluation import access
from ocop_evaluation.products.models import KnownProduct
from ocop_evaluation.products.service import due_products_query
from ocop_kit.app import DbSession
from ocop_kit.auth import CurrentPrincipal
from ocop_kit.dates import today_local
from ocop_kit.pagination import Page, paginate

router = APIRouter(prefix="/v1", tags=["re-evaluation"])


class DueProduct(BaseModel):
    product_id: str
    name: str
    group: str
    province_code: str
    producer_id: str
    producer_name: str
    stars: int | None
    certificate_status: str | None
    expires_on: date
    days_left: int


@router.get("/due", summary="Products to re-evaluate: certificates expiring within 180 days")
def due_products(
    db: DbSession,
    principal: CurrentPrincipal,
    province_code: str | None = None,
    within_days: int = CERTIFICATE_EXPIRING_WITHIN_DAYS,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[DueProduct]:
    province_code = access.due_list_province(principal, province_code)
    today = today_local()
    query = due_products_query(province_code, today, max(0, min(within_days, 3650)))
    rows, next_cursor = paginate(db, query, KnownProduct.id, cursor, limit)
    items = [
        DueProduct(
            product_id=p.id,
            name=p.name,
            group=p.group,
            province_code=p.province_code,
            producer_id=p.producer_id,
            producer_name=p.producer_name,
            stars=p.stars,
            certificate_status=p.certificate_status,
            expires_on=p.expires_on,
            days_left=(p.expires_on - today).days,
        )
        for p in rows
        if p.expires_on is not None
    ]
    return Page(items=items, next_cursor=next_cursor)
