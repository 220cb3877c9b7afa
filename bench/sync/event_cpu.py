"""The marketplace-sync worker's CPU per product event of a bulk import: N certified products
(default 20,000), each asking for Postmart and Shopee, announced as a sheet import announces
them (one `certificate.issued` each, written to the registry's outbox 500 to a transaction),
relayed by the real relay to the real worker, which plans 2 × N listings. Then the same products
change price (`product.changed`, version 2): the path where every listing already exists.

    .venv/bin/python bench/sync/event_cpu.py [--products 20000] [--no-push] [--profile FILE]
    .venv/bin/python bench/sync/event_cpu.py --broker redis --redis-url redis://127.0.0.1:6391/13
    .venv/bin/python bench/sync/event_cpu.py --in-process [--broker redis …]

Reports, for each of the two rounds, the seconds from the first commit to the last event
consumed and the worker's CPU seconds over them (all its threads: the event path, and the
channel runners pushing to the simulator at the channels' limits meanwhile, whose requests are
counted), the CPU per event, and on PostgreSQL the CPU of the worker's backends and the most
costly statements (`pg_stat_statements`). `--no-push` makes the two channels bulk-file
channels (no runners, no requests), so the event path is measured alone. `--in-process`
applies the events in this process with `consume_batch`, 250 to a batch as the relay sends
them (no broker, relay or worker): the event path's own CPU, and its PostgreSQL backend's.
`--broker redis` runs on a fresh PostgreSQL database (created and dropped) and the given Redis
database (flushed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
from run_bench import (
    CHANNELS,
    POSTGRES,
    SIM_RATE_LIMIT,
    drop_production_database,
    product,
    production_parts,
    scheduler_seconds,
)
from sqlalchemy import func, select

from ocop_contracts import CertificateIssued, EventBase, Ping, ProductChanged
from ocop_kit.consumer import consume_batch
from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.outbox import publish, publish_many
from ocop_kit.redelivery import EVENTS_PER_TASK
from ocop_kit.service_cli import migrations_dir
from ocop_kit.tables import ProcessedEvent
from ocop_kit.testing import free_port_block
from ocop_marketplace_simulator import channel_urls
from ocop_marketplace_sync.channels.config import BUILT_IN, load_channels
from ocop_marketplace_sync.consumers import consumer_handlers
from ocop_marketplace_sync.listings.models import Listing
from ocop_marketplace_sync.settings import Settings

CHUNK = 500  # rows (and events) per transaction of the registry's sheet import


class Backends:
    """CPU seconds of the PostgreSQL backends serving one process (the worker), told apart by
    the client ports of its sockets; sampled as they come and go."""

    def __init__(self, database: str | None, pid: int) -> None:
        self.database, self.pid = database, pid
        self.seen: dict[int, float] = {}
        self.start: dict[int, float] = {}

    def _ports(self) -> set[int]:
        inodes = set()
        for fd in Path(f"/proc/{self.pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        ports = set()
        for table in ("tcp", "tcp6"):
            for line in Path(f"/proc/{self.pid}/net/{table}").read_text().splitlines()[1:]:
                fields = line.split()
                if fields[9] in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        return ports

    def sample(self) -> None:
        if self.database is None:
            return
        ports = self._ports()
        tick = os.sysconf("SC_CLK_TCK")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                title = (entry / "cmdline").read_bytes().decode(errors="replace")
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found = re.search(rf" {self.database} [\d.]+\((\d+)\)", title)
            if found and int(found.group(1)) in ports:
                pid = int(entry.name)
                self.seen[pid] = (int(fields[11]) + int(fields[12])) / tick

    def reset(self) -> None:
        self.sample()
        self.start = dict(self.seen)

    def seconds(self) -> float:
        self.sample()
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.seen.items())


class Statements:
    """PostgreSQL's own account of the statements run on the bench's database
    (`pg_stat_statements`, where the server loads it): the most costly of a round."""

    def __init__(self, database: str | None) -> None:
        self.url = None if database is None else POSTGRES.rsplit("/", 1)[0] + f"/{database}"
        self.available = False
        if self.url is not None:
            with psycopg.connect(self.url, autocommit=True) as connection:
                try:
                    connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                    connection.execute("SELECT 1 FROM pg_stat_statements LIMIT 1")
                    self.available = True
                except psycopg.Error:
                    pass

    def reset(self) -> None:
        if self.available:
            with psycopg.connect(str(self.url), autocommit=True) as connection:
                connection.execute(
                    "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database"
                    " WHERE datname = current_database()), 0)"
                )

    def top(self, n: int = 8) -> list[str]:
        if not self.available:
            return []
        with psycopg.connect(str(self.url), autocommit=True) as connection:
            rows = connection.execute(
                "SELECT calls, total_exec_time, rows, query FROM pg_stat_statements WHERE dbid ="
                " (SELECT oid FROM pg_database WHERE datname = current_database())"
                " ORDER BY total_exec_time DESC LIMIT %s",
                [n],
            ).fetchall()
        return [
            f"{ms / 1000:.2f} s, {calls} calls, {count} rows: {' '.join(query.split())[:150]}"
            for calls, ms, count, query in rows
        ]


def consumed(sync_db: ServiceDatabase) -> int:
    with sync_db.session() as session:
        return session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0


def wait_consumed(
    sync_db: ServiceDatabase, count: int, timeout: float, backends: Backends | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while (done := consumed(sync_db)) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"{done} of {count} events consumed within {timeout} s")
        if backends is not None:
            backends.sample()
        time.sleep(0.05)


def bulk_file_channels(path: Path) -> Path:
    """The built-in channel file with Postmart and Shopee as bulk-file channels: no runner
    pushes, so the worker's CPU is its event path alone."""
    data = json.loads(BUILT_IN.read_text(encoding="utf-8"))
    for channel in data["channels"]:
        if channel["code"] in CHANNELS:
            channel["mode"] = "bulk_file"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def sim_requests(sim: str | None) -> int:
    if sim is None:
        return 0
    return len(httpx.get(f"{sim}/_sim/calls", timeout=60).json())


def round_of(
    name: str,
    registry: ServiceDatabase,
    sync_db: ServiceDatabase,
    worker: int,
    backends: Backends,
    statements: Statements,
    sim: str | None,
    events: list[EventBase],
) -> dict[str, Any]:
    """Publish the events CHUNK to a transaction; measure the worker until all are consumed."""
    expected = consumed(sync_db) + len(events)
    requests_before = sim_requests(sim)
    cpu_before, waited_before = scheduler_seconds(worker)
    backends.reset()
    statements.reset()
    started = time.monotonic()
    for start in range(0, len(events), CHUNK):
        with registry.session() as session:
            publish_many(session, events[start : start + CHUNK])
    wait_consumed(sync_db, expected, 1800, backends)
    seconds = time.monotonic() - started
    cpu, waited = scheduler_seconds(worker)
    cpu -= cpu_before
    database = {}
    if backends.database is not None:
        database = {
            "worker_postgresql_backends_cpu_s": round(backends.seconds(), 2),
            "postgresql_statements_by_time": statements.top(),
        }
    return {
        "round": name,
        "events": len(events),
        "all_consumed_after_s": round(seconds, 1),
        "worker_cpu_s": round(cpu, 2),
        "worker_cpu_ms_per_event": round(cpu / len(events) * 1000, 3),
        "worker_waiting_for_a_cpu_s": round(waited - waited_before, 1),
        **database,
        "requests_to_channels_meanwhile": sim_requests(sim) - requests_before,
    }


def the_events(n: int) -> tuple[list[EventBase], list[EventBase]]:
    """A certificate issued for each of n products, then a price change of each."""
    ids = [f"bench-{i:05d}" for i in range(n)]
    issued: list[EventBase] = [
        CertificateIssued(aggregate_id=ids[i], version=1, payload=product(i, 100_000))
        for i in range(n)
    ]
    changed: list[EventBase] = [
        ProductChanged(aggregate_id=ids[i], version=2, payload=product(i, 95_000)) for i in range(n)
    ]
    return issued, changed


def in_process(sync_db: ServiceDatabase, settings: Settings, n: int, pg_db: str | None) -> None:
    handlers = consumer_handlers(load_channels(settings), lambda session, codes: None)
    backends = Backends(pg_db, os.getpid())
    statements = Statements(pg_db)
    results = []
    for name, events in zip(
        ("certificate.issued (new listings)", "product.changed (price)"), the_events(n), strict=True
    ):
        backends.reset()
        statements.reset()
        cpu = time.process_time()
        started = time.monotonic()
        for start in range(0, len(events), EVENTS_PER_TASK):
            consume_batch(sync_db, events[start : start + EVENTS_PER_TASK], handlers)
            backends.sample()
        cpu = time.process_time() - cpu
        database = {}
        if pg_db is not None:
            database = {
                "postgresql_backend_cpu_s": round(backends.seconds(), 2),
                "postgresql_statements_by_time": statements.top(),
            }
        results.append(
            {
                "round": name,
                "events": len(events),
                "seconds": round(time.monotonic() - started, 1),
                "cpu_s": round(cpu, 2),
                "cpu_ms_per_event": round(cpu / len(events) * 1000, 3),
                **database,
            }
        )
    print(
        json.dumps(
            {
                "in_process": True,
                "database": "postgresql" if pg_db else "sqlite",
                "products": n,
                "rounds": results,
                "load_average_1m_at_end": os.getloadavg()[0],
            },
            indent=2,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", choices=["embedded", "redis"], default="embedded")
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--no-push", action="store_true", help="the event path alone")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="apply the events in this process, in batches of 250 as the relay sends them "
        "(`consume_batch`, no broker, relay or worker): the event path's own CPU and its "
        "PostgreSQL backend's, the least noisy figure on a shared machine",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="record the worker with py-spy (raw format, idle threads left out) into FILE",
    )
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="ocop-sync-cpu-"))
    port = free_port_block(1)
    sim = None if args.no_push else f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "OCOP_DATA_DIR": str(data_dir),
        "OCOP_LOG_LEVEL": "WARNING",
        "OCOP_CHANNEL_BASE_URLS": json.dumps(channel_urls(f"http://127.0.0.1:{port}")),
        "OCOP_CHANNEL_RATE_LIMIT_CAP": str(SIM_RATE_LIMIT),
    }
    if args.no_push:
        env["OCOP_CHANNELS_FILE"] = str(bulk_file_channels(data_dir / "channels.json"))
    pg_db = production_parts(args.broker, args.redis_url, env, "ocop_sync_cpu")
    settings = Settings(
        data_dir=data_dir,
        database_url=env.get("OCOP_DATABASE_URL"),
        broker_url=env.get("OCOP_BROKER_URL"),
    )
    registry = ServiceDatabase("registry", settings)
    sync_db = ServiceDatabase("marketplace_sync", settings)
    run_migrations(registry, migrations_dir("ocop_registry"))
    run_migrations(sync_db, migrations_dir("ocop_marketplace_sync"))
    if args.in_process:
        try:
            in_process(sync_db, settings, args.products, pg_db)
        finally:
            registry.dispose()
            sync_db.dispose()
            drop_production_database(pg_db)
        return
    log = (data_dir / "processes.log").open("wb")
    python = sys.executable
    commands = [
        [python, "-m", "ocop_marketplace_sync", "worker"],
        [python, "-m", "ocop_kit.relay", "registry"],
    ]
    if sim is not None:
        simulate = ["ocop_marketplace_simulator", "--port", str(port), "--rate-limit"]
        commands.append([python, "-m", *simulate, str(SIM_RATE_LIMIT)])
    processes = [subprocess.Popen(c, env=env, stdout=log, stderr=log) for c in commands]
    profiler = None
    try:
        with registry.session() as session:
            publish(session, Ping(aggregate_id="bench-warm-up", version=1))
        wait_consumed(sync_db, 1, 120)
        worker = processes[0].pid
        backends = Backends(pg_db, worker)
        statements = Statements(pg_db)
        if args.profile:
            profiler = subprocess.Popen(
                [
                    str(Path(python).with_name("py-spy")),
                    *("record", "-p", str(worker), "--format", "raw", "-o", args.profile),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1)
        n = args.products
        issued, changed = the_events(n)
        rounds = [
            round_of(name, registry, sync_db, worker, backends, statements, sim, events)
            for name, events in (
                ("certificate.issued (new listings)", issued),
                ("product.changed (price)", changed),
            )
        ]
        with sync_db.session() as session:
            listings = session.scalar(select(func.count()).select_from(Listing))
        print(
            json.dumps(
                {
                    "broker": args.broker,
                    "pushes": not args.no_push,
                    "products": n,
                    "listings": listings,
                    "rounds": rounds,
                    "load_average_1m_at_end": os.getloadavg()[0],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    finally:
        if profiler is not None:
            profiler.send_signal(2)  # SIGINT: py-spy writes what it recorded
            profiler.wait(timeout=60)
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                # A runner with thousands of listings still to push may outlast its stop.
                process.kill()
                process.wait()
        registry.dispose()
        sync_db.dispose()
        drop_production_database(pg_db)


if __name__ == "__main__":
    main()
