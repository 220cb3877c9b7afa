"""HTTP: the notices producers receive (certificate expiring or expired)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from ocop_kit.app import DbSession
from ocop_kit.auth import CurrentPrincipal
from ocop_kit.pagination import Page, paginate
from ocop_registry import access
from ocop_registry.notifications.models import Notification
from ocop_registry.producers.service import get_producer

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])


class NotificationOut(BaseModel):
    id: str
    producer_id: str
    product_id: str | None
    kind: str
    message: str
    message_en: str
    emailed_to: str | None
    created_at: datetime


@router.get("", summary="A producer's notices, oldest first")
def list_notifications(
    producer_id: str,
    session: DbSession,
    principal: CurrentPrincipal,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[NotificationOut]:
    producer = get_producer(session, producer_id)
    access.ensure_may_read_notices(principal, producer)
    query = select(Notification).where(Notification.producer_id == producer.id)
    rows, next_cursor = paginate(session, query, Notification.id, cursor, limit)
    return Page(
        items=[NotificationOut.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )
