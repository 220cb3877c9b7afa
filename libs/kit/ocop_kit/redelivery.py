"""Events the broker lost on the way to a consumer are sent again.

Kombu's Redis transport takes a message off a queue (BRPOP) and records it as unacknowledged in
a second command; if Redis or the worker dies between the two, the message is gone
(celery/kombu#305). So the relay notes every event it sends to a consumer in a sorted set, the
ledger, before sending it; the consumer takes it off when it is done with it (applied,
duplicate, stale or dead-lettered); and the relay sends again what is still there after the
visibility timeout while the consumer's queue is empty. With the queue empty, such an event was
lost, or is being handled at this moment, and the consumer drops that copy as a duplicate.

Redis brokers only; on the embedded broker there is no ledger.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Collection, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from celery import Celery
from redis import Redis
from sqlalchemy import Select, Text, cast, select
from sqlalchemy.orm import Session

from ocop_contracts import events_task, queue_for
from ocop_kit.db import ServiceDatabase, among
from ocop_kit.tables import OutboxEvent

log = logging.getLogger(__name__)
LEDGER = "ocop:unconfirmed"
BATCH = 500
# A task carries up to this many events: large enough that a bulk change costs a consumer few
# transactions, small enough that a message stays well under a megabyte of snapshots.
EVENTS_PER_TASK = 250


def delivery_id(event_id: str, service: str) -> str:
    """An event's delivery to one service: its member in the ledger, and the task id when the
    event travels alone (a retry after its batch failed, a replay)."""
    return f"{event_id}:{service}"


def ledger(celery: Celery) -> Redis | None:
    """The Redis client of the app's broker, or None on another broker."""
    url = str(celery.conf.broker_url or "")
    return _client(url) if url.startswith("redis") else None


@lru_cache
def _client(url: str) -> Redis:
    return Redis.from_url(url)


class Delivery(NamedTuple):
    """One event to send to one consuming service: its id, its body as JSON text (as stored in
    the outbox: never decoded on the way), the service."""

    event_id: str
    body: str
    service: str


def outbox_bodies(session: Session, query: Select[Any]) -> list[tuple[int, str, str, str]]:
    """(seq, event id, event type, body as JSON text) of the outbox rows this query selects:
    the relay passes bodies on without decoding and encoding them again."""
    rows = session.execute(
        query.with_only_columns(
            OutboxEvent.seq,
            OutboxEvent.event_id,
            OutboxEvent.event_type,
            cast(OutboxEvent.body, Text),
        )
    )
    return [(seq, event_id, event_type, body) for seq, event_id, event_type, body in rows]


def send_deliveries(celery: Celery, deliveries: Sequence[Delivery]) -> None:
    """Send each delivery to its service's queue, in order, up to `EVENTS_PER_TASK` events a
    task; each delivery noted in the ledger first (a crash in between only means that an unsent
    delivery is sent again later, never that a sent one goes unnoted)."""
    client = ledger(celery)
    if client is not None and deliveries:
        sent_at = time.time()
        client.zadd(LEDGER, {delivery_id(d.event_id, d.service): sent_at for d in deliveries})
    bodies: dict[str, list[str]] = defaultdict(list)
    for delivery in deliveries:
        bodies[delivery.service].append(delivery.body)
    with celery.producer_or_acquire() as producer:
        for service, batch in bodies.items():
            for start in range(0, len(batch), EVENTS_PER_TASK):
                celery.send_task(
                    events_task(service),
                    args=[batch_text(batch[start : start + EVENTS_PER_TASK])],
                    queue=queue_for(service),
                    producer=producer,
                )


def batch_text(bodies: Sequence[str]) -> str:
    """A batch of event bodies (each JSON text) as the relay sends it: one JSON array, as text.
    The consumer validates it in one pass (`parse_events`); a list of dicts inside the task
    message would be decoded twice by Celery, then validated object by object, at several
    times the CPU."""
    return "[" + ",".join(bodies) + "]"


def batch_bodies(batch: str | Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The event bodies of a batch task's argument: JSON text (`batch_text`), or a list of
    bodies (what relays sent before, and what a test or bench may send)."""
    if isinstance(batch, str):
        bodies = json.loads(batch)
        if not isinstance(bodies, list):
            raise ValueError("an event batch is a JSON array")
        return bodies
    return list(batch)


def confirm(celery: Celery, delivery_ids: Collection[str]) -> None:
    """The consumer is done with these deliveries."""
    client = ledger(celery)
    if client is None or not delivery_ids:
        return
    try:
        client.zrem(LEDGER, *delivery_ids)
    except Exception:
        # Unconfirmed, the events are sent again later and dropped as duplicates.
        log.warning(
            "could not confirm deliveries", extra={"deliveries": len(delivery_ids)}, exc_info=True
        )


def send_unconfirmed_again(
    dbs: Sequence[ServiceDatabase], celery: Celery, after_seconds: float
) -> int:
    """Send again the events of these services' outboxes that a consumer has not confirmed
    `after_seconds` after they were sent, if nothing waits in that consumer's queue; returns
    how many deliveries were sent again."""
    client = ledger(celery)
    if client is None:
        return 0
    overdue = client.zrangebyscore(LEDGER, "-inf", time.time() - after_seconds, 0, BATCH)
    services_by_event: dict[str, list[str]] = defaultdict(list)
    for member in overdue:
        event_id, _, service = member.decode().rpartition(":")
        services_by_event[event_id].append(service)
    if not services_by_event:
        return 0
    idle = {
        service
        for service in set().union(*services_by_event.values())
        if client.llen(queue_for(service)) == 0
    }
    resent: list[Delivery] = []
    for db in dbs:
        with db.session() as session:
            rows = outbox_bodies(
                session,
                select(OutboxEvent).where(
                    among(session, OutboxEvent.event_id, list(services_by_event))
                ),
            )
        resent += [
            Delivery(event_id, body, service)
            for _, event_id, _, body in rows
            for service in services_by_event[event_id]
            if service in idle
        ]
    if not resent:
        return 0
    send_deliveries(celery, resent)
    log.warning(
        "events sent again: not confirmed by their consumer in time",
        extra={"deliveries": len(resent), "after_seconds": after_seconds},
    )
    return len(resent)
