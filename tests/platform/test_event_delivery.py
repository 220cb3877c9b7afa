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
from sqlalchemy import select, update

from ocop_contracts import Ping
from ocop_kit.celery_app import make_celery
from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.outbox import publish, relay_once
from ocop_kit.service_cli import migrations_dir
from ocop_kit.settings import KitSettings
from ocop_kit.tables import OutboxEvent, ProcessedEvent
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
