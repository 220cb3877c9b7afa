"""The embedded broker: kombu's SQLAlchemy transport on a SQLite file, polled quickly and cheaply.

kombu's own `sqla` transport hands every transport option to `create_engine`, so it cannot take a
polling interval; this subclass keeps the engine options to itself. Its poll is also kombu's
weakest point on SQLite: every look at an empty queue takes the database's write lock
(`BEGIN IMMEDIATE`) through two ORM queries, and a delivered message is only marked invisible,
so every later poll scans past it. Here a poll is one indexed read without a lock, a message is
taken and deleted by one statement, and a queue's id is looked up once. A worker that dies after
taking a message loses it exactly as with kombu's own transport (the event outbox's redelivery
covers that, DESIGN.md). URL: `ocopsqlite+sqlite:///…`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from queue import Empty
from typing import Any

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import sqlalchemy as sqla
from kombu.transport.sqlalchemy.models import metadata
from kombu.utils.encoding import bytes_to_str
from sqlalchemy import create_engine, event, make_url

ALIAS = "ocopsqlite"
BUSY_TIMEOUT_SECONDS = 30


def _pragmas(connection: Any) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")


class Channel(sqla.Channel):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._queue_ids: dict[str, int] = {}
        self._connections = threading.local()
        super().__init__(*args, **kwargs)

    def _engine_from_config(self) -> Any:
        url = str(self.connection.client.hostname)  # type: ignore[union-attr]
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
        event.listen(
            engine, "connect", lambda dbapi_connection, _record: _pragmas(dbapi_connection)
        )
        metadata.create_all(engine)
        with engine.begin() as connection:
            # Pending messages of a queue in order, for the poll and the take below.
            connection.exec_driver_sql(
                "CREATE INDEX IF NOT EXISTS ix_ocop_message_pending "
                f"ON {self.message_tablename} (queue_id, visible, id)"
            )
        return engine

    def _messages(self) -> sqlite3.Connection:
        """This thread's own connection to the broker file, in autocommit mode."""
        connection: sqlite3.Connection | None = getattr(self._connections, "value", None)
        if connection is None:
            path = make_url(str(self.connection.client.hostname)).database  # type: ignore[union-attr]
            self._open()  # the tables and the index exist from here on
            connection = sqlite3.connect(
                path or ":memory:", timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None
            )
            _pragmas(connection)
            self._connections.value = connection
        return connection

    def _queue_id(self, queue: str) -> int:
        queue_id = self._queue_ids.get(queue)
        if queue_id is None:
            queue_id = self._queue_ids[queue] = int(self._get_or_create(queue).id)  # type: ignore[attr-defined]
            self.session.commit()
        return queue_id

    def _put(self, queue: str, message: Any, **kwargs: Any) -> None:  # type: ignore[override]
        self._messages().execute(
            f"INSERT INTO {self.message_tablename} (queue_id, visible, payload, version) "
            "VALUES (?, 1, ?, 1)",
            (self._queue_id(queue), json.dumps(message)),
        )

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        messages, queue_id, table = self._messages(), self._queue_id(queue), self.message_tablename
        pending = f"SELECT id FROM {table} WHERE queue_id = ? AND visible = 1 ORDER BY id LIMIT 1"
        # Reading takes no lock; only a queue with a message in it is written to.
        if messages.execute(pending, (queue_id,)).fetchone() is None:
            raise Empty()
        taken = messages.execute(
            f"DELETE FROM {table} WHERE id = ({pending}) RETURNING payload", (queue_id,)
        ).fetchone()
        if taken is None:  # another worker took it first
            raise Empty()
        return json.loads(bytes_to_str(taken[0]))

    def close(self) -> None:
        connection = getattr(self._connections, "value", None)
        if connection is not None:
            connection.close()
            self._connections.value = None
        super().close()


class Transport(sqla.Transport):
    Channel = Channel
    polling_interval = 0.05


TRANSPORT_ALIASES.setdefault(ALIAS, "ocop_kit.broker:Transport")
