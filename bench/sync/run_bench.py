"""Sync benchmark: N certified products (default 2,000) listed on Postmart and Shopee by the real
worker, the real outbox relay and the real simulator, as `ocop up` runs them: the simulator
allows 200 requests a second (`OCOP_SIM_RATE_LIMIT=200`), so each channel runs at its own limit
from the channel file (Postmart 20, Shopee 10 requests a second).

    .venv/bin/python bench/sync/run_bench.py [--broker embedded|redis] [--products 2000]
        [--redis-url redis://127.0.0.1:6379/13] [--price-change]

The N `certificate.issued` events are published from the registry's outbox in chunks of 500 (one
transaction each, as a sheet import writes them). Reports the total time from the publish to the
last listing listed against what the slowest channel's limit allows (goal: at most 1.15 times),
when the listings existed in the sync service (the event path's share), and per channel the
requests sent and their rate as a share of its limit, counted from the moment the channel's
first listing existed (goal: at least 90 %). With `--price-change`, then changes every price
and reports the calls each channel took.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import func, select

from ocop_contracts import (
    AddressSnapshot,
    CertificateIssued,
    CertificateSnapshot,
    EventBase,
    Ping,
    ProducerRef,
    ProductChanged,
    ProductSnapshot,
)
from ocop_kit.consumer import consume
from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.outbox import publish, publish_many
from ocop_kit.service_cli import migrations_dir
from ocop_kit.tables import ProcessedEvent
from ocop_kit.testing import free_port_block
from ocop_marketplace_simulator import channel_urls
from ocop_marketplace_sync.channels.config import load_channels
from ocop_marketplace_sync.consumers import consumer_handlers
from ocop_marketplace_sync.listings.models import Listing
from ocop_marketplace_sync.settings import Settings

CHANNELS = ("postmart", "shopee")
SIM_RATE_LIMIT = 200
CHUNK = 500
POSTGRES = "postgresql://postgres@127.0.0.1/postgres"


def product(i: int, price: int) -> ProductSnapshot:
    return ProductSnapshot(
        id=f"bench-{i:05d}",
        name=f"Sản phẩm OCOP {i}",
        description="Đặc sản địa phương, sản xuất theo quy trình truyền thống",
        group="thuc_pham",
        price_vnd=price,
        weight_grams=500,
        images=[f"https://img.example.vn/{i}.jpg"],
        channels=list(CHANNELS),
        producer=ProducerRef(id=f"producer-{i // 10}", name="HTX Bench", kind="cooperative"),
        address=AddressSnapshot(province_code="25", province_name="Ninh Bình"),
        certificate=CertificateSnapshot(
            stars=3,
            level="provincial",
            recognised_on=date(2025, 1, 1),
            expires_on=date(2028, 1, 1),
            status="valid",
        ),
    )


def epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.25)


def publish_in_chunks(
    registry: ServiceDatabase, event_type: type[EventBase], version: int, price: int, n: int
) -> None:
    """One event of the type for each of the n products, `CHUNK` to a transaction."""
    events = [
        event_type(aggregate_id=f"bench-{i:05d}", version=version, payload=product(i, price))
        for i in range(n)
    ]
    for start in range(0, len(events), CHUNK):
        with registry.session() as session:
            publish_many(session, events[start : start + CHUNK])


def scheduler_seconds(pid: int) -> tuple[float, float]:
    """(CPU seconds, seconds spent runnable but waiting for a CPU) of all the process's
    threads so far, from Linux's schedstat: the second tells a starved machine from a slow
    program."""
    cpu = waited = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            ran, queued, _ = (task / "schedstat").read_text().split()
        except (FileNotFoundError, ValueError):
            continue  # a thread that ended meanwhile
        cpu, waited = cpu + int(ran), waited + int(queued)
    return cpu / 1e9, waited / 1e9


def listing_counts(sync_db: ServiceDatabase) -> dict[str, tuple[int, int]]:
    """Per channel: (listings, listed)."""
    with sync_db.session() as session:
        rows = session.execute(
            select(Listing.channel, Listing.status, func.count()).group_by(
                Listing.channel, Listing.status
            )
        ).all()
    counts = {code: [0, 0] for code in CHANNELS}
    for channel, status, count in rows:
        counts[channel][0] += count
        if status == "listed":
            counts[channel][1] += count
    return {code: (total, listed) for code, (total, listed) in counts.items()}


def production_parts(broker: str, redis_url: str, env: dict[str, str], prefix: str) -> str | None:
    """For `--broker redis`: a fresh PostgreSQL database (its name returned, to drop after) and
    the emptied Redis database, set in `env`; None on the embedded default."""
    if broker != "redis":
        return None
    import redis

    pg_db = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{pg_db}"')
    env["OCOP_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1/{pg_db}"
    env["OCOP_BROKER_URL"] = redis_url
    redis.Redis.from_url(redis_url).flushdb()
    return pg_db


def drop_production_database(pg_db: str | None) -> None:
    """Drop what `production_parts` created (nothing on the embedded default)."""
    if pg_db:
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{pg_db}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", choices=["embedded", "redis"], default="embedded")
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--price-change", action="store_true")
    parser.add_argument(
        "--listings-first",
        action="store_true",
        help="apply the events in-process before the worker starts, so the sync part is "
        "measured alone, from the moment every listing exists",
    )
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="ocop-sync-bench-"))
    port = free_port_block(1)
    sim = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "OCOP_DATA_DIR": str(data_dir),
        "OCOP_LOG_LEVEL": "WARNING",
        "OCOP_CHANNEL_BASE_URLS": json.dumps(channel_urls(sim)),
        "OCOP_CHANNEL_RATE_LIMIT_CAP": str(SIM_RATE_LIMIT),
    }
    pg_db = production_parts(args.broker, args.redis_url, env, "ocop_sync_bench")
    settings = Settings(
        data_dir=data_dir,
        database_url=env.get("OCOP_DATABASE_URL"),
        broker_url=env.get("OCOP_BROKER_URL"),
        channel_base_urls=channel_urls(sim),
        channel_rate_limit_cap=SIM_RATE_LIMIT,
    )
    limits = {code: load_channels(settings)[code].rate_limit_per_second for code in CHANNELS}
    registry = ServiceDatabase("registry", settings)
    sync_db = ServiceDatabase("marketplace_sync", settings)
    run_migrations(registry, migrations_dir("ocop_registry"))
    run_migrations(sync_db, migrations_dir("ocop_marketplace_sync"))
    n = args.products
    if args.listings_first:
        handlers = consumer_handlers(load_channels(settings), lambda session, codes: None)
        for i in range(n):
            event = CertificateIssued(
                aggregate_id=f"bench-{i:05d}", version=1, payload=product(i, 100_000)
            )
            consume(sync_db, event, handlers)
    log = (data_dir / "processes.log").open("wb")
    python = sys.executable
    simulate = ["ocop_marketplace_simulator", "--port", str(port), "--rate-limit"]
    processes = [
        subprocess.Popen(
            [python, "-m", *simulate, str(SIM_RATE_LIMIT)],
            env=env,
            stdout=log,
            stderr=log,
        ),
        subprocess.Popen(
            [python, "-m", "ocop_marketplace_sync", "worker"], env=env, stdout=log, stderr=log
        ),
        subprocess.Popen(
            [python, "-m", "ocop_kit.relay", "registry"], env=env, stdout=log, stderr=log
        ),
    ]
    try:
        # Warm-up: the worker and the relay are up once a ping has made the trip.
        ping = Ping(aggregate_id="bench-warm-up", version=1)
        with registry.session() as session:
            publish(session, ping)

        def pinged() -> bool:
            with sync_db.session() as session:
                seen = select(ProcessedEvent.event_id).where(ProcessedEvent.event_id == ping.id)
                return session.scalar(seen) is not None

        wait_until(pinged, 120, "the worker to start")

        started = time.time()
        worker = processes[1].pid
        cpu_before, waited_before = scheduler_seconds(worker)
        if not args.listings_first:
            publish_in_chunks(registry, CertificateIssued, 1, 100_000, n)
        published = time.time()
        all_exist_at: float | None = None
        while True:
            counts = listing_counts(sync_db)
            if all_exist_at is None and all(total == n for total, _ in counts.values()):
                all_exist_at = time.time()
            if all(listed == n for _, listed in counts.values()):
                break
            if time.time() - started > 1800:
                raise SystemExit(f"not listed after 30 minutes: {counts}")
            time.sleep(0.5)
        done = time.time()
        cpu_after, waited_after = scheduler_seconds(worker)
        assert all_exist_at is not None

        calls = httpx.get(f"{sim}/_sim/calls", timeout=60).json()
        # With the listings first, the worker's runners start on its start-up, maybe before
        # the warm-up ping is seen: the clock starts at the first call then.
        started = min([started] + [c["at"] for c in calls])
        held = httpx.get(f"{sim}/_sim/listings", timeout=60).json()
        channels: dict[str, Any] = {}
        with sync_db.session() as session:
            for code in CHANNELS:
                first_listing, last_listed = session.execute(
                    select(func.min(Listing.created_at), func.max(Listing.synced_at)).where(
                        Listing.channel == code
                    )
                ).one()
                mine = [c for c in calls if c["channel"] == code]
                work_from = max(epoch(first_listing), started)
                last_call = max(c["at"] for c in mine)
                seconds = last_call - work_from
                rate = len(mine) / seconds
                channels[code] = {
                    "limit_per_second": limits[code],
                    "requests": len(mine),
                    "answered_429": sum(1 for c in mine if c["status"] == 429),
                    "listed_on_simulator": sum(1 for row in held if row["channel"] == code),
                    "first_listing_existed_after_s": round(work_from - started, 1),
                    "last_listed_after_s": round(epoch(last_listed) - started, 1),
                    "requests_per_second_from_first_listing": round(rate, 2),
                    "share_of_limit": round(rate / limits[code], 3),
                }
                # The sync part alone: once every listing existed, the event path no longer
                # decides how fast work reaches the channel.
                later = sorted(c["at"] for c in mine if c["at"] >= all_exist_at)
                if len(later) > 1:
                    alone = (len(later) - 1) / (later[-1] - all_exist_at)
                    channels[code]["after_all_listings_existed"] = {
                        "requests": len(later),
                        "requests_per_second": round(alone, 2),
                        "share_of_limit": round(alone / limits[code], 3),
                    }
        allowed = n / min(limits.values())
        total = done - started
        results: dict[str, Any] = {
            "broker": args.broker,
            "listings_first": args.listings_first,
            "products": n,
            "simulator_allows_per_second": SIM_RATE_LIMIT,
            "events_published_s": round(published - started, 1),
            "all_listings_existed_after_s": round(all_exist_at - started, 1),
            "all_listed_after_s": round(total, 1),
            "slowest_limit_allows_s": round(allowed, 1),
            "ratio_to_allowed": round(total / allowed, 3),
            "channels": channels,
            "worker_cpu_s": round(cpu_after - cpu_before, 1),
            "worker_waiting_for_a_cpu_s": round(waited_after - waited_before, 1),
            "load_average_1m_at_end": os.getloadavg()[0],
        }

        if args.price_change:
            before = httpx.get(f"{sim}/_sim/stats", timeout=60).json()["paths"]
            started = time.time()
            publish_in_chunks(registry, ProductChanged, 2, 95_000, n)

            def repriced() -> bool:
                rows = httpx.get(f"{sim}/_sim/listings", timeout=60).json()
                return sum(1 for row in rows if row["price_vnd"] == 95_000) == n * len(CHANNELS)

            wait_until(repriced, 1800, "the new prices on the simulator")
            after = httpx.get(f"{sim}/_sim/stats", timeout=60).json()["paths"]
            results["price_change"] = {
                "seconds": round(time.time() - started, 1),
                "calls_per_path": {
                    path: count - before.get(path, 0)
                    for path, count in after.items()
                    if count != before.get(path, 0)
                },
            }
        print(json.dumps(results, indent=2, ensure_ascii=False))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        registry.dispose()
        sync_db.dispose()
        drop_production_database(pg_db)


if __name__ == "__main__":
    main()
