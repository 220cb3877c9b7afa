"""Mixed load over loopback: search-heavy reads, some writes, an import and a council session.

Usage: .venv/bin/python bench/load/run.py [--requests 3000] [--threads 16] [--seed-rows 2000]
                                          [--broker redis|embedded]
Starts the whole system (`ocop up`), imports a generated sheet of certified products, then sends a
bounded number of requests from a thread pool (70 % search, 10 % suggest, 10 % product pages,
5 % product creates, 5 % stats) while one more import and one council session (five members
scoring, a decision) run alongside. Prints throughput, p50/p95/p99 per endpoint and the errors.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "faults"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from measure import percentiles
from test_certification_flow import evaluate, register_product
from test_faults import sheet

from ocop_kit.testing import System, start_system, wait_for

QUERIES = [
    "nuoc mam",
    "mat ong",
    "gao",
    "che",
    "hai hau",
    "nuoc mm",
    "mat on",
    "ruou",
    "faultest",
    "tra",
    "banh",
    "nam dinh",
    "mật ong",
    "gạo tám",
    "keo",
]
latencies: dict[str, list[float]] = defaultdict(list)
errors: dict[str, int] = defaultdict(int)
# What went wrong, by kind: an HTTP status, or the transport exception the client raised.
error_kinds: dict[str, int] = defaultdict(int)
lock = threading.Lock()


def timed(name: str, call: Any) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = call()
    except httpx.HTTPError as exc:
        with lock:
            errors[name] += 1
            error_kinds[
                f"{name}: {type(exc).__name__} after {time.perf_counter() - started:.1f} s"
            ] += 1
        return None
    elapsed = time.perf_counter() - started
    with lock:
        latencies[name].append(elapsed)
        if response.status_code >= 400:
            errors[name] += 1
            error_kinds[f"{name}: HTTP {response.status_code}"] += 1
    return response


def import_sheet(system: System, rows: int) -> None:
    with system.client("registry", "admin") as registry:
        job = registry.post("/v1/imports", files={"file": ("load.csv", sheet(rows), "text/csv")})
        job_id = job.json()["id"]
        wait_for(
            lambda: registry.get(f"/v1/imports/{job_id}").json()["status"] in ("done", "failed"),
            timeout=600,
            interval=0.5,
            message="the import",
        )


BACKEND_SERVICES = ("registry", "evaluation", "marketplace_sync", "search")


def backlog(system: System) -> dict[str, int]:
    """Events not yet consumed: pending in each outbox, waiting in each queue."""
    waiting: dict[str, int] = {}
    for service in BACKEND_SERVICES:
        for line in httpx.get(system.urls[service] + "/metrics", timeout=30).text.splitlines():
            if line.startswith("ocop_outbox_pending_events{"):
                waiting[f"{service} outbox"] = int(float(line.rsplit(" ", 1)[1]))
            elif service == "registry" and line.startswith("ocop_queue_depth{"):
                queue = line.split('queue="', 1)[1].split('"', 1)[0]
                waiting[f"{queue} queue"] = int(float(line.rsplit(" ", 1)[1]))
    return {name: count for name, count in waiting.items() if count}


def wait_for_backlog_to_drain(system: System, what: str) -> None:
    """Wait until every event is consumed; print what waited and when each part emptied."""
    started = time.monotonic()
    waiting = backlog(system)
    emptied: dict[str, float] = {}
    while left := backlog(system):
        for name in waiting.keys() - left.keys() - emptied.keys():
            emptied[name] = time.monotonic() - started
        time.sleep(0.5)
    for name in waiting.keys() - emptied.keys():
        emptied[name] = time.monotonic() - started
    parts = ", ".join(
        f"{name} {waiting[name]} (empty at {emptied[name]:.0f} s)" for name in waiting
    )
    took = time.monotonic() - started
    print(f"{what}: waiting {parts or 'nothing'}; all consumed after {took:.1f} s", flush=True)


def one_request(
    system: System,
    clients: dict[str, httpx.Client],
    product_ids: list[str],
    producer_id: str,
    rng: random.Random,
) -> None:
    roll = rng.random()
    if roll < 0.70:
        timed(
            "GET /v1/search",
            lambda: clients["search"].get(
                "/v1/search", params={"q": rng.choice(QUERIES), "limit": 20}
            ),
        )
    elif roll < 0.80:
        timed(
            "GET /v1/suggest",
            lambda: clients["search"].get("/v1/suggest", params={"q": rng.choice(QUERIES)[:4]}),
        )
    elif roll < 0.90:
        timed(
            "GET /v1/products/{id}",
            lambda: clients["registry"].get(f"/v1/products/{rng.choice(product_ids)}"),
        )
    elif roll < 0.95:
        timed(
            "POST /v1/products",
            lambda: clients["registry_admin"].post(
                "/v1/products",
                json={
                    "producer_id": producer_id,
                    "name": f"Sản phẩm tải {uuid.uuid4().hex[:8]}",
                    "group": "thuc_pham",
                    "price_vnd": 50_000,
                },
            ),
        )
    else:
        timed("GET /v1/stats", lambda: clients["registry"].get("/v1/stats"))


def side_job(name: str, work: Any, *args: Any) -> None:
    started = time.monotonic()
    try:
        work(*args)
        print(f"{name}: done in {time.monotonic() - started:.1f} s", flush=True)
    except BaseException as exc:  # pytest.fail raises a BaseException
        print(f"{name}: FAILED after {time.monotonic() - started:.1f} s: {exc}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seed-rows", type=int, default=2000)
    parser.add_argument("--broker", choices=["redis", "embedded"], default="redis")
    args = parser.parse_args()
    env = {"OCOP_LOG_LEVEL": "WARNING", "OCOP_WORKER_CONCURRENCY": "2"}
    database = f"ocop_load_{uuid.uuid4().hex[:8]}"
    admin_url = "postgresql://postgres@127.0.0.1/postgres"
    if args.broker == "redis":
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        env["OCOP_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1/{database}"
        env["OCOP_BROKER_URL"] = "redis://127.0.0.1:6379/12"
        redis.Redis.from_url(env["OCOP_BROKER_URL"]).flushdb()
    try:
        with start_system(Path(tempfile.mkdtemp(prefix="ocop-load-")), env) as system:
            run_load(system, args)
    finally:
        if args.broker == "redis":
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def run_load(system: System, args: argparse.Namespace) -> None:
    started = time.monotonic()
    import_sheet(system, args.seed_rows)
    print(f"seeded {args.seed_rows} rows in {time.monotonic() - started:.1f} s", flush=True)
    wait_for_backlog_to_drain(system, "after the seed import")
    with system.client("registry", "admin") as registry:
        page = registry.get("/v1/products", params={"limit": 500}).json()
        product_ids = [item["id"] for item in page["items"]]
        producer_id = page["items"][0]["producer"]["id"]
    clients = {
        "search": system.client("search"),
        "registry": system.client("registry"),
        "registry_admin": system.client("registry", "admin"),
    }
    side_jobs = [
        threading.Thread(target=side_job, args=("import of 200 rows", import_sheet, system, 200)),
        threading.Thread(
            target=side_job,
            args=(
                "council session (register, 5 scores, decide, certificate)",
                lambda: evaluate(system, register_product(system, "HTX Tải thử nghiệm")),
            ),
        ),
    ]
    rng = random.Random(42)
    seeds = [rng.randrange(1 << 30) for _ in range(args.requests)]
    load_started = time.perf_counter()
    for job in side_jobs:
        job.start()
    with ThreadPoolExecutor(args.threads) as pool:
        list(
            pool.map(
                lambda seed: one_request(
                    system, clients, product_ids, producer_id, random.Random(seed)
                ),
                seeds,
            )
        )
    load_seconds = time.perf_counter() - load_started
    for job in side_jobs:
        job.join()
    for client in clients.values():
        client.close()
    wait_for_backlog_to_drain(system, "after the load")
    total = sum(len(v) for v in latencies.values()) + sum(errors.values())
    print(
        f"broker={args.broker} threads={args.threads} requests={args.requests} "
        f"in {load_seconds:.1f} s = {args.requests / load_seconds:.0f} req/s; "
        f"errors={sum(errors.values())} of {total}"
    )
    print(f"{'endpoint':<24}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, values in sorted(latencies.items()):
        ms = percentiles([v * 1000 for v in values])
        print(
            f"{name:<24}{len(values):>7}{ms['p50']:>9.1f}{ms['p95']:>9.1f}{ms['p99']:>9.1f}"
            f"{errors.get(name, 0):>8}"
        )
    for kind, count in sorted(error_kinds.items()):
        print(f"error {count:>5} × {kind}")


if __name__ == "__main__":
    main()
