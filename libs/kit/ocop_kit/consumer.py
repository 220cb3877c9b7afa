"""Idempotent event consumption: each event applied once, stale versions ignored.

Events arrive in batches (the relay sends a consumer up to a few hundred in one task, in outbox
order). A batch is applied in one transaction: its inbox check and its aggregates' versions take a
few queries, the newest version of an aggregate in the batch is the one applied (older ones are
stale, as they would be arriving after it), and handlers registered with `on_batch` receive all
their events at once. If the batch fails, it falls back to one event at a time, each in its own
transaction, and an event that fails alone is sent on by itself, to be retried and dead-lettered
without holding back the rest.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

from celery import Celery
from pydantic import ValidationError
from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ocop_contracts import Event, event_task, events_task, parse_event, queue_for
from ocop_kit.celery_app import PermanentError, ReliableTask, record_dead_letter
from ocop_kit.db import KitBase, ServiceDatabase, insert_rows, utc_now
from ocop_kit.logging import correlation_id
from ocop_kit.redelivery import confirm, delivery_id
from ocop_kit.tables import AggregateVersion, ProcessedEvent

log = logging.getLogger(__name__)

Handler = Callable[[Session, Any], None]
BatchHandler = Callable[[Session, list[Any]], None]
H = TypeVar("H", bound=Handler)
B = TypeVar("B", bound=BatchHandler)
Outcome = Literal["applied", "duplicate", "stale"]


class EventHandlers:
    """The event handlers of one service, by event type: each event alone (`on`), or all the
    events of a batch at once, in order (`on_batch`, where one statement for many pays)."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}
        self._batch_handlers: dict[str, list[BatchHandler]] = {}

    def on(self, *event_types: str) -> Callable[[H], H]:
        def register(handler: H) -> H:
            for event_type in event_types:
                self._handlers.setdefault(event_type, []).append(handler)
            return handler

        return register

    def on_batch(self, *event_types: str) -> Callable[[B], B]:
        def register(handler: B) -> B:
            for event_type in event_types:
                self._batch_handlers.setdefault(event_type, []).append(handler)
            return handler

        return register

    def apply(self, session: Session, events: Sequence[Event]) -> None:
        """Run the handlers of these events (already checked as new and newest), in order."""
        batches: dict[BatchHandler, list[Event]] = {}
        for event in events:
            with _correlated(event):
                for handler in self._handlers.get(event.type, []):
                    handler(session, event)
            for batch_handler in self._batch_handlers.get(event.type, []):
                batches.setdefault(batch_handler, []).append(event)
        for batch_handler, batch in batches.items():
            batch_handler(session, batch)


@contextmanager
def _correlated(event: Event) -> Iterator[None]:
    """The event's correlation id on the log lines and events its handling causes."""
    token = correlation_id.set(event.correlation_id)
    try:
        yield
    finally:
        correlation_id.reset(token)


def consume(db: ServiceDatabase, event: Event, handlers: EventHandlers) -> Outcome:
    """Apply one event once, in one transaction with its inbox record and aggregate version."""
    return consume_batch(db, [event], handlers)[0]


def consume_batch(
    db: ServiceDatabase, events: Sequence[Event], handlers: EventHandlers
) -> list[Outcome]:
    """Apply a batch of events in one transaction with their inbox records and aggregate
    versions; returns each event's outcome, in order."""
    try:
        with db.session() as session:
            known = _lock_versions(session, events)
            outcomes = _sort_out(session, events, known)
            handlers.apply(
                session, [e for e, o in zip(events, outcomes, strict=True) if o == "applied"]
            )
            _record(session, events, outcomes, known)
        return outcomes
    except IntegrityError:
        # Another worker recorded one of these events (or aggregates) at the same moment.
        if len(events) == 1:
            with db.session() as session:
                if session.get(ProcessedEvent, events[0].id) is not None:
                    return ["duplicate"]
        raise


def _lock_versions(
    session: Session, events: Sequence[Event]
) -> dict[tuple[str, str], AggregateVersion]:
    """The known versions of the batch's aggregates, locked until the transaction ends (in
    key order, so that two workers locking overlapping batches cannot deadlock)."""
    keys = list({(e.aggregate_type, e.aggregate_id) for e in events})
    key = tuple_(AggregateVersion.aggregate_type, AggregateVersion.aggregate_id)
    rows = session.scalars(
        select(AggregateVersion)
        .where(key.in_(keys))
        .order_by(AggregateVersion.aggregate_type, AggregateVersion.aggregate_id)
        .with_for_update()
    )
    return {(row.aggregate_type, row.aggregate_id): row for row in rows}


def _sort_out(
    session: Session, events: Sequence[Event], known: dict[tuple[str, str], AggregateVersion]
) -> list[Outcome]:
    """Each event's fate: a duplicate (already consumed, or earlier in the batch), stale (an
    aggregate version no newer than one applied, or than a newer one in this batch), or
    applied."""
    ids = list({event.id for event in events})
    consumed = set(
        session.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.event_id.in_(ids)))
    )
    newest: dict[tuple[str, str], int] = {}
    for event in events:
        key = (event.aggregate_type, event.aggregate_id)
        newest[key] = max(newest.get(key, 0), event.version)
    outcomes: list[Outcome] = []
    seen: set[str] = set()
    applied: set[tuple[str, str]] = set()
    for event in events:
        key = (event.aggregate_type, event.aggregate_id)
        row = known.get(key)
        if event.id in consumed or event.id in seen:
            outcomes.append("duplicate")
        elif (
            (row and event.version <= row.version) or event.version < newest[key] or key in applied
        ):
            outcomes.append("stale")
        else:
            outcomes.append("applied")
            applied.add(key)
        seen.add(event.id)
    return outcomes


def _record(
    session: Session,
    events: Sequence[Event],
    outcomes: Sequence[Outcome],
    known: dict[tuple[str, str], AggregateVersion],
) -> None:
    """The inbox records of the batch's new events and the new versions of its aggregates."""
    session.flush()  # the handlers' changes first: `insert_rows` may bypass the session
    new = [(e, o) for e, o in zip(events, outcomes, strict=True) if o != "duplicate"]
    now = utc_now()
    insert_rows(
        session,
        KitBase.metadata.tables[ProcessedEvent.__tablename__],
        [
            {"event_id": e.id, "event_type": e.type, "outcome": o, "processed_at": now}
            for e, o in new
        ],
    )
    added = []
    for event, outcome in new:
        key = (event.aggregate_type, event.aggregate_id)
        if outcome != "applied":
            continue
        if key in known:
            known[key].version = event.version
        else:
            added.append(
                {"aggregate_type": key[0], "aggregate_id": key[1], "version": event.version}
            )
    insert_rows(session, KitBase.metadata.tables[AggregateVersion.__tablename__], added)


class DeliveryTask(ReliableTask):
    """An event's delivery to a consumer: confirmed to the relay once the consumer is done with
    it (applied, duplicate, stale, or dead-lettered: replayed from there, not sent again)."""

    def on_success(self, retval: Any, task_id: str, args: Any, kwargs: Any) -> None:
        confirm(self.app, [task_id])

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        super().on_failure(exc, task_id, args, kwargs, einfo)
        confirm(self.app, [task_id])


class BatchDeliveryTask(ReliableTask):
    """A batch of deliveries to a consumer. The task confirms what it is done with itself; if it
    fails for good (it could not even hand a failed event on), the whole batch is dead-lettered
    and so confirmed."""

    service: str = ""

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        super().on_failure(exc, task_id, args, kwargs, einfo)
        bodies = args[0] if args else []
        confirm(self.app, [delivery_id(str(b.get("id")), self.service) for b in bodies])


def register_event_consumer(
    celery: Celery, db: ServiceDatabase, handlers: EventHandlers, service: str
) -> Any:
    """Define the service's event tasks on its Celery app: a batch of events
    (`ocop_contracts.events_task`, what the relay sends) and one event (`event_task`: an event
    retried alone after its batch failed, or replayed from the dead letters)."""

    @celery.task(name=event_task(service), base=DeliveryTask, shared=False)
    def receive_event(body: dict[str, Any]) -> str:
        try:
            event = parse_event(body)
        except ValidationError as exc:
            raise PermanentError(f"malformed event: {exc}") from exc
        outcome = consume(db, event, handlers)
        _log_outcomes([event], [outcome])
        return outcome

    @celery.task(name=events_task(service), base=BatchDeliveryTask, service=service, shared=False)
    def receive_events(bodies: list[dict[str, Any]]) -> dict[str, int]:
        events: list[Event] = []
        done: list[str] = []
        for body in bodies:
            try:
                events.append(parse_event(body))
            except ValidationError as exc:
                # Kept as a one-event task, so that a replay sends it alone.
                task_id = delivery_id(str(body.get("id")), service)
                record_dead_letter(
                    db,
                    event_task(service),
                    task_id,
                    [body],
                    {},
                    PermanentError(f"malformed event: {exc}"),
                )
                log.error("malformed event dead-lettered", extra={"task_id": task_id})
                done.append(task_id)
        try:
            outcomes: list[str] = list(consume_batch(db, events, handlers))
        except Exception:
            log.warning("event batch failed; one event at a time", exc_info=True)
            outcomes = [
                _consume_or_hand_on(celery, db, event, handlers, service) for event in events
            ]
        _log_outcomes(events, outcomes)
        done += [
            delivery_id(e.id, service)
            for e, o in zip(events, outcomes, strict=True)
            if o != "handed_on"
        ]
        confirm(celery, done)
        return dict(Counter(outcomes))

    return receive_events


def _consume_or_hand_on(
    celery: Celery, db: ServiceDatabase, event: Event, handlers: EventHandlers, service: str
) -> str:
    """Apply one event of a failed batch; if it fails too, send it on alone, so that it is
    retried with backoff and dead-lettered by itself (it stays in the ledger until then)."""
    try:
        return consume(db, event, handlers)
    except Exception:
        log.warning(
            "event failed; retried alone",
            extra={"event_id": event.id, "event_type": event.type},
            exc_info=True,
        )
        celery.send_task(
            event_task(service),
            args=[event.model_dump(mode="json")],
            queue=queue_for(service),
            task_id=delivery_id(event.id, service),
        )
        return "handed_on"


def _log_outcomes(events: Sequence[Event], outcomes: Sequence[str]) -> None:
    for event, outcome in zip(events, outcomes, strict=True):
        with _correlated(event):
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
