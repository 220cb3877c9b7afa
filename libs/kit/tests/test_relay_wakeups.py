"""The relay looks at a PostgreSQL outbox when a commit there notified it, and once a second
whatever it heard; a lost listening connection makes it poll until it is back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from ocop_contracts import Ping
from ocop_kit import outbox
from ocop_kit.celery_app import make_celery
from ocop_kit.db import KitBase, ServiceDatabase, utc_now
from ocop_kit.outbox import Listener, NotifyWatch, publish, publish_many
from ocop_kit.settings import KitSettings
from ocop_kit.tables import OutboxEvent
from ocop_kit.testing import wait_for


@pytest.fixture
def settings(tmp_path: Path, redis_url: str, postgres_url: str) -> KitSettings:
    return KitSettings(data_dir=tmp_path, broker_url=redis_url, database_url=postgres_url)


@pytest.fixture
def registry(settings: KitSettings) -> Iterator[ServiceDatabase]:
    yield from _database(settings, "registry")


@pytest.fixture
def search(settings: KitSettings) -> Iterator[ServiceDatabase]:
    yield from _database(settings, "search")


def _database(settings: KitSettings, service: str) -> Iterator[ServiceDatabase]:
    db = ServiceDatabase(service, settings)
    with db.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{db.schema}"'))
    KitBase.metadata.create_all(db.engine)
    yield db
    db.dispose()


def _listening(db: ServiceDatabase) -> Listener:
    listener = Listener(db)
    listener.collect()  # connects and listens
    listener.collect()
    assert listener.listening
    return listener


def _heard(listener: Listener, schema: str) -> bool:
    listener.collect()
    return schema in listener.woken


def test_a_commit_notifies_its_schema_and_a_rollback_does_not(
    registry: ServiceDatabase, search: ServiceDatabase
):
    listener = _listening(registry)
    with pytest.raises(RuntimeError), registry.session() as session:
        publish(session, Ping(aggregate_id="undone", version=1))
        raise RuntimeError("the change fails")
    with search.session() as session:
        publish_many(session, [Ping(aggregate_id=f"p{n}", version=1) for n in range(3)])
    wait_for(lambda: _heard(listener, "search"), timeout=5)
    # Notifications arrive in commit order: nothing came from the transaction that failed.
    assert "registry" not in listener.woken
    listener.close()


def test_a_notification_survives_a_rolled_back_savepoint_before_it(registry: ServiceDatabase):
    listener = _listening(registry)
    with registry.session() as session:
        with pytest.raises(RuntimeError), session.begin_nested():
            publish(session, Ping(aggregate_id="refused", version=1))
            raise RuntimeError("this row is refused")
        with session.begin_nested():
            publish(session, Ping(aggregate_id="kept", version=1))
    wait_for(lambda: _heard(listener, "registry"), timeout=5)
    listener.close()


def test_the_relay_sends_what_it_was_told_of_at_once_and_the_unannounced_within_a_second(
    registry: ServiceDatabase, settings: KitSettings, monkeypatch: pytest.MonkeyPatch
):
    celery = make_celery("relay", settings)
    listener = _listening(registry)
    watch = NotifyWatch(registry, listener)
    assert watch.relay_if_written(registry, celery) == 0  # the first look, then quiet
    assert watch.relay_if_written(registry, celery) == 0
    with registry.session() as session:
        publish(session, Ping(aggregate_id="told", version=1))
    wait_for(lambda: _heard(listener, "registry"), timeout=5)
    assert watch.relay_if_written(registry, celery) == 1
    assert watch.relay_if_written(registry, celery) == 0  # after a send, one more look: empty
    # A row written without a notification (as if it was missed) waits for the quiet look.
    _insert_unannounced(registry, "unannounced")
    assert watch.relay_if_written(registry, celery) == 0
    monkeypatch.setattr(outbox, "QUIET_LOOK_SECONDS", 0.0)
    assert watch.relay_if_written(registry, celery) == 1
    listener.close()


def test_a_lost_listening_connection_makes_the_relay_poll_until_it_is_back(
    registry: ServiceDatabase, settings: KitSettings
):
    celery = make_celery("relay", settings)
    listener = _listening(registry)
    watch = NotifyWatch(registry, listener)
    watch.relay_if_written(registry, celery)
    watch.relay_if_written(registry, celery)
    pid = listener._connection.info.backend_pid  # type: ignore[union-attr]
    with psycopg.connect(
        registry.engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    wait_for(lambda: (listener.collect(), not listener.listening)[1], timeout=5)
    _insert_unannounced(registry, "while deaf")
    assert watch.relay_if_written(registry, celery) == 1


def _insert_unannounced(db: ServiceDatabase, aggregate_id: str) -> None:
    event = Ping(aggregate_id=aggregate_id, version=1)
    with db.engine.begin() as conn:
        conn.execute(
            OutboxEvent.__table__.insert(),
            {
                "event_id": event.id,
                "event_type": event.type,
                "aggregate_id": event.aggregate_id,
                "body": event.model_dump(mode="json"),
                "created_at": utc_now(),
            },
        )
