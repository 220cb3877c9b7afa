"""The embedded broker: kombu's SQLAlchemy transport on a SQLite file, polled quickly.

kombu's own `sqla` transport hands every transport option to `create_engine`, so it cannot take a
polling interval; this subclass keeps the engine options to itself. URL: `ocop-sqlite+sqlite:///…`.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import sqlalchemy as sqla
from sqlalchemy import create_engine, event

ALIAS = "ocopsqlite"


class Channel(sqla.Channel):
    def _engine_from_config(self) -> Any:
        url = str(self.connection.client.hostname)  # type: ignore[union-attr]
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA busy_timeout=30000")

        return engine


class Transport(sqla.Transport):
    Channel = Channel
    polling_interval = 0.05


TRANSPORT_ALIASES.setdefault(ALIAS, "ocop_kit.broker:Transport")
