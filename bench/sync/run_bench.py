"""Sync benchmark: 5,000 certified products listed on one channel (Lazada dialect) through the
real simulator allowing 50 requests a second, then a price change of all 5,000.

    .venv/bin/python bench/sync/run_bench.py [--products 5000] [--rate 50] [--database-url URL]

Reports the sustained request rate against the allowed one (goal: at least 90 %) and how many
calls the price change took (Lazada takes 50 SKUs a call).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

from ocop_contracts import (
    AddressSnapshot,
    CertificateIssued,
    CertificateSnapshot,
    ProducerRef,
    ProductChanged,
    ProductSnapshot,
)
from ocop_kit.consumer import EventHandlers, consume
from ocop_kit.db import ServiceDatabase, new_id, run_migrations
from ocop_kit.service_cli import migrations_dir
from ocop_kit.testing import free_port_block
from ocop_marketplace_sync.channels.config import load_channels
from ocop_marketplace_sync.listings.sync import ChannelSync
from ocop_marketplace_sync.settings import Settings
from ocop_marketplace_sync.worker import add_product_handlers

CHANNEL = "lazada"


def product(i: int, price: int) -> ProductSnapshot:
    return ProductSnapshot(
        id=f"bench-{i:05d}",
        name=f"Sản phẩm OCOP {i}",
        description="Đặc sản địa phương",
        group="thuc_pham",
        price_vnd=price,
        weight_grams=500,
        images=[f"https://img.example.vn/{i}.jpg"],
        channels=[CHANNEL],
        producer=ProducerRef(id=new_id(), name="HTX Bench", kind="cooperative"),
        address=AddressSnapshot(province_code="25", province_name="Ninh Bình"),
        certificate=CertificateSnapshot(
            stars=3,
            level="provincial",
            recognised_on=date(2025, 1, 1),
            expires_on=date(2028, 1, 1),
            status="valid",
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--broker-url", default=None)
    args = parser.parse_args()

    port = free_port_block(1)
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ocop_marketplace_sync.simulator",
            "--port",
            str(port),
            "--rate-limit",
            str(args.rate),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        data_dir = Path(tempfile.mkdtemp(prefix="ocop-sync-bench-"))
        settings = Settings(
            data_dir=data_dir,
            database_url=args.database_url,
            broker_url=args.broker_url,
            marketplace_base_url=base,
            sim_rate_limit=args.rate,
        )
        db = ServiceDatabase("marketplace_sync", settings)
        run_migrations(db, migrations_dir("ocop_marketplace_sync"))
        channels = load_channels(settings)
        handlers = EventHandlers()
        add_product_handlers(handlers, channels, lambda session, codes: None)
        sync = ChannelSync(db, settings, channels[CHANNEL])
        results: dict[str, object] = {
            "products": args.products,
            "allowed_rate_per_second": args.rate,
            "database": "postgresql" if args.database_url else "sqlite (embedded)",
            "rate_limiter": "redis" if args.broker_url else "sqlite file + file lock",
        }

        started = time.monotonic()
        for i in range(args.products):
            event = CertificateIssued(
                aggregate_id=f"bench-{i:05d}", version=1, payload=product(i, 100_000)
            )
            consume(db, event, handlers)
        results["events_applied_seconds"] = round(time.monotonic() - started, 1)

        before = httpx.get(f"{base}/_sim/stats").json()
        started = time.monotonic()
        summary = sync.run()
        elapsed = time.monotonic() - started
        after = httpx.get(f"{base}/_sim/stats").json()
        requests = after.get("requests", 0) - before.get("requests", 0)
        listed = sum(1 for row in httpx.get(f"{base}/_sim/listings").json())
        results["initial_listing"] = {
            "seconds": round(elapsed, 1),
            "requests": requests,
            "requests_per_second": round(requests / elapsed, 2),
            "share_of_allowed_rate": round(requests / elapsed / args.rate, 3),
            "listed_on_simulator": listed,
            "rate_limited_429": after.get("rate_limited", 0),
            "results": summary.results,
        }

        for i in range(args.products):
            event = ProductChanged(
                aggregate_id=f"bench-{i:05d}", version=2, payload=product(i, 95_000)
            )
            consume(db, event, handlers)
        before = after
        started = time.monotonic()
        summary = sync.run()
        elapsed = time.monotonic() - started
        after = httpx.get(f"{base}/_sim/stats").json()
        prices = {row["price_vnd"] for row in httpx.get(f"{base}/_sim/listings").json()}
        results["price_change"] = {
            "seconds": round(elapsed, 2),
            "calls": after.get("requests", 0) - before.get("requests", 0),
            "skus_per_call": 50,
            "prices_on_simulator": sorted(p for p in prices if p is not None),
            "rate_limited_429": after.get("rate_limited", 0),
            "results": summary.results,
        }
        print(json.dumps(results, indent=2, ensure_ascii=False))
    finally:
        sim.terminate()
        sim.wait(timeout=10)


if __name__ == "__main__":
    main()
