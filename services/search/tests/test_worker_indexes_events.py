"""The real search worker (a subprocess on Redis and PostgreSQL) indexes products from events
sent exactly as the outbox relay sends them, in batches, also after a crash, and runs the full
reindex task."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from search_export_server import ExportServer, export_server
from search_factories import snapshot
from sqlalchemy import func, select

from ocop_contracts import (
    CertificateIssued,
    CertificateRevoked,
    EventBase,
    ProductChanged,
    event_task,
    queue_for,
)
from ocop_kit.celery_app import make_celery
from ocop_kit.consumer import EventHandlers, consume
from ocop_kit.db import ServiceDatabase
from ocop_kit.settings import KitSettings
from ocop_kit.testing import wait_for
from ocop_search.consumers import queue_products
from ocop_search.engines.base import SearchQuery
from ocop_search.engines.tantivy_engine import TantivyEngine
from ocop_search.models import QueuedProduct
from ocop_search.settings import Settings

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def registry() -> Iterator[ExportServer]:
    products = [(snapshot("Chè Tân Cương", id="x1"), 5), (snapshot("Miến dong", id="x2"), 5)]
    with export_server(products) as server:
        yield server


StartWorker = Callable[[], subprocess.Popen[bytes]]


@pytest.fixture
def start_worker(
    tmp_path: Path, postgres_url: str, redis_url: str, registry: ExportServer
) -> Iterator[StartWorker]:
    """Starts a worker process (logging to worker-<n>.log); all are stopped after the test."""
    env = {
        **os.environ,
        "OCOP_DATA_DIR": str(tmp_path),
        "OCOP_DATABASE_URL": postgres_url,
        "OCOP_BROKER_URL": redis_url,
        "OCOP_REGISTRY_URL": registry.url,
    }
    env.pop("MEILI_URL", None)
    processes: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        with (tmp_path / f"worker-{len(processes) + 1}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "ocop_search", "worker"], env=env, stdout=log, stderr=log
            )
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def worker(start_worker: StartWorker, tmp_path: Path) -> Path:
    start_worker()
    return tmp_path


def batches(log: Path) -> list[int]:
    """How many products each batch the worker logged applied, in order."""
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [line["products"] for line in lines if line["message"] == "indexed a batch"]


def send_like_the_relay(redis_url: str, event: EventBase) -> None:
    celery = make_celery("relay", KitSettings(broker_url=redis_url))
    celery.send_task(
        event_task("search"),
        args=[event.model_dump(mode="json")],
        queue=queue_for("search"),
        task_id=f"{event.id}:search",
    )


def found(reader: TantivyEngine, q: str) -> list[str]:
    return [h["name"] for h in reader.search(SearchQuery(q=q)).hits]


def test_worker_follows_certificate_events_and_reindexes(
    worker: Path, redis_url: str, registry: ExportServer
) -> None:
    # The worker opens (creates) the index when it starts, before any event.
    wait_for(lambda: (worker / "search" / "CURRENT").exists(), timeout=90, message="the index")
    reader = TantivyEngine(worker / "search", writer=False)
    issued = CertificateIssued(
        aggregate_id="a1", version=1, payload=snapshot("Nước mắm Lê Gia", id="a1")
    )
    send_like_the_relay(redis_url, issued)
    wait_for(
        lambda: found(reader, "nuoc mam le gia"),
        timeout=90,
        message=f"the worker to index its first product (log: {worker / 'worker-1.log'})",
    )

    # Certified → searchable: measured on ten products once the worker runs.
    latencies = []
    for n in range(10):
        event = CertificateIssued(
            aggregate_id=f"b{n}", version=1, payload=snapshot(f"Gạo tám thơm lô{n}", id=f"b{n}")
        )
        started = time.perf_counter()
        send_like_the_relay(redis_url, event)
        wait_for(lambda n=n: found(reader, f"lo{n}"), timeout=10, interval=0.01)
        latencies.append(time.perf_counter() - started)
    print(
        f"certified → searchable on Redis: median {statistics.median(latencies) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} products"
    )
    assert statistics.median(latencies) < 2.0

    # An import's burst: each product is announced as a draft, then certified.
    before = len(batches(worker / "worker-1.log"))
    for n in range(100):
        draft = snapshot(f"Mật ong bạc hà tổ{n}", id=f"c{n}", stars=None)
        send_like_the_relay(
            redis_url, ProductChanged(aggregate_id=f"c{n}", version=1, payload=draft)
        )
        send_like_the_relay(
            redis_url,
            CertificateIssued(
                aggregate_id=f"c{n}",
                version=2,
                payload=snapshot(f"Mật ong bạc hà tổ{n}", id=f"c{n}"),
            ),
        )
    wait_for(lambda: reader.count() == 111, timeout=60, message="all 100 of the burst indexed")
    assert found(reader, "mat ong bac ha to99") == ["Mật ong bạc hà tổ99"]
    burst = batches(worker / "worker-1.log")[before:]
    print(f"a burst of 200 events for 100 products: {len(burst)} batches, largest {max(burst)}")

    revoked = CertificateRevoked(
        aggregate_id="a1",
        version=2,
        payload=snapshot("Nước mắm Lê Gia", id="a1", status="revoked"),
    )
    send_like_the_relay(redis_url, revoked)
    wait_for(lambda: not found(reader, "le gia"), timeout=10, message="the revoked product gone")

    # A late, older event must not bring it back; a marker event proves the worker got past it.
    late: Any = CertificateIssued(
        aggregate_id="a1", version=1, payload=snapshot("Nước mắm Lê Gia", id="a1")
    )
    send_like_the_relay(redis_url, late)
    marker = CertificateIssued(aggregate_id="m1", version=1, payload=snapshot("Tương Bần", id="m1"))
    send_like_the_relay(redis_url, marker)
    wait_for(lambda: found(reader, "tuong ban"), timeout=10, message="the marker product")
    assert not found(reader, "le gia")

    # The full reindex runs in the worker and swaps in the registry's export.
    make_celery("relay", KitSettings(broker_url=redis_url)).send_task(
        "ocop.search.reindex", queue="search"
    )
    wait_for(lambda: reader.count() == 2, timeout=30, message="the reindexed index")
    assert sorted(found(reader, "")) == ["Chè Tân Cương", "Miến dong"]
    assert registry.requests


def test_a_worker_restarted_after_a_crash_indexes_what_was_left_queued(
    start_worker: StartWorker, tmp_path: Path, postgres_url: str
) -> None:
    crashed = start_worker()
    wait_for(lambda: (tmp_path / "search" / "CURRENT").exists(), timeout=90, message="the index")
    crashed.kill()
    crashed.wait(timeout=20)

    # What a worker that died after consuming events, before indexing them, leaves behind: the
    # events are recorded as consumed and their products queued, in one transaction each.
    db = ServiceDatabase("search", Settings(database_url=postgres_url, data_dir=tmp_path))
    handlers = EventHandlers()
    handlers.on_batch("certificate.issued", "certificate.revoked")(queue_products)
    for n in range(150):
        event = CertificateIssued(
            aggregate_id=f"q{n}",
            version=1,
            payload=snapshot(f"Gạo nếp cái hoa vàng lô{n}", id=f"q{n}"),
        )
        assert consume(db, event, handlers) == "applied"

    start_worker()
    reader = TantivyEngine(tmp_path / "search", writer=False)
    wait_for(lambda: reader.count() == 150, timeout=90, message="the queued products indexed")

    def queue_length() -> int:
        with db.session() as session:
            return session.scalar(select(func.count()).select_from(QueuedProduct)) or 0

    # The rows go once the batch's transaction commits, just after the index's.
    wait_for(lambda: queue_length() == 0, timeout=30, message="the queue emptied")
    # The whole backlog went in as one batch: one index commit.
    assert batches(tmp_path / "worker-2.log") == [150]
    db.dispose()
