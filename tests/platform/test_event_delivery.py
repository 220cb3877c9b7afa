"""Events cross services exactly once: outbox → relay → broker → the consumer's worker.

Runs on both brokers: Redis (with PostgreSQL databases) and the embedded default (SQLite files and
the SQLite-backed kombu transport). Real worker and relay processes, no mocks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from redis import Redis
from sqlalchemy import select, update

from ocop_contracts import Ping, event_task, queue_for
from ocop_kit.celery_app import make_celery
from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.outbox import publish, relay_once
from ocop_kit.redelivery import LEDGER, delivery_id
from ocop_kit.service_cli import migrations_dir
from ocop_kit.settings import KitSettings
from ocop_kit.tables import DeadLetter, OutboxEvent, ProcessedEvent
from ocop_kit.testing import wait_for


@pytest.fixture(params=["embedded", "redis"])
def settings(request, tmp_path) -> KitSettings:
    if request.param == "embedded":
        return KitSettings(data_dir=tmp_path)
    return KitSettings(
        data_dir=tmp_path,
        broker_url=request.getfixturevalue("redis_url"),
        database_url=request.getfixturevalue("postgres_url"),
    )


def environment(settings: KitSettings) -> dict[str, str]:
    env = {**os.environ, "OCOP_DATA_DIR": str(settings.data_dir)}
    for name, value in (
        ("OCOP_BROKER_URL", settings.broker_url),
        ("OCOP_DATABASE_URL", settings.database_url),
    ):
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    return env


class Process:
    def __init__(self, argv: list[str], settings: KitSettings, name: str) -> None:
        self.log = settings.data_dir / f"{name}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                argv, env=environment(settings), stdout=out, stderr=subprocess.STDOUT
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def databases(settings) -> dict[str, ServiceDatabase]:
    dbs = {name: ServiceDatabase(name, settings) for name in ("registry", "search")}
    for name, db in dbs.items():
        run_migrations(db, migrations_dir(f"ocop_{name}"))
    return dbs


@pytest.fixture
def search_worker(settings, databases) -> Iterator[Process]:
    worker = Process([sys.executable, "-m", "ocop_search", "worker"], settings, "search-worker")
    wait_for(lambda: "ready." in worker.text(), timeout=60, message="the search worker")
    yield worker
    worker.stop()


def start_relay(settings: KitSettings) -> Process:
    return Process([sys.executable, "-m", "ocop_kit.relay", "registry"], settings, "relay")


def consumed(db: ServiceDatabase, event_id: str) -> list[ProcessedEvent]:
    with db.session() as session:
        return list(
            session.scalars(select(ProcessedEvent).where(ProcessedEvent.event_id == event_id))
        )


def test_event_committed_by_one_service_is_consumed_once_by_another(
    settings, databases, search_worker
):
    relay = start_relay(settings)
    try:
        event = Ping(aggregate_id="trip-1", version=1)
        with databases["registry"].session() as session:
            publish(session, event)
        wait_for(
            lambda: consumed(databases["search"], event.id),
            timeout=30,
            message="the search worker to consume the event",
        )
        [record] = consumed(databases["search"], event.id)
        assert record.outcome == "applied"
        with databases["registry"].session() as session:
            row = session.scalars(select(OutboxEvent)).one()
            assert row.sent_at is not None
    finally:
        relay.stop()


def test_event_waits_in_the_outbox_while_the_relay_is_down_and_arrives_after_restart(
    settings, databases, search_worker
):
    relay = start_relay(settings)
    wait_for(lambda: "relay started" in relay.text(), timeout=30, message="the relay")
    relay.stop()  # the relay dies before the change is committed
    event = Ping(aggregate_id="trip-2", version=1)
    with databases["registry"].session() as session:
        publish(session, event)
    time.sleep(1.0)
    assert consumed(databases["search"], event.id) == []
    relay = start_relay(settings)
    try:
        wait_for(
            lambda: consumed(databases["search"], event.id),
            timeout=30,
            message="the event to arrive after the relay restarted",
        )
    finally:
        relay.stop()


def test_event_sent_twice_after_a_crash_before_marking_is_applied_once(
    settings, databases, search_worker
):
    celery = make_celery("relay", settings)
    event = Ping(aggregate_id="trip-3", version=1)
    with databases["registry"].session() as session:
        publish(session, event)
    assert relay_once(databases["registry"], celery) == 1
    # The relay published, then died before its "sent" mark was committed: it sends again.
    with databases["registry"].session() as session:
        session.execute(update(OutboxEvent).values(sent_at=None))
    assert relay_once(databases["registry"], celery) == 1
    wait_for(
        lambda: search_worker.text().count("event duplicate") >= 1,
        timeout=30,
        message="the second delivery to be recognised as a duplicate",
    )
    [record] = consumed(databases["search"], event.id)
    assert record.outcome == "applied"
    assert search_worker.text().count('"message": "event applied"') == 1


def test_event_lost_by_redis_after_sending_is_sent_again_and_applied_once(
    redis_url, postgres_url, tmp_path, monkeypatch
):
    # Kombu takes a message off the queue and records it as unacknowledged in two steps; Redis
    # or the worker dying in between loses it. Here the queue is emptied after sending.
    monkeypatch.setenv("OCOP_VISIBILITY_TIMEOUT_SECONDS", "2")
    settings = KitSettings(data_dir=tmp_path, broker_url=redis_url, database_url=postgres_url)
    dbs = {name: ServiceDatabase(name, settings) for name in ("registry", "search")}
    for name, db in dbs.items():
        run_migrations(db, migrations_dir(f"ocop_{name}"))
    event = Ping(aggregate_id="lost-1", version=1)
    with dbs["registry"].session() as session:
        publish(session, event)
    celery = make_celery("relay", settings)
    assert relay_once(dbs["registry"], celery) == 1
    broker = Redis.from_url(redis_url)
    assert broker.delete(queue_for("search")) == 1
    search_delivery = delivery_id(event.id, "search")
    assert broker.zscore(LEDGER, search_delivery) is not None

    worker = Process([sys.executable, "-m", "ocop_search", "worker"], settings, "search-worker")
    relay = start_relay(settings)
    try:
        wait_for(
            lambda: consumed(dbs["search"], event.id),
            timeout=30,
            message="the lost event to be sent again and consumed",
        )
        wait_for(
            lambda: broker.zscore(LEDGER, search_delivery) is None,
            timeout=10,
            message="the delivery confirmed",
        )
        assert "events sent again" in relay.text()
        # (A slow machine may send it once more while the worker handles it: a duplicate then.)
        duplicates = worker.text().count("event duplicate")
        time.sleep(5)  # two more redelivery periods: a confirmed delivery is not sent again
        assert worker.text().count("event duplicate") == duplicates
        assert [r.outcome for r in consumed(dbs["search"], event.id)] == ["applied"]
    finally:
        relay.stop()
        worker.stop()


def test_dead_lettered_delivery_is_confirmed_so_it_is_not_sent_again(
    redis_url, postgres_url, tmp_path
):
    settings = KitSettings(data_dir=tmp_path, broker_url=redis_url, database_url=postgres_url)
    search = ServiceDatabase("search", settings)
    run_migrations(search, migrations_dir("ocop_search"))
    worker = Process([sys.executable, "-m", "ocop_search", "worker"], settings, "search-worker")
    try:
        wait_for(lambda: "ready." in worker.text(), timeout=60, message="the search worker")
        broker = Redis.from_url(redis_url)
        delivery = delivery_id("malformed-1", "search")
        broker.zadd(LEDGER, {delivery: time.time()})
        make_celery("relay", settings).send_task(
            event_task("search"),
            args=[{"type": "no.such.event"}],
            queue=queue_for("search"),
            task_id=delivery,
        )
        wait_for(
            lambda: broker.zscore(LEDGER, delivery) is None,
            timeout=30,
            message="the dead-lettered delivery confirmed",
        )
        with search.session() as session:
            assert [d.task_id for d in session.scalars(select(DeadLetter))] == [delivery]
    finally:
        worker.stop()


def test_older_version_of_an_aggregate_is_ignored(settings, databases, search_worker):
    celery = make_celery("relay", settings)
    newer, older = Ping(aggregate_id="agg", version=2), Ping(aggregate_id="agg", version=1)
    for event in (newer, older):
        with databases["registry"].session() as session:
            publish(session, event)
        relay_once(databases["registry"], celery)
        wait_for(
            lambda e=event: consumed(databases["search"], e.id),
            timeout=30,
            message="the event to be consumed",
        )
    assert consumed(databases["search"], newer.id)[0].outcome == "applied"
    assert consumed(databases["search"], older.id)[0].outcome == "stale"


def test_whole_system_starts_healthy_with_one_command(tmp_path):
    from ocop_kit.testing import start_system

    with start_system(tmp_path / "system") as system:
        for service in ("portal", "registry", "evaluation", "marketplace_sync", "search"):
            with system.client(service) as client:
                assert client.get("/healthz").json()["status"] == "ok"
        out = (tmp_path / "system" / "ocop-up.out").read_text()
        assert "is ready" in out
    assert "Stopped." in (tmp_path / "system" / "ocop-up.out").read_text()
