"""How fast the search worker works off a backlog of product events (an import's worth).

Usage: .venv/bin/python bench/search/index_backlog.py [--products 2000] [--broker redis|embedded]

For each of N generated products it queues, as the outbox relay does, the two events an
import of a certified product sends: `product.changed` (version 1, no certificate yet: not
public) and `certificate.issued` (version 2, public). The queue is filled before the worker
starts; then the real worker (`python -m ocop_search worker`, Tantivy) is started and timed from
its first consumed event until every product is searchable. Reports events and products per
second (wall) and the worker's CPU per event (less sensitive to the machine's other load).
`redis` runs on a Redis server of its own (tests flush random databases of the shared one) and a
fresh PostgreSQL database; `embedded` on the SQLite files and broker.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))

from generate import generate_products
from measure import private_redis
from sqlalchemy import func, select

from ocop_contracts import CertificateIssued, ProductChanged, events_task, queue_for
from ocop_kit.celery_app import make_celery
from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.redelivery import EVENTS_PER_TASK
from ocop_kit.service_cli import migrations_dir
from ocop_kit.tables import ProcessedEvent
from ocop_search.engines.tantivy_engine import TantivyEngine
from ocop_search.settings import Settings

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1/postgres"


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its threads so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fill_queue(settings: Settings, products: int) -> int:
    """Queue two events per product as the relay sends them (in tasks of `EVENTS_PER_TASK`);
    returns how many were sent."""
    celery = make_celery("relay", settings)
    bodies = []
    for snapshot in generate_products(products):
        draft = snapshot.model_copy(update={"certificate": None})
        bodies += [
            ProductChanged(aggregate_id=snapshot.id, version=1, payload=draft).model_dump(
                mode="json"
            ),
            CertificateIssued(aggregate_id=snapshot.id, version=2, payload=snapshot).model_dump(
                mode="json"
            ),
        ]
    for start in range(0, len(bodies), EVENTS_PER_TASK):
        celery.send_task(
            events_task("search"),
            args=[bodies[start : start + EVENTS_PER_TASK]],
            queue=queue_for("search"),
        )
    return len(bodies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--broker", choices=["redis", "embedded"], default="redis")
    parser.add_argument("--timeout", type=float, default=3600.0)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="ocop-index-backlog-"))
    env = {**os.environ, "OCOP_DATA_DIR": str(data_dir), "OCOP_LOG_LEVEL": "WARNING"}
    env.pop("MEILI_URL", None)
    database = None
    stack = contextlib.ExitStack()
    if args.broker == "redis":
        import psycopg

        database = f"ocop_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        env["OCOP_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1/{database}"
        env["OCOP_BROKER_URL"] = stack.enter_context(private_redis())
    settings = Settings(
        data_dir=data_dir,
        database_url=env.get("OCOP_DATABASE_URL"),
        broker_url=env.get("OCOP_BROKER_URL"),
    )
    db = ServiceDatabase("search", settings)
    run_migrations(db, migrations_dir("ocop_search"))
    log = (data_dir / "worker.log").open("wb")
    worker: subprocess.Popen[bytes] | None = None
    try:
        started = time.perf_counter()
        events = fill_queue(settings, args.products)
        print(
            f"queued {events} events for {args.products} products "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "ocop_search", "worker"], env=env, stdout=log, stderr=log
        )

        def consumed() -> int:
            with db.session() as session:
                return session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0

        deadline = time.monotonic() + args.timeout
        while consumed() == 0:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the worker consumed nothing (log: {data_dir / 'worker.log'})")
            time.sleep(0.01)
        first, cpu_first = time.perf_counter(), cpu_seconds(worker.pid)
        reader = TantivyEngine(settings.search_dir, writer=False)
        while reader.count() < args.products:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"{reader.count()} of {args.products} searchable "
                    f"(log: {data_dir / 'worker.log'})"
                )
            time.sleep(0.05)
        wall, cpu = time.perf_counter() - first, cpu_seconds(worker.pid) - cpu_first
        all_consumed = consumed()
        reader.close()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        log.close()
        db.dispose()
        stack.close()
        if database:
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    print(
        f"broker={args.broker} products={args.products} events={events} "
        f"(consumed {all_consumed} by then): all searchable {wall:.1f} s after the first event; "
        f"{events / wall:.0f} events/s, {args.products / wall:.0f} products/s; "
        f"worker CPU {cpu:.1f} s = {cpu / events * 1000:.2f} ms per event"
    )


if __name__ == "__main__":
    main()
