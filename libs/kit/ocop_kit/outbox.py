"""Transactional outbox: events are written with the change, and a relay publishes them.

`publish` adds the event to the caller's transaction, so the event exists if and only if the change
was committed. The relay sends pending events to every subscriber's queue and then marks them sent;
if it dies in between, the event is sent again on restart and consumers drop the duplicate.

The relay looks at an outbox when something was committed there: an embedded (SQLite) database's
`PRAGMA data_version` changes with every commit; on PostgreSQL, `publish` adds a `NOTIFY` naming
the schema, which PostgreSQL delivers to the relay's listening connection when (and only if) the
transaction commits. Each PostgreSQL outbox is also looked at once a second whatever it heard, in
case a notification was missed (the relay's connection was being re-established).
"""

from __future__ import annotations

import logging
import select as io_select
import time
from collections.abc import Sequence
from typing import Any, Protocol

import psycopg
from celery import Celery
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from ocop_contracts import EventBase, subscribers
from ocop_kit.db import KitBase, ServiceDatabase, among, insert_rows, utc_now
from ocop_kit.logging import correlation_id
from ocop_kit.redelivery import Delivery, outbox_bodies, send_deliveries, send_unconfirmed_again
from ocop_kit.tables import OutboxEvent

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "ocop_outbox"
# How often a PostgreSQL outbox is looked at when no notification came.
QUIET_LOOK_SECONDS = 1.0
_WOKEN = "ocop_outbox_woken"


def publish(session: Session, event: EventBase) -> None:
    """Record an event in the current transaction; it is delivered after the commit."""
    session.add(OutboxEvent(**_outbox_row(event)))
    _wake_relay(session)


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
    _wake_relay(session)


def _wake_relay(session: Session) -> None:
    """On PostgreSQL, have the relay told at commit that this schema's outbox has news: once a
    transaction (or a savepoint, whose rollback would take the notification with it)."""
    connection = session.connection()  # not `session.execute`: that would flush
    if connection.dialect.name != "postgresql":
        return
    root = session.get_transaction()
    current = session.get_nested_transaction() or root
    if session.info.get(_WOKEN) in (root, current):
        return
    connection.execute(
        text("SELECT pg_notify(:channel, current_schema())"), {"channel": NOTIFY_CHANNEL}
    )
    session.info[_WOKEN] = current


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
    listeners: dict[str, Listener] = {}
    watches: dict[str, OutboxWatch] = {}
    for db in dbs:
        if db.url.startswith("sqlite"):
            watches[db.service] = CommitWatch(db)
        else:
            listener = listeners.setdefault(db.url, Listener(db))
            watches[db.service] = NotifyWatch(db, listener)
    while True:
        sent = 0
        try:
            for listener in listeners.values():
                listener.collect()
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
            _wait_for_news(list(listeners.values()), poll_seconds)


class OutboxWatch(Protocol):
    def relay_if_written(self, db: ServiceDatabase, celery: Celery) -> int: ...


class CommitWatch:
    """Skips the look at an embedded (SQLite) service's outbox while nothing was committed
    there since it was last found empty. `PRAGMA data_version`, read on a connection of the
    watch's own, changes with every commit of any other connection; it costs microseconds,
    where the query through a session costs about a millisecond, and the relay looks at every
    service twenty times a second."""

    def __init__(self, db: ServiceDatabase) -> None:
        self._connection = db.engine.raw_connection()
        self._empty_at: int | None = None

    def _data_version(self) -> int:
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
        if version == self._empty_at:
            return 0
        sent = relay_once(db, celery)
        self._empty_at = version if sent == 0 else None
        return sent


class Listener:
    """The relay's `LISTEN` connection to one PostgreSQL database: which schemas' outboxes were
    committed to since it was last asked. While it is not connected it knows nothing, and every
    outbox of the database is looked at as often as the relay polls."""

    def __init__(self, db: ServiceDatabase) -> None:
        self._url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._connection: psycopg.Connection[Any] | None = None
        self._retry_at = 0.0
        self.woken: set[str] = set()
        self.listening = False

    def collect(self) -> None:
        """Gather the notifications that arrived (reconnecting when the connection was lost)."""
        try:
            if self._connection is None:
                if time.monotonic() < self._retry_at:
                    return
                self._connection = psycopg.connect(self._url, autocommit=True)
                self._connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                # What was committed before it listened was not heard of: look at everything.
                self.listening = False
            else:
                self.listening = True
            self.woken.update(n.payload for n in self._connection.notifies(timeout=0))
        except psycopg.Error:
            log.warning("outbox relay lost its PostgreSQL notifications; polling meanwhile")
            self.close()
            self._retry_at = time.monotonic() + 5.0

    def fileno(self) -> int | None:
        return self._connection.fileno() if self._connection is not None else None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None
        self.listening = False


class NotifyWatch:
    """Looks at a PostgreSQL service's outbox when its schema was notified, when the last look
    left events behind, and otherwise once every `QUIET_LOOK_SECONDS`."""

    def __init__(self, db: ServiceDatabase, listener: Listener) -> None:
        self._listener = listener
        self._schema = db.schema or "public"
        self._more = True
        self._looked_at = 0.0

    def relay_if_written(self, db: ServiceDatabase, celery: Celery) -> int:
        """`relay_once`, unless nothing was committed there since the last look."""
        woken = self._schema in self._listener.woken
        quiet_for = time.monotonic() - self._looked_at
        if (
            self._listener.listening
            and not (woken or self._more)
            and quiet_for < QUIET_LOOK_SECONDS
        ):
            return 0
        # Taken before the look: a commit landing during the look is heard for the next one.
        self._listener.woken.discard(self._schema)
        self._looked_at = time.monotonic()
        sent = relay_once(db, celery)
        self._more = sent > 0
        return sent


def _wait_for_news(listeners: Sequence[Listener], seconds: float) -> None:
    """Sleep `seconds`, or less if a PostgreSQL notification arrives."""
    sockets = [fd for fd in (listener.fileno() for listener in listeners) if fd is not None]
    if sockets:
        io_select.select(sockets, [], [], seconds)
    else:
        time.sleep(seconds)
