"""Idempotent event consumption: each event applied once, stale versions ignored."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from celery import Celery
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ocop_contracts import Event, event_task, parse_event
from ocop_kit.celery_app import PermanentError, ReliableTask
from ocop_kit.db import ServiceDatabase
from ocop_kit.logging import correlation_id
from ocop_kit.redelivery import confirm
from ocop_kit.tables import AggregateVersion, ProcessedEvent

log = logging.getLogger(__name__)

Handler = Callable[[Session, Any], None]
H = TypeVar("H", bound=Handler)
Outcome = Literal["applied", "duplicate", "stale"]


class EventHandlers:
    """The event handlers of one service, by event type."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}

    def on(self, *event_types: str) -> Callable[[H], H]:
        def register(handler: H) -> H:
            for event_type in event_types:
                self._handlers.setdefault(event_type, []).append(handler)
            return handler

        return register

    def for_type(self, event_type: str) -> list[Handler]:
        return self._handlers.get(event_type, [])


def consume(db: ServiceDatabase, event: Event, handlers: EventHandlers) -> Outcome:
    """Apply an event once, in one transaction with its inbox record and aggregate version."""
    try:
        with db.session() as session:
            if session.get(ProcessedEvent, event.id) is not None:
                return "duplicate"
            key = (event.aggregate_type, event.aggregate_id)
            known = session.get(AggregateVersion, key, with_for_update=True)
            outcome: Outcome = "stale" if known and event.version <= known.version else "applied"
            if outcome == "applied":
                for handler in handlers.for_type(event.type):
                    handler(session, event)
                if known is None:
                    session.add(
                        AggregateVersion(
                            aggregate_type=key[0], aggregate_id=key[1], version=event.version
                        )
                    )
                else:
                    known.version = event.version
            session.add(ProcessedEvent(event_id=event.id, event_type=event.type, outcome=outcome))
    except IntegrityError:
        # Another worker recorded the same event (or aggregate) at the same moment.
        with db.session() as session:
            if session.get(ProcessedEvent, event.id) is not None:
                return "duplicate"
        raise
    return outcome


class DeliveryTask(ReliableTask):
    """An event's delivery to a consumer: confirmed to the relay once the consumer is done with
    it (applied, duplicate, stale, or dead-lettered: replayed from there, not sent again)."""

    def on_success(self, retval: Any, task_id: str, args: Any, kwargs: Any) -> None:
        confirm(self.app, task_id)

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        super().on_failure(exc, task_id, args, kwargs, einfo)
        confirm(self.app, task_id)


def register_event_consumer(
    celery: Celery, db: ServiceDatabase, handlers: EventHandlers, service: str
) -> Any:
    """Define the service's event task (see ocop_contracts.event_task) on its Celery app."""

    @celery.task(name=event_task(service), base=DeliveryTask)
    def receive_event(body: dict[str, Any]) -> str:
        try:
            event = parse_event(body)
        except ValidationError as exc:
            raise PermanentError(f"malformed event: {exc}") from exc
        token = correlation_id.set(event.correlation_id)
        try:
            outcome = consume(db, event, handlers)
            log.info(
                "event %s",
                outcome,
                extra={
                    "event_id": event.id,
                    "event_type": event.type,
                    "aggregate_id": event.aggregate_id,
                    "version": event.version,
                },
            )
            return outcome
        finally:
            correlation_id.reset(token)

    return receive_event
