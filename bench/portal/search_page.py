"""Portal search page benchmark: the server time of `/search` with 20,000 products indexed.

    .venv/bin/python bench/portal/search_page.py [--products 20000] [--requests 600]

Builds a Tantivy index of generated products (bench/search/generate.py) the way the search
service's reindex does, starts the real search API and the real portal API as processes (the
portal calls search over HTTP, as in production), then requests the search page. Reports the
portal's own `Server-Timing` (request in → HTML out, including its call to search) and the
round trip seen by the client, against the portal's `/healthz` as the framework floor.
Goal: the search page answers in under 100 ms on the server (p95).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "search"))
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate_products  # noqa: E402
from measure import free_port, percentiles  # noqa: E402

from ocop_search.documents import document_from_snapshot  # noqa: E402
from ocop_search.engines import open_engine  # noqa: E402
from ocop_search.settings import Settings as SearchSettings  # noqa: E402

PAGES = [
    {"q": "nuoc mam"},
    {"q": "nước mắm hải hậu"},
    {"q": "gao st25"},
    {"q": "mat ong"},
    {"q": "nuco mam"},
    {"q": "che thai nguyen"},
    {"q": "hai hau"},
    {"q": "keo du"},
    {"q": "ca phe", "stars": "4"},
    {"q": "nuoc mam", "province_code": "37"},
    {"q": "", "group": "duoc_lieu"},
    {"q": ""},
    {"q": "gao", "page": "3"},
    {"q": "ruou", "certification": "haccp"},
    {"q": "xyz abc"},
]


def wait_healthy(client: httpx.Client, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start")


def server_ms(response: httpx.Response) -> float:
    match = re.search(r"dur=([0-9.]+)", response.headers.get("server-timing", ""))
    if match is None:
        raise RuntimeError("the portal sent no Server-Timing header")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=600)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="ocop-portal-bench-"))
    report: dict[str, object] = {"products": args.products}

    engine = open_engine(SearchSettings(data_dir=data_dir), writer=True)
    engine.prepare()
    documents = [d for d in map(document_from_snapshot, generate_products(args.products)) if d]
    report["indexed"] = engine.rebuild(documents)
    report["engine"] = engine.name
    engine.close()

    search_port, portal_port, closed_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "OCOP_DATA_DIR": str(data_dir),
        "OCOP_LOG_LEVEL": "WARNING",
        "OCOP_SEARCH_URL": f"http://127.0.0.1:{search_port}",
        # No registry: group names fall back to the built-in list (a refused connect is instant).
        "OCOP_REGISTRY_URL": f"http://127.0.0.1:{closed_port}",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", module, "api", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for module, port in (("ocop_search", search_port), ("ocop_portal", portal_port))
    ]
    try:
        with (
            httpx.Client(base_url=f"http://127.0.0.1:{search_port}", timeout=10) as search,
            httpx.Client(base_url=f"http://127.0.0.1:{portal_port}", timeout=10) as portal,
        ):
            wait_healthy(search, "the search API")
            wait_healthy(portal, "the portal")
            for params in PAGES * 2:  # warm up
                portal.get("/search", params=params).raise_for_status()
            floor: list[float] = []
            round_trip: list[float] = []
            server: list[float] = []
            sizes: list[int] = []
            by_page: dict[str, list[float]] = {}
            for n in range(args.requests):
                started = time.perf_counter()
                portal.get("/healthz").raise_for_status()
                floor.append((time.perf_counter() - started) * 1000)
                params = PAGES[n % len(PAGES)]
                started = time.perf_counter()
                response = portal.get("/search", params=params)
                round_trip.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
                server.append(server_ms(response))
                by_page.setdefault(json.dumps(params, ensure_ascii=False), []).append(server[-1])
                sizes.append(len(response.content))
            suggest: list[float] = []
            for n in range(args.requests // 4):
                query = PAGES[n % len(PAGES)]["q"][:4] or "n"
                response = portal.get("/suggest", params={"q": query})
                response.raise_for_status()
                suggest.append(server_ms(response))
        report["search_page_server_ms"] = percentiles(server)
        report["search_page_round_trip_ms"] = percentiles(round_trip)
        report["portal_healthz_round_trip_ms"] = percentiles(floor)
        report["suggest_fragment_server_ms"] = percentiles(suggest)
        report["server_ms_p50_by_page"] = {
            page: round(statistics.median(times), 2) for page, times in by_page.items()
        }
        report["page_kib_median"] = round(statistics.median(sizes) / 1024, 1)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
    report["goal_search_page_p95_under_100ms"] = report["search_page_server_ms"]["p95"] < 100  # type: ignore[index]
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
