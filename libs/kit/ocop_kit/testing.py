"""Pytest fixtures every service's tests share (registered as the `ocop_kit` pytest plugin).

Real servers only: `postgres_url` gives a fresh PostgreSQL database, `redis_url` an emptied Redis
database, `start_system` the whole system as `ocop up` runs it. Where PostgreSQL or Redis is not
running, tests that need it skip with the reason — except under CI=true, where that is a failure.
"""

from __future__ import annotations

import ctypes
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from ocop_kit.auth import Role, issue_token
from ocop_kit.ports import SERVICE_PORT_OFFSETS, SIMULATOR_PORT_OFFSET
from ocop_kit.settings import KitSettings

PG_ADMIN_URL = os.environ.get("OCOP_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("OCOP_TEST_REDIS_URL", "redis://127.0.0.1:6379")
SERVICE_OFFSETS = {**SERVICE_PORT_OFFSETS, "simulator": SIMULATOR_PORT_OFFSET}


def unavailable(what: str, reason: str) -> None:
    """Skip for want of `what`; under CI=true fail instead, so nothing passes by skipping."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required under CI=true but is not available: {reason}")
    pytest.skip(f"{what} not available: {reason}")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for this test (dropped afterwards)."""
    import psycopg

    name = f"ocop_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        unavailable("PostgreSQL", str(exc).strip())
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database emptied before and after the test."""
    import redis

    url = f"{REDIS_URL}/{random.randint(1, 15)}"
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        unavailable("Redis", str(exc))
    yield url
    client.flushdb()
    client.close()


def free_port_block(size: int = 6) -> int:
    """A base port P such that P .. P+size-1 are free on loopback right now, below the
    kernel's range for outgoing connections (one of those could take a port of the block
    between this check and the server's bind: "address already in use")."""
    first_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(200):
        base = random.randint(10000, max(10001, first_ephemeral - size - 1))
        sockets = []
        try:
            for port in range(base, base + size):
                sock = socket.socket()
                sock.bind(("127.0.0.1", port))
                sockets.append(sock)
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free block of ports")


@dataclass
class System:
    """A running `ocop up`: its URLs, its data dir and a way to get tokens for it."""

    data_dir: Path
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    urls: dict[str, str] = field(default_factory=dict)

    def token(self, role: Role, **scope: str) -> str:
        settings = KitSettings(data_dir=self.data_dir, secret_key=self.env.get("OCOP_SECRET_KEY"))
        return issue_token(settings, role, **scope)

    def client(self, service: str, role: Role | None = None, **scope: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token(role, **scope)}"} if role else {}
        return httpx.Client(base_url=self.urls[service], headers=headers, timeout=30.0)

    def log(self, process_name: str) -> str:
        path = self.data_dir / "logs" / f"{process_name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def start_system(
    data_dir: Path, env: dict[str, str] | None = None, timeout: float = 120.0
) -> Iterator[System]:
    """Run `ocop up --no-demo` on free ports until the block ends; stop it with SIGTERM."""
    port = free_port_block()
    full_env = {**os.environ, **(env or {}), "OCOP_DATA_DIR": str(data_dir)}
    out = data_dir / "ocop-up.out"
    data_dir.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ocop_cli.main",
                "up",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
                "--no-demo",
            ],
            env=full_env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            preexec_fn=stop_with_parent,
        )
    system = System(
        data_dir,
        port,
        full_env,
        process,
        {name: f"http://127.0.0.1:{port + off}" for name, off in SERVICE_OFFSETS.items()},
    )
    try:
        deadline = time.monotonic() + timeout
        while b"is ready" not in out.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ocop up did not become ready:\n{out.read_text()}")
            time.sleep(0.2)
        yield system
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def stop_with_parent() -> None:
    """Run in a child before it starts: the kernel sends it SIGTERM when the process that
    started it dies, even by SIGKILL (a test run or bench killed at its timeout), so no
    `ocop up` is left running (Linux; elsewhere nothing happens)."""
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def wait_for(
    predicate: object, timeout: float = 20.0, interval: float = 0.05, message: str = "condition"
) -> None:
    """Poll `predicate()` until it is truthy or `timeout` seconds pass (then fail the test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {message}")
