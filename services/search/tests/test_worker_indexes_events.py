"""The real search worker (a subprocess on Redis and PostgreSQL) indexes products from events
sent exactly as the outbox relay sends them, and runs the full reindex task."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from search_export_server import ExportServer, export_server
from search_factories import snapshot

from ocop_contracts import (
    CertificateIssued,
    CertificateRevoked,
    EventBase,
    event_task,
    queue_for,
)
from ocop_kit.celery_app import make_celery
from ocop_kit.settings import KitSettings
from ocop_kit.testing import wait_for
from ocop_search.engines.base import SearchQuery
from ocop_search.engines.tantivy_engine import TantivyEngine

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def registry() -> Iterator[ExportServer]:
    products = [(snapshot("Chè Tân Cương", id="x1"), 5), (snapshot("Miến dong", id="x2"), 5)]
    with export_server(products) as server:
        yield server


@pytest.fixture
def worker(
    tmp_path: Path, postgres_url: str, redis_url: str, registry: ExportServer
) -> Iterator[Path]:
    env = {
        **os.environ,
        "OCOP_DATA_DIR": str(tmp_path),
        "OCOP_DATABASE_URL": postgres_url,
        "OCOP_BROKER_URL": redis_url,
        "OCOP_REGISTRY_URL": registry.url,
    }
    env.pop("MEILI_URL", None)
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "ocop_search", "worker"], env=env, stdout=log, stderr=log
    )
    try:
        yield tmp_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


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
        message=f"the worker to index its first product (log: {worker / 'worker.log'})",
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
