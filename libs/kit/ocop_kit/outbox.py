"""Transactional outbox: events are written with the change, and a relay publishes them.

`publish` adds the event to the caller's transaction, so the event exists if and only if the change
was committed. The relay sends pending events to every subscriber's queue and then marks them sent;
if it dies in between, the event is sent again on restart and consumers drop the duplicate.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from celery import Celery
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ocop_contracts import EventBase, subscribers
from ocop_kit.db import KitBase, ServiceDatabase, among, insert_rows, utc_now
from ocop_kit.logging import correlation_id
from ocop_kit.redelivery import Delivery, outbox_bodies, send_deliveries, send_unconfirmed_again
from ocop_kit.tables import OutboxEvent

log = logging.getLogger(__name__)


def publish(session: Session, event: EventBase) -> None:
    """Record an event in the current transaction; it is delivered after the commit."""
    session.add(OutboxEvent(**_outbox_row(event)))


def publish_many(session: Session, events: Sequence[EventBase]) -> None:
    """Record many events in the current transaction, in order, at once (`insert_rows`).

    For bulk writes such as sheet imports: an ORM object per event costs several times the
    CPU. The rows are sent at once, not at the next flush, so do not mix this with `publish`
    in one transaction if the order between the two matters."""
    if not events:
        return
    now = utc_now()
    insert_rows(
        session,
        KitBase.metadata.tables[OutboxEvent.__tablename__],
        [{**_outbox_row(event), "created_at": now} for event in events],
    )


def _outbox_row(event: EventBase) -> dict[str, Any]:
    if event.correlation_id is None and correlation_id.get():
        event = event.model_copy(update={"correlation_id": correlation_id.get()})
    return {
        "event_id": event.id,
        "event_type": event.type,
        "aggregate_id": event.aggregate_id,
        "body": event.model_dump(mode="json"),
    }


def relay_once(db: ServiceDatabase, celery: Celery, batch: int = 500) -> int:
    """Send up to `batch` pending events, oldest first, to their consumers in tasks of many
    events (`send_deliveries`); returns how many were sent."""
    with db.session() as session:
        query = select(OutboxEvent).where(OutboxEvent.sent_at.is_(None)).order_by(OutboxEvent.seq)
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        pending = outbox_bodies(session, query.limit(batch))
        if not pending:
            return 0
        send_deliveries(
            celery,
            [
                Delivery(event_id, body, service)
                for _, event_id, event_type, body in pending
                for service in subscribers(event_type)
            ],
        )
        session.execute(
            update(OutboxEvent)
            .where(among(session, OutboxEvent.seq, [seq for seq, *_ in pending]))
            .values(sent_at=utc_now())
        )
        return len(pending)


def run_relay(
    dbs: Sequence[ServiceDatabase],
    celery: Celery,
    poll_seconds: float,
    redeliver_after_seconds: float,
) -> None:
    """Relay the outboxes of the given services until the process is stopped, and send again
    what a consumer has not confirmed `redeliver_after_seconds` after it was sent."""
    log.info("outbox relay started", extra={"services": [db.service for db in dbs]})
    backoff = poll_seconds
    # The unconfirmed are looked for a few times within each redelivery period.
    sweep_every = max(1.0, redeliver_after_seconds / 5)
    next_sweep = time.monotonic() + sweep_every
    watches = {db.service: CommitWatch(db) for db in dbs}
    while True:
        sent = 0
        try:
            for db in dbs:
                sent += watches[db.service].relay_if_written(db, celery)
            if time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + sweep_every
                send_unconfirmed_again(dbs, celery, redeliver_after_seconds)
            backoff = poll_seconds
        except Exception:
            # The broker or the database is down: keep the events and try again, slower.
            log.exception("outbox relay failed; retrying")
            backoff = min(max(backoff * 2, 0.5), 10.0)
            time.sleep(backoff)
            continue
        if not sent:
            time.sleep(poll_seconds)


class CommitWatch:
    """Skips the look at an embedded (SQLite) service's outbox while nothing was committed
    there since it was last found empty. `PRAGMA data_version`, read on a connection of the
    watch's own, changes with every commit of any other connection; it costs microseconds,
    where the query through a session costs about a millisecond, and the relay looks at every
    service twenty times a second. PostgreSQL databases are always looked at."""

    def __init__(self, db: ServiceDatabase) -> None:
        self._connection = db.engine.raw_connection() if db.url.startswith("sqlite") else None
        self._empty_at: int | None = None

    def _data_version(self) -> int | None:
        if self._connection is None:
            return None
        cursor = self._connection.cursor()
        try:
            cursor.execute("PRAGMA data_version")
            return int(cursor.fetchone()[0])
        finally:
            cursor.close()

    def relay_if_written(self, db: ServiceDatabase, celery: Celery) -> int:
        """`relay_once`, unless the database is unchanged since its outbox was found empty."""
        # Read before the look: a commit landing during the look changes it for the next one.
        version = self._data_version()
        if version is not None and version == self._empty_at:
            return 0
        sent = relay_once(db, celery)
        self._empty_at = version if sent == 0 else None
        return sent
