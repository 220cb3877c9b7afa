"""Database: one engine and session factory per service, the kit's own tables, migrations."""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from itertools import groupby
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    Engine,
    MetaData,
    Table,
    create_engine,
    event,
    insert,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator
from uuid_utils import uuid7

from ocop_kit.settings import KitSettings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A time-ordered UUID (version 7) as text: sorts by creation, safe for cursors.

    From the maintained `uuid-utils` (Rust), faster than formatting one by hand (bulk imports
    make millions; figures in bench/import/README.md)."""
    return str(uuid7())


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


JSONType = JSON().with_variant(JSONB(), "postgresql")


class KitBase(DeclarativeBase):
    """Declarative base of the kit's own tables (outbox, inbox, history, dead letters, ...).

    Every service database holds these tables next to its own; a service's Alembic environment
    migrates both `KitBase.metadata` and its own metadata.
    """

    metadata = MetaData(naming_convention=NAMING)


def service_metadata() -> MetaData:
    """A fresh MetaData with the project's constraint naming convention, for a service's Base."""
    return MetaData(naming_convention=NAMING)


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows, in order, in the session's transaction: COPY on PostgreSQL, executemany
    elsewhere. For bulk writes such as sheet imports, where an ORM object a row and SQLAlchemy's
    per-row parameter handling cost most of the CPU.

    Stores what an INSERT of each row would: a column a row leaves out takes its Python-side
    default, or the database's (NULL, an auto-increment key)."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy_rows(connection, table, rows)
        return
    # One executemany takes one set of columns; runs of rows that give the same ones.
    for _, run in groupby(rows, key=lambda row: row.keys()):
        session.execute(insert(table), list(run))


def upsert_rows(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    key: Sequence[str],
    update: Sequence[str] = (),
) -> None:
    """Insert rows; a row whose `key` columns match an existing row updates its `update`
    columns instead (or is skipped when there are none). A key appears once; every row gives
    the same columns.

    One statement run for many rows (executemany): SQLAlchemy compiles it once, where a
    statement with a VALUES row for each row is compiled again at every call (three to four
    times the CPU for batches of 250, on SQLite and PostgreSQL alike)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert_ = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_(table)
    if update:
        statement = statement.on_conflict_do_update(
            index_elements=list(key), set_={c: statement.excluded[c] for c in update}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(key))
    session.execute(statement, list(rows))


def _copy_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    from psycopg import Error, sql

    given = set().union(*rows)
    dialect = connection.dialect
    # The columns COPY fills, each with its Python-side default and its bind processing.
    fields = []
    for column in table.columns:
        default = _python_default(column)
        if column.key in given or default is not None:
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
            fields.append((column, default, process))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(*filter(None, (table.schema, table.name))),
        sql.SQL(", ").join(sql.Identifier(column.name) for column, _, _ in fields),
    )
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                record: list[Any] = []
                for column, default, process in fields:
                    if column.key in row:
                        value = row[column.key]
                    elif default is not None:
                        value = default()
                    else:
                        record.append(None)  # what the database gives a column left out
                        continue
                    record.append(value if process is None else process(value))
                copy.write_row(record)
    except Error as exc:
        # Raised as SQLAlchemy raises a refused statement (IntegrityError and so on), so callers
        # handle a refused COPY like any refused INSERT.
        raise DBAPIError.instance(
            statement.as_string(driver), None, exc, Error, dialect=dialect
        ) from exc


def _python_default(column: Column[Any]) -> Callable[[], Any] | None:
    """The column's Python-side default as a function of nothing, if it has one."""
    default = column.default
    if default is not None and default.is_callable:
        # SQLAlchemy wraps a callable default to take an execution context; ours ignore it.
        return partial(default.arg, None)  # type: ignore[attr-defined]
    if default is not None and default.is_scalar:
        value = default.arg  # type: ignore[attr-defined]
        return lambda: value
    return None


class ServiceDatabase:
    """The engine and session factory of one service's own database (or PostgreSQL schema)."""

    def __init__(self, service: str, settings: KitSettings) -> None:
        self.service = service
        self.url = settings.database_url_for(service)
        self.schema = settings.schema_for(service)
        self.engine = make_engine(self.url, self.schema)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def make_engine(url: str, schema: str | None = None) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True, pool_size=10)


@contextmanager
def _migration_lock(db: ServiceDatabase) -> Iterator[None]:
    """Serialise migrations of one service across processes (API and worker start together)."""
    if db.url.startswith("sqlite"):
        lock_path = Path(db.url.removeprefix("sqlite:///") + ".migrate.lock")
        with lock_path.open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    key = zlib.crc32(f"ocop-migrate-{db.schema}".encode())
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()


def run_migrations(db: ServiceDatabase, migrations_dir: Path) -> None:
    """Bring a service's database to the newest revision (creating its schema on PostgreSQL)."""
    with _migration_lock(db):
        if db.schema:
            with db.engine.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{db.schema}"'))
        config = Config()
        config.set_main_option("script_location", str(migrations_dir))
        config.attributes["engine"] = db.engine
        command.upgrade(config, "head")


def alembic_env(target_metadata: list[MetaData]) -> None:
    """The body of every service's `migrations/env.py` (online migrations only)."""
    from alembic import context

    import ocop_kit.tables  # noqa: F401  (registers the kit's tables on KitBase.metadata)

    engine = context.config.attributes.get("engine")
    if engine is None:
        raise RuntimeError("run migrations through ocop_kit.db.run_migrations")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
