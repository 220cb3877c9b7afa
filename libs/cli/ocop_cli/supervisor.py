"""`ocop up`: start every process of the system, watch them, stop them all on Ctrl-C or SIGTERM.

Services are started by module name (`python -m ocop_<service> api|worker`); nothing here imports a
service. Where no channel URL is configured the marketplace simulator (a development tool, absent
from production images) is started too and the sync service pointed at it. Each process logs
JSON lines to `<data dir>/logs/<process>.log`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx

from ocop_contracts import SERVICES_WITH_JOBS
from ocop_kit.ports import SERVICE_PORT_OFFSETS, SIMULATOR_PORT_OFFSET
from ocop_kit.settings import KitSettings


@dataclass(frozen=True)
class Service:
    name: str
    port_offset: int

    @property
    def package(self) -> str:
        return f"ocop_{self.name}"


SERVICES = tuple(Service(name, offset) for name, offset in SERVICE_PORT_OFFSETS.items())
READY_TIMEOUT_SECONDS = 90.0


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: list[float] = field(default_factory=list)


def service_urls(port: int) -> dict[str, str]:
    return {s.name: f"http://127.0.0.1:{port + s.port_offset}" for s in SERVICES}


def child_environment(data_dir: Path, port: int) -> dict[str, str]:
    """The environment every child gets: the data dir and where every other service answers."""
    env = dict(os.environ)
    env["OCOP_DATA_DIR"] = str(data_dir)
    for name, url in service_urls(port).items():
        env[f"OCOP_{name.upper()}_URL"] = url
    if KitSettings(data_dir=data_dir).listens_on_loopback:
        # Only this machine reaches the portal: offer its dev sign-in unless told otherwise.
        env.setdefault("OCOP_DEV_SIGN_IN", "1")
    return env


def plan_children(port: int, with_simulator: bool) -> list[Child]:
    python = sys.executable
    children = []
    for service in SERVICES:
        children.append(
            Child(
                f"{service.name}-api",
                [python, "-m", service.package, "api", "--port", str(port + service.port_offset)],
            )
        )
        children.append(Child(f"{service.name}-worker", [python, "-m", service.package, "worker"]))
        if service.name in SERVICES_WITH_JOBS:
            children.append(
                Child(f"{service.name}-jobs", [python, "-m", service.package, "worker", "--jobs"])
            )
    children.append(Child("relay", [python, "-m", "ocop_kit.relay", *[s.name for s in SERVICES]]))
    children.append(Child("beat", [python, "-m", "ocop_kit.beat"]))
    if with_simulator:
        children.append(
            Child(
                "simulator",
                [
                    python,
                    "-m",
                    "ocop_marketplace_simulator",
                    "--port",
                    str(port + SIMULATOR_PORT_OFFSET),
                    "--error-rate",
                    os.environ.get("OCOP_SIM_ERROR_RATE", "0"),
                    "--rate-limit",
                    os.environ.get("OCOP_SIM_RATE_LIMIT", "20"),
                ],
            )
        )
    return children


def simulator_channel_environment(simulator_url: str) -> dict[str, str]:
    """What points the sync service at the marketplace simulator: every simulated channel's
    base URL (ordinary channel configuration) and a rate cap at what the simulator allows."""
    try:
        from ocop_marketplace_simulator import channel_urls
    except ImportError:
        raise SystemExit(
            "No channel URL is configured (OCOP_CHANNEL_BASE_URLS) and the marketplace "
            "simulator is not installed (tools/marketplace-simulator, a development tool)."
        ) from None
    return {
        "OCOP_CHANNEL_BASE_URLS": json.dumps(channel_urls(simulator_url)),
        "OCOP_CHANNEL_RATE_LIMIT_CAP": os.environ.get("OCOP_SIM_RATE_LIMIT", "20"),
    }


class Supervisor:
    def __init__(self, children: list[Child], env: dict[str, str], log_dir: Path) -> None:
        self.children = children
        self.env = env
        self.log_dir = log_dir
        self.stopping = False

    def start(self, child: Child) -> None:
        log = (self.log_dir / f"{child.name}.log").open("ab")
        child.process = subprocess.Popen(
            child.argv,
            env=self.env,
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def start_all(self) -> None:
        for child in self.children:
            self.start(child)

    def watch_once(self) -> None:
        """Restart a child that died on its own (at most 5 times a minute)."""
        for child in self.children:
            if child.process is None or child.process.poll() is None or self.stopping:
                continue
            now = time.monotonic()
            child.restarts = [t for t in child.restarts if now - t < 60] + [now]
            if len(child.restarts) > 5:
                raise SystemExit(
                    f"{child.name} keeps crashing; see {self.log_dir}/{child.name}.log"
                )
            print(f"! {child.name} exited ({child.process.returncode}); restarting", flush=True)
            self.start(child)

    def stop_all(self, grace_seconds: float = 15.0) -> None:
        self.stopping = True
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in running:
            os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_until_healthy(urls: list[str], supervisor: Supervisor, timeout: float) -> None:
    pending = set(urls)
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while pending:
            if time.monotonic() > deadline:
                raise SystemExit(f"not healthy after {timeout:.0f} s: {sorted(pending)}")
            supervisor.watch_once()
            for url in list(pending):
                try:
                    if client.get(f"{url}/healthz").status_code == 200:
                        pending.discard(url)
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)


def migrate_all(env: dict[str, str], log_dir: Path) -> None:
    """Migrate every service database before any process uses it."""
    procs = []
    for service in SERVICES:
        log = (log_dir / f"{service.name}-migrate.log").open("ab")
        procs.append(
            (
                service,
                subprocess.Popen(
                    [sys.executable, "-m", service.package, "migrate"],
                    env=env,
                    stdout=log,
                    stderr=log,
                ),
            )
        )
        log.close()
    for service, proc in procs:
        if proc.wait() != 0:
            raise SystemExit(
                f"migrating {service.name} failed; see {log_dir}/{service.name}-migrate.log"
            )


def up(data_dir: Path, port: int, demo: bool) -> int:
    started = time.monotonic()
    data_dir = data_dir.resolve()
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = child_environment(data_dir, port)
    # Create the token signing key once, before several processes could race to create it.
    KitSettings(data_dir=data_dir).signing_key()
    simulator_url = f"http://127.0.0.1:{port + SIMULATOR_PORT_OFFSET}"
    with_simulator = not os.environ.get("OCOP_CHANNEL_BASE_URLS")
    if with_simulator:
        env.update(simulator_channel_environment(simulator_url))

    print(f"OCOP Hub: starting in {data_dir} (logs in {log_dir})", flush=True)
    migrate_all(env, log_dir)
    supervisor = Supervisor(plan_children(port, with_simulator), env, log_dir)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        supervisor.start_all()
        urls = list(service_urls(port).values())
        if with_simulator:
            urls.append(simulator_url)
        wait_until_healthy(urls, supervisor, READY_TIMEOUT_SECONDS)
        print(f"OCOP Hub is ready in {time.monotonic() - started:.1f} s:", flush=True)
        for service in SERVICES:
            print(
                f"  {service.name:<17} http://127.0.0.1:{port + service.port_offset}"
                f"  (API docs: /docs)",
                flush=True,
            )
        if with_simulator:
            print(f"  {'simulator':<17} {simulator_url}", flush=True)
        if demo:
            from ocop_cli.demo import load_demo

            print(load_demo(data_dir, service_urls(port)), flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while True:
            supervisor.watch_once()
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nStopping OCOP Hub ...", flush=True)
        return 0
    finally:
        supervisor.stop_all()
        print("Stopped.", flush=True)
