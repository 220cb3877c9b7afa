"""How long after a council's decision a product is searchable (goal: median under 2 s on Redis).

Usage: .venv/bin/python bench/e2e/certify_to_search.py [-n 10] [--broker redis|embedded]
Starts the whole system (`ocop up`), then for each of N products: registers it, has a council of
five score it and decide, and polls the search API until the product appears. Reports the median
and the maximum of decision → searchable. The flow is the end-to-end test's own
(tests/e2e/test_certification_flow.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "e2e"))
from test_certification_flow import evaluate, register_product

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
        env["OCOP_BROKER_URL"] = "redis://127.0.0.1:6379/13"
        redis.Redis.from_url(env["OCOP_BROKER_URL"]).flushdb()
    delays = []
    try:
        with (
            start_system(Path(tempfile.mkdtemp(prefix="ocop-bench-")), env) as system,
            httpx.Client(base_url=system.urls["search"]) as search,
        ):
            for i in range(args.n):
                product = register_product(system, f"Hợp tác xã Nước mắm số {i + 1}")
                decision = evaluate(system, product)
                decided = time.monotonic()
                assert decision["outcome"] == "recognised", decision
                while not any(
                    hit["id"] == product["id"]
                    for hit in search.get(
                        "/v1/search", params={"q": "nuoc mam hai hau", "limit": 100}
                    ).json()["hits"]
                ):
                    if time.monotonic() - decided > 30:
                        raise SystemExit("not searchable after 30 s")
                    time.sleep(0.01)
                delays.append(time.monotonic() - decided)
    finally:
        if args.broker == "redis":
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    print(
        f"broker={args.broker} products={len(delays)} decision→searchable "
        f"median={statistics.median(delays) * 1000:.0f} ms max={max(delays) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
