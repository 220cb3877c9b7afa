"""How long after a council's decision a product holds its certificate, is searchable and is
listed on every channel it asked for (goal: all three within 2 s, median, on both brokers).

Usage: .venv/bin/python bench/e2e/certify_to_search.py [-n 10] [--broker redis|embedded]
Starts the whole system (`ocop up`), then for each of N products: registers it, has a council of
five score it and decide, and polls the registry, the search API and the sync service's listings
until each shows it. Reports the median and the maximum of each step and of all three. The flow
is the end-to-end test's own (tests/e2e/test_certification_flow.py).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from measure import private_redis
from test_certification_flow import CHANNELS, evaluate, register_product

from ocop_kit.testing import start_system


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=10)
    parser.add_argument("--broker", choices=["redis", "embedded"], default="redis")
    args = parser.parse_args()
    env: dict[str, str] = {"OCOP_LOG_LEVEL": "WARNING"}
    database = f"ocop_bench_{uuid.uuid4().hex[:8]}"
    admin_url = "postgresql://postgres@127.0.0.1/postgres"
    if args.broker == "redis":
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        env["OCOP_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1/{database}"
    delays: dict[str, list[float]] = {}
    stack = contextlib.ExitStack()
    if args.broker == "redis":
        env["OCOP_BROKER_URL"] = stack.enter_context(private_redis())
    try:
        with (
            start_system(Path(tempfile.mkdtemp(prefix="ocop-bench-")), env) as system,
            httpx.Client(base_url=system.urls["search"]) as search,
            system.client("registry", "admin") as registry,
            system.client("marketplace_sync", "admin") as sync,
        ):
            for i in range(args.n):
                product = register_product(
                    system, f"Hợp tác xã Nước mắm số {i + 1}", confirm_not_duplicate=True
                )
                decision = evaluate(system, product)
                decided = time.monotonic()
                assert decision["outcome"] == "recognised", decision
                marks: dict[str, float] = {}
                while len(marks) < 3:
                    if time.monotonic() - decided > 30:
                        raise SystemExit(f"after 30 s only {sorted(marks)}")
                    now = time.monotonic() - decided
                    if "certificate" not in marks and registry.get(
                        f"/v1/products/{product['id']}"
                    ).json().get("certificate"):
                        marks["certificate"] = now
                    if "searchable" not in marks and any(
                        hit["id"] == product["id"]
                        for hit in search.get(
                            "/v1/search", params={"q": "nuoc mam hai hau", "limit": 100}
                        ).json()["hits"]
                    ):
                        marks["searchable"] = now
                    if "listed" not in marks:
                        rows = sync.get("/v1/listings", params={"product_id": product["id"]})
                        if {
                            r["channel"] for r in rows.json()["items"] if r["status"] == "listed"
                        } == set(CHANNELS):
                            marks["listed"] = now
                    time.sleep(0.01)
                for name, seconds in marks.items():
                    delays.setdefault(name, []).append(seconds)
                delays.setdefault("all three", []).append(max(marks.values()))
    finally:
        stack.close()
        if args.broker == "redis":
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    figures = ", ".join(
        f"{name} median {statistics.median(v) * 1000:.0f} ms max {max(v) * 1000:.0f} ms"
        for name, v in delays.items()
    )
    print(f"broker={args.broker} products={args.n} decision → {figures}")


if __name__ == "__main__":
    main()
