"""The real worker learns a product from an event on Redis; the decision on it leaves through the
outbox relay for the registry's queue. Real processes, PostgreSQL and Redis, no mocks."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from evaluation_factories import FIVE_MEMBERS, Api, full_scores, snapshot
from fastapi.testclient import TestClient
from sqlalchemy import select

from ocop_contracts import ProductChanged, event_task, events_task, queue_for
from ocop_evaluation.app import create_app
from ocop_evaluation.products.models import KnownProduct
from ocop_evaluation.settings import Settings
from ocop_kit.celery_app import make_celery
from ocop_kit.db import ServiceDatabase
from ocop_kit.redelivery import batch_bodies
from ocop_kit.tables import OutboxEvent
from ocop_kit.testing import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


class Process:
    def __init__(self, argv: list[str], settings: Settings, name: str) -> None:
        self.log = Path(settings.data_dir) / f"{name}.log"
        env = {
            **os.environ,
            "OCOP_DATA_DIR": str(settings.data_dir),
            "OCOP_DATABASE_URL": str(settings.database_url),
            "OCOP_BROKER_URL": str(settings.broker_url),
        }
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def settings(postgres_url: str, redis_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=postgres_url, broker_url=redis_url)


@pytest.fixture
def worker(settings: Settings) -> Iterator[Process]:
    process = Process([sys.executable, "-m", "ocop_evaluation", "worker"], settings, "worker")
    try:
        wait_for(lambda: "ready." in process.text(), timeout=90, message="the evaluation worker")
        yield process
    finally:
        process.stop()


def registry_queue_events(redis_url: str) -> list[dict]:
    """The event bodies waiting on the registry's queue, in batches (kombu keeps each message as
    JSON)."""
    client = redis.Redis.from_url(redis_url)
    events = []
    for raw in client.lrange(queue_for("registry"), 0, -1):
        message = json.loads(raw)
        assert message["headers"]["task"] == events_task("registry")
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args, _kwargs, _embed = json.loads(body)
        events.extend(batch_bodies(args[0]))
    client.close()
    return events


def test_worker_learns_a_product_and_the_decision_reaches_the_registry_queue(settings, worker):
    db = ServiceDatabase("evaluation", settings)
    product = snapshot("p-trip", province_code="25", group="do_uong.ruou")
    event = ProductChanged(aggregate_id=product.id, version=3, payload=product)
    celery = make_celery("test-sender", settings)
    celery.send_task(
        event_task("evaluation"),
        args=[event.model_dump(mode="json")],
        queue=queue_for("evaluation"),
    )

    def known() -> KnownProduct | None:
        with db.session() as s:
            return s.get(KnownProduct, "p-trip")

    wait_for(known, timeout=30, message="the worker to store the product")
    assert known().group == "do_uong.ruou"  # type: ignore[union-attr]

    with TestClient(create_app(settings)) as client:
        api = Api(client)
        officer = api.as_("province_officer", province_code="25")
        session = officer.post(
            "/v1/sessions",
            json={"level": "provincial", "province_code": "25", "members": FIVE_MEMBERS},
        ).json()
        application = officer.post(
            f"/v1/sessions/{session['id']}/applications", json={"product_id": "p-trip"}
        )
        assert application.status_code == 201, application.text
        aid = application.json()["id"]
        base = f"/v1/sessions/{session['id']}/applications/{aid}"
        criteria = officer.get(base).json()["criteria"]
        for member in session["members"]:
            if member["role"] != "secretary":
                put = api.member(member["id"]).put(
                    f"{base}/scores/{member['id']}", json={"scores": full_scores(criteria, 66)}
                )
                assert put.status_code == 200, put.text
        decision = officer.post(f"{base}/decision").json()
        assert (decision["stars"], decision["outcome"]) == (3, "recognised")

    relay = Process([sys.executable, "-m", "ocop_kit.relay", "evaluation"], settings, "relay")
    try:

        def relayed() -> bool:
            with db.session() as s:
                rows = s.scalars(select(OutboxEvent)).all()
                return bool(rows) and all(r.sent_at is not None for r in rows)

        wait_for(relayed, timeout=30, message="the relay to send the decision")
    finally:
        relay.stop()
    [sent] = registry_queue_events(str(settings.broker_url))
    assert sent["type"] == "evaluation.decided"
    assert sent["aggregate_id"] == aid and sent["version"] == 1
    assert sent["payload"]["outcome"] == "recognised" and sent["payload"]["stars"] == 3
    assert len(sent["payload"]["sheets"]) == 5
    db.dispose()
