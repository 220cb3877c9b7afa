"""Events from a publisher's commit to a consumer's commit: one at a time, or many at once.

Usage: .venv/bin/python bench/platform/event_trip.py [--broker embedded|redis] [-n 100]
       [--throughput N]
Starts a real search worker and a real outbox relay (as `ocop up` does). By default it publishes
N ping events from the registry's database one at a time and reports the median and p95 of
(consumer's processed_at - publisher's created_at). With `--throughput N` it publishes N product
events (an import's: `product.changed` then `certificate.issued` for N/2 products) in one
transaction and reports how long the search worker takes to apply them all, in events a second,
and its CPU per event. Redis runs use PostgreSQL databases.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).parents[1] / "search"))
sys.path.insert(0, str(Path(__file__).parents[1]))
from generate import generate_products
from measure import private_redis
from sqlalchemy import func, select

from ocop_contracts import CertificateIssued, EventBase, Ping, ProductChanged
from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.outbox import publish, publish_many
from ocop_kit.service_cli import migrations_dir
from ocop_kit.settings import KitSettings
from ocop_kit.tables import OutboxEvent, ProcessedEvent


def main() -> None:
    with contextlib.ExitStack() as stack:
        run(stack)


def run(stack: contextlib.ExitStack) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", choices=["embedded", "redis"], default="embedded")
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--throughput", type=int, metavar="N", help="N events in one transaction")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="ocop-trip-"))
    env = {**os.environ, "OCOP_DATA_DIR": str(data_dir), "OCOP_LOG_LEVEL": "WARNING"}
    pg_db = None
    if args.broker == "redis":
        pg_db = f"ocop_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect("postgresql://postgres@127.0.0.1/postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{pg_db}"')
        env["OCOP_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1/{pg_db}"
        env["OCOP_BROKER_URL"] = stack.enter_context(private_redis())
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
        if args.throughput:
            throughput(registry, search, procs[0].pid, procs[1].pid, args.throughput, args.broker)
            return
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


def throughput(
    registry: ServiceDatabase,
    search: ServiceDatabase,
    worker_pid: int,
    relay_pid: int,
    n: int,
    broker: str,
) -> None:
    """Publish n product events in one transaction; time the consumer applying them all."""
    warm_up = Ping(aggregate_id="warm-up", version=1)
    with registry.session() as session:
        publish(session, warm_up)
    wait_consumed(search, 1, 120)
    events: list[EventBase] = []
    for snapshot in generate_products(n // 2):
        draft = snapshot.model_copy(update={"certificate": None})
        events.append(ProductChanged(aggregate_id=snapshot.id, version=1, payload=draft))
        events.append(CertificateIssued(aggregate_id=snapshot.id, version=2, payload=snapshot))
    cpu_before, relay_before = cpu_seconds(worker_pid), cpu_seconds(relay_pid)
    with registry.session() as session:
        publish_many(session, events)
    committed = time.perf_counter()
    wait_consumed(search, 1 + len(events), 600)
    seconds = time.perf_counter() - committed
    cpu = cpu_seconds(worker_pid) - cpu_before
    relay_cpu = cpu_seconds(relay_pid) - relay_before
    print(
        f"broker={broker} events={len(events)} in one transaction: all applied by the search "
        f"consumer {seconds:.2f} s after the commit = {len(events) / seconds:.0f} events/s; "
        f"worker CPU {cpu:.2f} s = {cpu / len(events) * 1000:.3f} ms per event; "
        f"relay CPU {relay_cpu:.2f} s (it sends each event to its 3 subscribers)"
    )


def wait_consumed(search: ServiceDatabase, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with search.session() as session:
            done = session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0
        if done >= count:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"{done} of {count} events consumed within {timeout} s")
        time.sleep(0.01)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its threads so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
