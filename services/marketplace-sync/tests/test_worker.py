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
from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.service_cli import migrations_dir
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


def test_events_are_handled_between_slices_of_a_long_sync_run(
    simulator, postgres_url, redis_url, tmp_path: Path
):
    """A bulk of pushes at a channel's rate limit must not hold up the events behind it."""
    sim = simulator(rate_limit=3)
    env = {
        **os.environ,
        "OCOP_DATA_DIR": str(tmp_path),
        "OCOP_DATABASE_URL": postgres_url,
        "OCOP_BROKER_URL": redis_url,
        "OCOP_MARKETPLACE_BASE_URL": sim,
        "OCOP_SIM_RATE_LIMIT": "3",
        "OCOP_SYNC_TASK_MAX_SECONDS": "1",
    }
    settings = Settings(data_dir=tmp_path, database_url=postgres_url, broker_url=redis_url)
    db = ServiceDatabase("marketplace_sync", settings)
    run_migrations(db, migrations_dir("ocop_marketplace_sync"))
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "ocop_marketplace_sync", "worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    celery = make_celery("marketplace_sync", settings)

    def send(product) -> None:  # type: ignore[no-untyped-def]
        event = CertificateIssued(aggregate_id=product.id, version=next_version(), payload=product)
        celery.send_task(
            event_task("marketplace_sync"),
            args=[event.model_dump(mode="json")],
            queue=queue_for("marketplace_sync"),
        )

    def statuses(channel: str) -> list[str]:
        with db.session() as session:
            return list(session.scalars(select(Listing.status).where(Listing.channel == channel)))

    try:
        bulk = [make_product(channels=["shopee"]) for _ in range(30)]
        for product in bulk:
            send(product)
        wait_for(lambda: len(statuses("shopee")) == 30, timeout=60, message="the bulk's listings")
        # About ten seconds of pushes at 3 a second are due now; one more product arrives.
        send(make_product(channels=["postmart"]))
        wait_for(lambda: statuses("postmart") != [], timeout=30, message="the late event handled")
        assert statuses("shopee").count("listed") < 30, "the late event waited for the whole run"
        wait_for(
            lambda: statuses("shopee").count("listed") == 30,
            timeout=90,
            message="the bulk listed in the end",
        )
    finally:
        db.dispose()
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
