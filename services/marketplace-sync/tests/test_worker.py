"""The real worker process: events arrive on its queue, sync runs follow after the commit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sync_factories import make_product, next_version, with_status

from ocop_contracts import (
    CertificateExpired,
    CertificateIssued,
    EventBase,
    ProductSnapshot,
    event_task,
    queue_for,
)
from ocop_kit.celery_app import make_celery
from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.service_cli import migrations_dir
from ocop_kit.testing import wait_for
from ocop_marketplace_simulator import channel_urls
from ocop_marketplace_sync.listings.models import Listing
from ocop_marketplace_sync.settings import Settings


class Worker:
    """A real `python -m ocop_marketplace_sync worker` on PostgreSQL and Redis."""

    def __init__(self, settings: Settings) -> None:
        self.db = ServiceDatabase("marketplace_sync", settings)
        self.celery = make_celery("marketplace_sync", settings)

    def send(self, event_type: type[EventBase], product: ProductSnapshot) -> None:
        event = event_type(aggregate_id=product.id, version=next_version(), payload=product)
        self.celery.send_task(
            event_task("marketplace_sync"),
            args=[event.model_dump(mode="json")],
            queue=queue_for("marketplace_sync"),
        )

    def statuses(self, channel: str) -> list[str]:
        with self.db.session() as session:
            return list(session.scalars(select(Listing.status).where(Listing.channel == channel)))


@pytest.fixture
def start_worker(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> Iterator[Callable[..., Worker]]:
    """`start_worker(sim_url, rate_limit, OCOP_X="…")`: a running worker, stopped afterwards."""
    settings = Settings(data_dir=tmp_path, database_url=postgres_url, broker_url=redis_url)
    running: list[tuple[subprocess.Popen[bytes], Worker]] = []
    log = (tmp_path / "worker.log").open("wb")

    def start(sim: str, rate_limit: int, **env: str) -> Worker:
        worker = Worker(settings)
        run_migrations(worker.db, migrations_dir("ocop_marketplace_sync"))
        process = subprocess.Popen(
            [sys.executable, "-m", "ocop_marketplace_sync", "worker"],
            env={
                **os.environ,
                "OCOP_DATA_DIR": str(tmp_path),
                "OCOP_DATABASE_URL": postgres_url,
                "OCOP_BROKER_URL": redis_url,
                "OCOP_CHANNEL_BASE_URLS": json.dumps(channel_urls(sim)),
                "OCOP_CHANNEL_RATE_LIMIT_CAP": str(rate_limit),
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        running.append((process, worker))
        return worker

    yield start
    for process, worker in running:
        process.terminate()
        process.wait(timeout=30)
        worker.db.dispose()
    log.close()


def test_worker_lists_certified_products_and_delists_expired_ones(simulator, start_worker):
    sim = simulator(rate_limit=20)
    worker = start_worker(sim, 20)
    products = [make_product(channels=["shopee", "postmart", "voso"]) for _ in range(3)]
    for product in products:
        worker.send(CertificateIssued, product)

    def held() -> list[tuple[str, str]]:
        rows = httpx.get(f"{sim}/_sim/listings").json()
        return sorted((row["channel"], row["sku"]) for row in rows)

    expected = sorted((c, p.id) for p in products for c in ("shopee", "postmart"))
    wait_for(lambda: held() == expected, timeout=60, message="listings on the simulator")

    worker.send(CertificateExpired, with_status(products[0], "expired"))
    wait_for(lambda: len(held()) == 4, timeout=30, message="the expired product delisted")
    assert all(sku != products[0].id for _, sku in held())

    with worker.db.session() as session:
        statuses = {
            (row.product_id, row.channel): row.status for row in session.scalars(select(Listing))
        }
    assert statuses[(products[1].id, "shopee")] == "listed"
    assert statuses[(products[0].id, "shopee")] == "delisted"
    # Voso has no API: its rows wait for the operator's upload.
    assert statuses[(products[1].id, "voso")] == "pending"


def test_a_slow_throttling_channel_does_not_hold_back_another(simulator, start_worker):
    """Shopee answers late and allows 4 requests a second (we send up to 10: 429s); Postmart's
    listings still go out at once, while Shopee's bulk is being pushed."""
    sim = simulator(rate_limit=20, channel_rate_limit="shopee=4", channel_delay="shopee=0.3")
    worker = start_worker(sim, 20)
    for _ in range(30):
        worker.send(CertificateIssued, make_product(channels=["shopee"]))
    wait_for(
        lambda: "listed" in worker.statuses("shopee"), timeout=60, message="shopee's bulk begun"
    )
    for _ in range(20):
        worker.send(CertificateIssued, make_product(channels=["postmart"]))
    wait_for(
        lambda: worker.statuses("postmart").count("listed") == 20,
        timeout=60,
        message="postmart's listings",
    )
    assert worker.statuses("shopee").count("listed") < 30, "postmart waited for shopee's bulk"

    def calls(channel: str) -> list[float]:
        return [c["at"] for c in httpx.get(f"{sim}/_sim/calls", params={"channel": channel}).json()]

    postmart, shopee = calls("postmart"), calls("shopee")
    during = [at for at in shopee if min(postmart) <= at <= max(postmart)]
    assert during, "the channels took turns instead of pushing side by side"
    assert httpx.get(f"{sim}/_sim/stats").json().get("rate_limited:postmart:ocop-vn", 0) == 0
    wait_for(
        lambda: worker.statuses("shopee").count("listed") == 30,
        timeout=120,
        message="shopee's bulk listed in the end",
    )
