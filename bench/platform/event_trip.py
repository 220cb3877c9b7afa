"""Time of one event's trip from the publisher's commit to the consumer's commit.

Usage: .venv/bin/python bench/platform/event_trip.py [--broker embedded|redis] [-n 100]
Starts a real search worker and a real outbox relay (as `ocop up` does), publishes N ping events
from the registry's database one at a time and reports the median and p95 of
(consumer's processed_at - publisher's created_at). Redis runs use PostgreSQL databases.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from sqlalchemy import select

from ocop_contracts import Ping
from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.outbox import publish
from ocop_kit.service_cli import migrations_dir
from ocop_kit.settings import KitSettings
from ocop_kit.tables import OutboxEvent, ProcessedEvent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", choices=["embedded", "redis"], default="embedded")
    parser.add_argument("-n", type=int, default=100)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="ocop-trip-"))
    env = {**os.environ, "OCOP_DATA_DIR": str(data_dir), "OCOP_LOG_LEVEL": "WARNING"}
    pg_db = None
    if args.broker == "redis":
        pg_db = f"ocop_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect("postgresql://postgres@127.0.0.1/postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{pg_db}"')
        env["OCOP_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1/{pg_db}"
        env["OCOP_BROKER_URL"] = "redis://127.0.0.1:6379/14"
        import redis

        redis.Redis.from_url(env["OCOP_BROKER_URL"]).flushdb()
    settings = KitSettings(
        data_dir=data_dir,
        database_url=env.get("OCOP_DATABASE_URL"),
        broker_url=env.get("OCOP_BROKER_URL"),
    )
    registry, search = ServiceDatabase("registry", settings), ServiceDatabase("search", settings)
    run_migrations(registry, migrations_dir("ocop_registry"))
    run_migrations(search, migrations_dir("ocop_search"))
    log = (data_dir / "procs.log").open("wb")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "ocop_search", "worker"], env=env, stdout=log, stderr=log
        ),
        subprocess.Popen(
            [sys.executable, "-m", "ocop_kit.relay", "registry"], env=env, stdout=log, stderr=log
        ),
    ]
    try:
        # Warm-up: the first event waits for the worker to be up.
        trips = []
        for i in range(args.n + 1):
            event = Ping(aggregate_id=f"bench-{i}", version=1)
            with registry.session() as session:
                publish(session, event)
            deadline = time.monotonic() + 60
            while True:
                with search.session() as session:
                    done = session.scalar(
                        select(ProcessedEvent.processed_at).where(
                            ProcessedEvent.event_id == event.id
                        )
                    )
                if done is not None:
                    break
                if time.monotonic() > deadline:
                    raise SystemExit("event not consumed within 60 s")
                time.sleep(0.005)
            with registry.session() as session:
                created = session.scalar(
                    select(OutboxEvent.created_at).where(OutboxEvent.event_id == event.id)
                )
            assert created is not None
            if i:
                trips.append((done - created).total_seconds() * 1000)
        trips.sort()
        print(
            f"broker={args.broker} events={len(trips)} "
            f"median={statistics.median(trips):.1f} ms p95={trips[int(len(trips) * 0.95)]:.1f} ms "
            f"max={trips[-1]:.1f} ms"
        )
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
        registry.dispose()
        search.dispose()
        if pg_db:
            with psycopg.connect("postgresql://postgres@127.0.0.1/postgres", autocommit=True) as c:
                c.execute(f'DROP DATABASE "{pg_db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
