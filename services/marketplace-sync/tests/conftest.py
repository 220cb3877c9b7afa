"""A real simulator process for the sync service's tests."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocop_kit.testing import free_port_block

# The helpers module sits beside the tests (pytest runs with --import-mode=importlib).
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def simulator() -> Iterator[Callable[..., str]]:
    """Start the real simulator process: `simulator(error_rate=…, rate_limit=…)` → base URL."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(**options: Any) -> str:
        port = free_port_block(1)
        args = [sys.executable, "-m", "ocop_marketplace_simulator", "--port", str(port)]
        for key, value in options.items():
            args += [f"--{key.replace('_', '-')}", str(value)]
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return url
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("simulator did not start")

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)
