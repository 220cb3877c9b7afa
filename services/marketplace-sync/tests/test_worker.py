"""The real worker process: events arrive on its queue, sync runs follow after the commit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import select
from sync_factories import make_product, next_version, with_status

from ocop_contracts import CertificateExpired, CertificateIssued, event_task, queue_for
from ocop_kit.celery_app import make_celery
from ocop_kit.db import ServiceDatabase
from ocop_kit.testing import wait_for
from ocop_marketplace_sync.listings.models import Listing
from ocop_marketplace_sync.settings import Settings


def test_worker_lists_certified_products_and_delists_expired_ones(
    simulator, postgres_url, redis_url, tmp_path: Path
):
    sim = simulator(rate_limit=20)
    env = {
        **os.environ,
        "OCOP_DATA_DIR": str(tmp_path),
        "OCOP_DATABASE_URL": postgres_url,
        "OCOP_BROKER_URL": redis_url,
        "OCOP_MARKETPLACE_BASE_URL": sim,
        "OCOP_SIM_RATE_LIMIT": "20",
    }
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "ocop_marketplace_sync", "worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    settings = Settings(data_dir=tmp_path, database_url=postgres_url, broker_url=redis_url)
    celery = make_celery("marketplace_sync", settings)
    try:
        products = [make_product(channels=["shopee", "postmart", "voso"]) for _ in range(3)]

        def send(event_type: type, product) -> None:  # type: ignore[type-arg]
            event = event_type(aggregate_id=product.id, version=next_version(), payload=product)
            celery.send_task(
                event_task("marketplace_sync"),
                args=[event.model_dump(mode="json")],
                queue=queue_for("marketplace_sync"),
            )

        for product in products:
            send(CertificateIssued, product)

        def held() -> list[tuple[str, str]]:
            rows = httpx.get(f"{sim}/_sim/listings").json()
            return sorted((row["channel"], row["sku"]) for row in rows)

        expected = sorted((c, p.id) for p in products for c in ("shopee", "postmart"))
        wait_for(lambda: held() == expected, timeout=60, message="listings on the simulator")

        send(CertificateExpired, with_status(products[0], "expired"))
        wait_for(lambda: len(held()) == 4, timeout=30, message="the expired product delisted")
        assert all(sku != products[0].id for _, sku in held())

        db = ServiceDatabase("marketplace_sync", settings)
        with db.session() as session:
            statuses = {
                (row.product_id, row.channel): row.status
                for row in session.scalars(select(Listing))
            }
        db.dispose()
        assert statuses[(products[1].id, "shopee")] == "listed"
        assert statuses[(products[0].id, "shopee")] == "delisted"
        # Voso has no API: its rows wait for the operator's upload.
        assert statuses[(products[1].id, "voso")] == "pending"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
