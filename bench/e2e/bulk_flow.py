"""A province's whole list through the running system: sheet uploaded → import done → every
product searchable → every listing at the marketplaces.

Usage: .venv/bin/python bench/e2e/bulk_flow.py [--rows 2000] [--broker embedded|redis]
       [--channels postmart,shopee] [--sim-rate-limit 200] [--no-listings]

Starts the whole system (`ocop up --no-demo`, the simulator allowing `--sim-rate-limit` requests
a second), uploads a generated sheet of certified products with everything the channels need
(price, weight, description, photo), then follows the import's status (`GET /v1/imports/{id}`:
`searchable`, `listed`) and the simulator's listings. Prints the seconds from the upload to each
step. `redis` runs on a Redis server of its own and a fresh PostgreSQL database.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

from ocop_kit.testing import start_system

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from measure import private_redis
from test_bulk_import_flow import certified_sheet

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1/postgres"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--broker", choices=["embedded", "redis"], default="embedded")
    parser.add_argument("--channels", default="postmart,shopee")
    parser.add_argument("--sim-rate-limit", type=int, default=200)
    parser.add_argument("--no-listings", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    channels = args.channels.split(",")
    stack = contextlib.ExitStack()
    env = {"OCOP_LOG_LEVEL": "WARNING", "OCOP_SIM_RATE_LIMIT": str(args.sim_rate_limit)}
    database = None
    if args.broker == "redis":
        database = f"ocop_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        env["OCOP_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1/{database}"
        env["OCOP_BROKER_URL"] = stack.enter_context(private_redis())
    sheet = certified_sheet(args.rows, channels)
    data_dir = Path(tempfile.mkdtemp(prefix="ocop-bulk-flow-"))
    marks: dict[str, float] = {}
    try:
        with (
            start_system(data_dir, env) as system,
            system.client("registry", "admin") as registry,
        ):
            cpu_before = process_cpu(system.process.pid)
            started = time.perf_counter()
            response = registry.post("/v1/imports", files={"file": ("list.csv", sheet)})
            response.raise_for_status()
            job = response.json()["id"]
            deadline = time.monotonic() + args.timeout
            wanted_listings = 0 if args.no_listings else args.rows * len(channels)
            while time.monotonic() < deadline:
                status = registry.get(f"/v1/imports/{job}").json()
                now = time.perf_counter() - started
                if status["status"] in ("done", "failed"):
                    marks.setdefault("import done", now)
                if status["searchable"] >= args.rows:
                    marks.setdefault("all searchable", now)
                if wanted_listings and "all listed" not in marks:
                    listings = httpx.get(f"{system.urls['simulator']}/_sim/listings").json()
                    if len(listings) >= wanted_listings:
                        marks["all listed"] = now
                    elif listings:
                        marks.setdefault("first listing", now)
                done = {"import done", "all searchable"} | (
                    {"all listed"} if wanted_listings else set()
                )
                if done <= marks.keys():
                    break
                time.sleep(0.25)
            cpu = process_cpu(system.process.pid)
    finally:
        stack.close()
        if database:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    steps = ", ".join(
        f"{name} {seconds:.1f} s" for name, seconds in sorted(marks.items(), key=lambda m: m[1])
    )
    print(f"broker={args.broker} rows={args.rows} channels={args.channels}: {steps}")
    used = {name: seconds - cpu_before.get(name, 0.0) for name, seconds in cpu.items()}
    print(
        "CPU seconds by process over the run: "
        + ", ".join(f"{n} {s:.1f}" for n, s in sorted(used.items(), key=lambda i: -i[1])[:10])
    )


def process_cpu(parent: int) -> dict[str, float]:
    """CPU seconds (user + system) so far of each child of `ocop up`, by its role, and of the
    machine's PostgreSQL and Redis servers (with their ended children: backends come and go)."""
    found: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command, rest = (entry / "stat").read_text().rsplit(")", 1)
            fields = rest.split()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        server = command.rsplit("(", 1)[1]
        if server in ("postgres", "redis-server"):
            seconds = sum(int(field) for field in fields[11:15]) / tick
            found[server] = found.get(server, 0.0) + seconds
            continue
        if int(fields[1]) != parent:
            continue
        name = " ".join(part.decode() for part in cmdline[2:5] if part)  # `ocop_x worker --jobs`
        seconds = (int(fields[11]) + int(fields[12])) / tick
        found[name] = found.get(name, 0.0) + seconds
    return found


if __name__ == "__main__":
    main()
