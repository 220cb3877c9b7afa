"""HTTP: the province's review queue of likely duplicate products."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ocop_kit.app import DbSession
from ocop_kit.pagination import Page, paginate
from ocop_registry.access import Officer
from ocop_registry.duplicates.models import DuplicatePair
from ocop_registry.duplicates.service import (
    dismiss_pair,
    get_pair,
    merge_pair,
    pairs_out,
    queue_query,
)

router = APIRouter(prefix="/v1/duplicates", tags=["duplicates"])


class PairProducer(BaseModel):
    id: str
    name: str


class PairProduct(BaseModel):
    id: str
    name: str
    producer: PairProducer


class DuplicatePairOut(BaseModel):
    """Two products that look like one; `product` is the one found later."""

    id: str
    province_code: str
    product: PairProduct
    other: PairProduct
    score: float
    reason: str
    reason_en: str
    source: str = Field(description="Where it was found: create, update or import")
    status: Literal["open", "not_duplicate", "merged"]
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None


class MergeRequest(BaseModel):
    keep_id: str = Field(description="The product kept; the pair's other product merges into it")


@router.get("", summary="Likely duplicates to review (officers: their province; admins: any)")
def list_pairs(
    session: DbSession,
    principal: Officer,
    province_code: str | None = None,
    status: Literal["open", "not_duplicate", "merged"] = "open",
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[DuplicatePairOut]:
    query = queue_query(principal, province_code, status)
    rows, next_cursor = paginate(session, query, DuplicatePair.id, cursor, limit)
    items = [DuplicatePairOut.model_validate(p) for p in pairs_out(session, rows)]
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/{pair_id}/not-duplicate",
    summary="Mark a pair as two different products (never shown or warned of again)",
)
def post_not_duplicate(pair_id: str, session: DbSession, principal: Officer) -> DuplicatePairOut:
    pair = get_pair(session, pair_id, principal)
    dismiss_pair(session, pair, principal)
    session.commit()
    return DuplicatePairOut.model_validate(pairs_out(session, [pair])[0])


@router.post(
    "/{pair_id}/merge",
    summary="Merge the pair's other product into `keep_id` (certificates, channels and history "
    "follow; the merged id answers 308 to the kept product)",
)
def post_merge(
    pair_id: str, data: MergeRequest, session: DbSession, principal: Officer
) -> DuplicatePairOut:
    pair = get_pair(session, pair_id, principal)
    merge_pair(session, pair, data.keep_id, principal)
    session.commit()
    return DuplicatePairOut.model_validate(pairs_out(session, [pair])[0])
