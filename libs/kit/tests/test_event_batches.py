"""Events consumed in batches: once each, newest version wins, and a poison event sinks only
itself (on SQLite and PostgreSQL; the worker tests on the embedded broker and on Redis)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from redis import Redis
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ocop_contracts import Ping, event_task, events_task
from ocop_kit.celery_app import make_celery
from ocop_kit.consumer import EventHandlers, consume, consume_batch, register_event_consumer
from ocop_kit.db import KitBase, ServiceDatabase
from ocop_kit.outbox import publish_many, relay_once
from ocop_kit.redelivery import LEDGER, batch_bodies, batch_text, delivery_id
from ocop_kit.settings import KitSettings
from ocop_kit.tables import AggregateVersion, DeadLetter, ProcessedEvent
from ocop_kit.testing import wait_for

SERVICE = "search"  # Pings are routed to every service; the kit's tables are all these need.


def _database(settings: KitSettings, service: str = SERVICE) -> ServiceDatabase:
    db = ServiceDatabase(service, settings)
    if db.schema:
        with db.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{db.schema}"'))
    KitBase.metadata.create_all(db.engine)
    return db


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServiceDatabase]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    database = _database(KitSettings(data_dir=tmp_path, database_url=url))
    yield database
    database.dispose()


class Recorder:
    """Handlers that record what they were given; a ping for aggregate "poison" fails."""

    def __init__(self) -> None:
        self.handlers = EventHandlers()
        self.single: list[tuple[str, int]] = []
        self.batches: list[list[str]] = []
        self.handlers.on("system.ping")(self.on_ping)
        self.handlers.on_batch("system.ping")(self.on_pings)

    def on_ping(self, session: Session, event: Ping) -> None:
        if event.aggregate_id == "poison":
            raise RuntimeError("this event cannot be applied")
        self.single.append((event.aggregate_id, event.version))

    def on_pings(self, session: Session, events: list[Ping]) -> None:
        self.batches.append([event.id for event in events])


def outcomes(db: ServiceDatabase) -> dict[str, str]:
    with db.session() as session:
        return {r.event_id: r.outcome for r in session.scalars(select(ProcessedEvent))}


def versions(db: ServiceDatabase) -> dict[str, int]:
    with db.session() as session:
        return {r.aggregate_id: r.version for r in session.scalars(select(AggregateVersion))}


def test_a_batch_is_applied_once_with_the_newest_version_of_each_aggregate_winning(db):
    recorder = Recorder()
    a1, a3, a2 = (Ping(aggregate_id="a", version=v) for v in (1, 3, 2))
    b1 = Ping(aggregate_id="b", version=1)
    earlier = Ping(aggregate_id="c", version=5)
    assert consume(db, earlier, recorder.handlers) == "applied"
    c4 = Ping(aggregate_id="c", version=4)

    result = consume_batch(db, [a1, b1, a3, a2, b1, earlier, c4], recorder.handlers)

    assert result == ["stale", "applied", "applied", "stale", "duplicate", "duplicate", "stale"]
    assert recorder.single == [("c", 5), ("b", 1), ("a", 3)]
    assert recorder.batches == [[earlier.id], [b1.id, a3.id]]  # one call for the whole batch
    assert versions(db) == {"a": 3, "b": 1, "c": 5}
    recorded = outcomes(db)
    assert recorded[a1.id] == "stale" and recorded[a2.id] == "stale" and recorded[c4.id] == "stale"
    assert recorded[b1.id] == "applied" and recorded[a3.id] == "applied"
    # The same batch again changes nothing.
    assert set(consume_batch(db, [a1, b1, a3], recorder.handlers)) == {"duplicate"}
    assert versions(db) == {"a": 3, "b": 1, "c": 5}


def test_a_failing_batch_changes_nothing(db):
    recorder = Recorder()
    good, poison = Ping(aggregate_id="good", version=1), Ping(aggregate_id="poison", version=1)
    with pytest.raises(RuntimeError):
        consume_batch(db, [good, poison], recorder.handlers)
    assert outcomes(db) == {} and versions(db) == {}


@pytest.fixture(params=["embedded", "redis"])
def broker_settings(request: pytest.FixtureRequest, tmp_path: Path) -> KitSettings:
    if request.param == "embedded":
        return KitSettings(data_dir=tmp_path)
    return KitSettings(
        data_dir=tmp_path,
        broker_url=request.getfixturevalue("redis_url"),
        database_url=request.getfixturevalue("postgres_url"),
    )


def test_a_poison_event_is_retried_and_dead_lettered_alone_while_its_batch_is_applied(
    broker_settings: KitSettings,
):
    db = _database(broker_settings)
    publisher = _database(broker_settings, "registry")
    recorder = Recorder()
    celery = make_celery(SERVICE, broker_settings, db)
    register_event_consumer(celery, db, recorder.handlers, SERVICE)
    single = celery.tasks[event_task(SERVICE)]
    single.max_retries, single.retry_jitter = 1, False  # one retry, a second later
    events = [Ping(aggregate_id=f"p{n}", version=1) for n in range(20)]
    poison = Ping(aggregate_id="poison", version=1)
    events.insert(7, poison)
    with publisher.session() as session:
        publish_many(session, events)
    relay = make_celery("relay", broker_settings)
    assert relay_once(publisher, relay) == len(events)

    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        wait_for(lambda: _dead_letters(db), timeout=60, message="the poison event dead-lettered")
    recorded = outcomes(db)
    assert all(recorded.get(e.id) == "applied" for e in events if e is not poison)
    assert poison.id not in recorded
    [letter] = _dead_letters(db)
    # Dead-lettered alone, as a one-event task: a replay sends that event only.
    assert letter.task_name == event_task(SERVICE) and letter.args[0]["id"] == poison.id
    assert letter.task_id == delivery_id(poison.id, SERVICE)
    assert "cannot be applied" in letter.error
    # (The handlers ran twice for the good events: the failed batch's transaction rolled back.)
    if broker_settings.broker_url:
        # Every delivery to this consumer confirmed: the applied ones by their batch, the poison
        # once dead-lettered. (Pings go to every service; only this one consumed them.)
        ledger = Redis.from_url(broker_settings.broker_url)
        assert all(ledger.zscore(LEDGER, delivery_id(e.id, SERVICE)) is None for e in events)
        assert ledger.zscore(LEDGER, delivery_id(poison.id, "registry")) is not None
    db.dispose()
    publisher.dispose()


def test_a_malformed_event_in_a_batch_is_dead_lettered_alone_and_the_others_applied(
    db: ServiceDatabase, tmp_path: Path
):
    recorder = Recorder()
    celery = make_celery(SERVICE, KitSettings(data_dir=tmp_path), db)
    receive_events = register_event_consumer(celery, db, recorder.handlers, SERVICE)
    good = [Ping(aggregate_id=f"g{n}", version=1) for n in range(3)]
    bodies = [e.model_dump(mode="json") for e in good]
    bodies.insert(1, {"id": "bad-1", "type": "system.ping", "aggregate_id": "x", "version": 0})
    assert receive_events(batch_text([json.dumps(b) for b in bodies])) == {"applied": 3}
    assert outcomes(db) == {e.id: "applied" for e in good}
    [letter] = _dead_letters(db)
    assert letter.task_name == event_task(SERVICE) and letter.args == [bodies[1]]
    assert letter.task_id == delivery_id("bad-1", SERVICE) and "malformed event" in letter.error
    # The same batch as a list of bodies (as relays sent it before) is applied alike.
    again = [Ping(aggregate_id=f"h{n}", version=1) for n in range(2)]
    assert receive_events([e.model_dump(mode="json") for e in again]) == {"applied": 2}
    assert all(outcomes(db)[e.id] == "applied" for e in again)


def _dead_letters(db: ServiceDatabase) -> list[DeadLetter]:
    with db.session() as session:
        return list(session.scalars(select(DeadLetter)))


def test_the_relay_sends_a_consumer_its_events_in_batches_in_outbox_order(
    tmp_path: Path, redis_url: str, postgres_url: str
):
    settings = KitSettings(data_dir=tmp_path, broker_url=redis_url, database_url=postgres_url)
    publisher = _database(settings, "registry")
    events = [Ping(aggregate_id=f"order-{n}", version=1) for n in range(600)]
    with publisher.session() as session:
        publish_many(session, events)
    relay = make_celery("relay", settings)
    while relay_once(publisher, relay):
        pass
    # Kombu's Redis transport pushes on the left: the oldest message is the last element.
    messages = [json.loads(m) for m in reversed(Redis.from_url(redis_url).lrange("search", 0, -1))]
    assert {m["headers"]["task"] for m in messages} == {events_task("search")}
    # Each task carries its events as one JSON array in text, validated in one pass.
    texts = [json.loads(base64.b64decode(m["body"]))[0][0] for m in messages]
    assert all(isinstance(t, str) for t in texts)
    batches = [batch_bodies(t) for t in texts]
    assert [len(bodies) for bodies in batches] == [250, 250, 100]
    assert [body["id"] for bodies in batches for body in bodies] == [e.id for e in events]
    publisher.dispose()
