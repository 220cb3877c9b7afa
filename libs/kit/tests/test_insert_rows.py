"""`insert_rows`, the kit's bulk insert (COPY on PostgreSQL, executemany on SQLite): it stores
what an ordinary INSERT of the same rows stores, and a refused row fails the whole call."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ocop_kit.db import JSONType, UTCDateTime, insert_rows, make_engine, new_id, upsert_rows


def _table(name: str, metadata: MetaData) -> Table:
    return Table(
        name,
        metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("id", String(36), unique=True, default=new_id),
        Column("name", String(50), nullable=False),
        Column("tags", JSONType, default=list),
        Column("before", JSONType, default=None),
        Column("current", Boolean, default=True),
        Column("at", UTCDateTime, default=datetime(2025, 7, 1, tzinfo=UTC)),
    )


METADATA = MetaData()
BULK = _table("bulk", METADATA)
PLAIN = _table("plain", METADATA)
ROWS: list[dict[str, Any]] = [
    {"name": "Gạo tám Hải Hậu", "tags": ["VietGAP", "OCOP 4★"], "before": {"giá": 45000}},
    {"name": "Nước mắm Giao Châu", "before": None, "current": False},
    {"name": 'Chè "Tân Cương"\tloại 1\\2\nmới', "tags": [], "id": "given-id"},
    {"name": "Mật ong", "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)},
]


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'kit.db'}"
    engine = make_engine(url)
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


def _stored(session: Session, table: Table) -> list[tuple[Any, ...]]:
    c = table.c
    # JSON `null` and SQL NULL read back alike; `before IS NULL` tells them apart.
    query = select(c.name, c.tags, c.before, c.before.is_(None), c.current, c.at).order_by(c.seq)
    return [tuple(row) for row in session.execute(query)]


def test_bulk_rows_are_stored_as_an_insert_stores_them(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        insert_rows(session, BULK, ROWS)
        # An ordinary INSERT takes one set of columns; one statement a row does.
        for row in ROWS:
            session.execute(insert(PLAIN), [row])
    with Session(engine) as session:
        assert _stored(session, BULK) == _stored(session, PLAIN)
        ids = session.scalars(select(BULK.c.id).order_by(BULK.c.seq)).all()
    assert ids[2] == "given-id"
    assert len(set(ids)) == 4 and all(len(i) == 36 for i in ids if i != "given-id")


def test_a_refused_row_fails_the_whole_call_and_writes_nothing(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        insert_rows(session, BULK, [{"name": "Gạo", "id": "taken"}])
    with Session(engine) as session, session.begin():
        with pytest.raises(IntegrityError), session.begin_nested():
            insert_rows(
                session, BULK, [{"name": "Chè", "id": "free"}, {"name": "Mắm", "id": "taken"}]
            )
        # The transaction goes on after the savepoint; the refused call left nothing.
        insert_rows(session, BULK, [{"name": "Mật ong"}])
    with Session(engine) as session:
        names = session.scalars(select(BULK.c.name).order_by(BULK.c.seq)).all()
        assert names == ["Gạo", "Mật ong"]
        assert session.scalar(select(func.count()).select_from(BULK)) == 2


def test_no_rows_is_no_statement(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        insert_rows(session, BULK, [])
        assert session.scalar(select(func.count()).select_from(BULK)) == 0


def test_upsert_inserts_new_rows_and_updates_only_the_named_columns_of_known_ones(
    engine: Engine,
) -> None:
    c = BULK.c
    with Session(engine) as session, session.begin():
        insert_rows(session, BULK, [{"name": "Gạo", "id": "known", "tags": ["cũ"]}])
        upsert_rows(
            session,
            BULK,
            [
                {"id": "known", "name": "Gạo tám", "tags": ["mới"]},
                {"id": "new", "name": "Chè", "tags": []},
            ],
            key=["id"],
            update=["tags"],
        )
        # Without columns to update a known key is left as it is.
        upsert_rows(session, BULK, [{"id": "new", "name": "Mắm", "tags": ["x"]}], key=["id"])
    with Session(engine) as session:
        rows = session.execute(select(c.id, c.name, c.tags).order_by(c.id)).all()
    assert [tuple(row) for row in rows] == [("known", "Gạo", ["mới"]), ("new", "Chè", [])]
