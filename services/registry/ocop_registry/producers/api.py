"""HTTP: producers."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from ocop_kit.app import DbSession
from ocop_kit.auth import CurrentPrincipal
from ocop_kit.etag import check_if_match, set_etag
from ocop_kit.history import history_of
from ocop_kit.pagination import Page, paginate
from ocop_registry import access
from ocop_registry.access import Officer
from ocop_registry.duplicates.service import producers_sharing_contacts
from ocop_registry.producers.models import Producer
from ocop_registry.producers.schemas import (
    ProducerCreate,
    ProducerLikeness,
    ProducerOut,
    ProducerUpdate,
)
from ocop_registry.producers.service import (
    create_producer,
    get_producer,
    producer_out,
    update_producer,
)
from ocop_registry.products.schemas import HistoryEntry

router = APIRouter(prefix="/v1/producers", tags=["producers"])


@router.post(
    "",
    status_code=201,
    summary="Register a producer (chủ thể); warns of producers with the same tax code or phone",
)
def post_producer(
    data: ProducerCreate, session: DbSession, principal: Officer, response: Response
) -> ProducerOut:
    producer = create_producer(session, data, principal)
    session.commit()
    set_etag(response, producer.id, producer.version)
    out = producer_out(producer)
    out.likely_duplicates = [
        ProducerLikeness.model_validate(d) for d in producers_sharing_contacts(session, producer)
    ]
    return out


@router.get("", summary="Producers the caller is in charge of")
def list_producers(
    session: DbSession,
    principal: CurrentPrincipal,
    province_code: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[ProducerOut]:
    query = access.producers_visible_to(select(Producer), principal)
    if province_code:
        query = query.where(Producer.province_code == province_code)
    rows, next_cursor = paginate(session, query, Producer.id, cursor, limit)
    return Page(items=[producer_out(p) for p in rows], next_cursor=next_cursor)


@router.get("/{producer_id}", summary="One producer")
def get_one(
    producer_id: str, session: DbSession, principal: CurrentPrincipal, response: Response
) -> ProducerOut:
    producer = get_producer(session, producer_id)
    access.ensure_may_read_producer(principal, producer)
    set_etag(response, producer.id, producer.version)
    return producer_out(producer)


@router.patch("/{producer_id}", summary="Change a producer (If-Match with the ETag read)")
def patch_producer(
    producer_id: str,
    data: ProducerUpdate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
) -> ProducerOut:
    producer = get_producer(session, producer_id)
    access.ensure_may_read_producer(principal, producer)
    check_if_match(request, producer.id, producer.version)
    update_producer(session, producer, data, principal)
    session.commit()
    set_etag(response, producer.id, producer.version)
    return producer_out(producer)


@router.get("/{producer_id}/history", summary="Every change to a producer")
def producer_history(
    producer_id: str, session: DbSession, principal: CurrentPrincipal
) -> list[HistoryEntry]:
    producer = get_producer(session, producer_id)
    access.ensure_may_read_producer(principal, producer)
    return [
        HistoryEntry.model_validate(r, from_attributes=True)
        for r in history_of(session, "producer", producer.id)
    ]
