"""Search benchmark: index 20,000 generated products, then measure search over HTTP against the
same server's `/healthz` (the framework floor), in one run.

    .venv/bin/python bench/search/run.py [--products 20000] [--requests 1000]

Uses the embedded Tantivy engine, or Meilisearch when MEILI_URL is set (the API process inherits
the environment). Goals: indexing 20,000 within 30 s; search p95 < 20 ms, p50 within 2× the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))

from generate import generate_products
from measure import free_port, percentiles

from ocop_search.documents import document_from_snapshot
from ocop_search.engines import open_engine
from ocop_search.settings import Settings

QUERIES = [
    {"q": "nuoc mam"},
    {"q": "nước mắm hải hậu"},
    {"q": "gao st25"},
    {"q": "keo du"},
    {"q": "che thai nguyen"},
    {"q": "mat ong"},
    {"q": "nuco mam"},
    {"q": "ca phe rang xay"},
    {"q": "cà phề"},
    {"q": "hai hau"},
    {"q": "nam dinh"},
    {"q": "sai gon"},
    {"q": "tra shan tuyet vi xuyen"},
    {"q": "sam"},
    {"q": "dong trung ha thao"},
    {"q": "gom"},
    {"q": "non la"},
    {"q": "banh pia soc trnag"},
    {"q": "hop tac xa"},
    {"q": "huu co"},
    {"q": "vietgap"},
    {"q": "mien dong binh lieu"},
    {"q": "lan ho diep"},
    {"q": "homestay"},
    {"q": "b"},
    {"q": "th"},
    {"q": "nuoc mam", "province_code": "37"},
    {"q": "gao", "stars": "4,5"},
    {"q": "", "group": "duoc_lieu"},
    {"q": "", "stars": "5", "sort": "stars:desc"},
    {"q": "ruou", "certification": "haccp"},
    {"q": "", "province_code": "01,79", "group": "thuc_pham"},
    {"q": "tuong ban my hao"},
    {"q": "vai thieu luc ngan bac giang"},
    {"q": "khô cá lóc cà mau"},
    {"q": "xyz abc"},
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="ocop-search-bench-"))
    settings = Settings(data_dir=data_dir)
    report: dict[str, object] = {"products": args.products}

    started = time.perf_counter()
    snapshots = generate_products(args.products)
    report["generate_s"] = round(time.perf_counter() - started, 2)

    engine = open_engine(settings, writer=True)
    report["engine"] = engine.name
    engine.prepare()
    started = time.perf_counter()
    documents = [d for d in map(document_from_snapshot, snapshots) if d is not None]
    count = engine.rebuild(documents)
    report["index_s"] = round(time.perf_counter() - started, 2)
    report["indexed"] = count

    # The event path: one product per commit, as the worker applies events.
    single = []
    for document in documents[:100]:
        started = time.perf_counter()
        engine.upsert([document])
        single.append((time.perf_counter() - started) * 1000)
    report["single_upsert_ms"] = percentiles(single)
    engine.close()

    port = free_port()
    env = {**os.environ, "OCOP_DATA_DIR": str(data_dir), "OCOP_LOG_LEVEL": "WARNING"}
    api = subprocess.Popen(
        [sys.executable, "-m", "ocop_search", "api", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10.0) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the search API did not start")
                time.sleep(0.2)
            for params in QUERIES * 2:  # warm up
                client.get("/v1/search", params=params).raise_for_status()
                client.get("/healthz").raise_for_status()
            health: list[float] = []
            search: list[float] = []
            server: list[float] = []
            suggest: list[float] = []
            totals = {}
            for n in range(args.requests):
                started = time.perf_counter()
                client.get("/healthz").raise_for_status()
                health.append((time.perf_counter() - started) * 1000)
                params = QUERIES[n % len(QUERIES)]
                started = time.perf_counter()
                response = client.get("/v1/search", params=params)
                search.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
                body = response.json()
                server.append(body["took_ms"])
                totals[json.dumps(params, ensure_ascii=False)] = body["total"]
                if n % 4 == 0:
                    q = params["q"][: max(1, len(params["q"]) - 2)] or "n"
                    started = time.perf_counter()
                    client.get("/v1/suggest", params={"q": q}).raise_for_status()
                    suggest.append((time.perf_counter() - started) * 1000)
        report["healthz_ms"] = percentiles(health)
        report["search_ms"] = percentiles(search)
        report["search_engine_ms"] = percentiles(server)
        report["suggest_ms"] = percentiles(suggest)
        report["search_p50_over_floor"] = round(
            statistics.median(search) / statistics.median(health), 2
        )
        report["sample_totals"] = dict(list(totals.items())[:8])
    finally:
        api.terminate()
        api.wait(timeout=20)
    report["goals"] = {
        "index_20000_within_30s": report["index_s"] <= 30.0,  # type: ignore[operator]
        "search_p95_under_20ms": report["search_ms"]["p95"] < 20.0,  # type: ignore[index]
        "search_p50_within_2x_floor": report["search_p50_over_floor"] <= 2.0,  # type: ignore[operator]
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
