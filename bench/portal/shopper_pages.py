"""Server time of the shopper pages on the demo data: home, search, product page.

    .venv/bin/python bench/portal/shopper_pages.py [--requests 200]

Starts the whole system (`ocop up`, embedded default) in a temporary data dir, imports the demo
sheet the way `make run` does, waits until search and marketplace-sync have the products, then
requests each page and reports the portal's own `Server-Timing` (request in → HTML out, including
its calls to the other services) as p50/p95. For a before/after comparison of page changes on
the same machine; the 20,000-product search figure is bench/portal/search_page.py.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from measure import percentiles  # noqa: E402

from ocop_cli.demo import load_demo  # noqa: E402
from ocop_kit.testing import start_system  # noqa: E402


def server_ms(response: httpx.Response) -> float:
    match = re.search(r"dur=([0-9.]+)", response.headers.get("server-timing", ""))
    if match is None:
        raise RuntimeError("the portal sent no Server-Timing header")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="ocop-shopper-bench-"))
    with start_system(data_dir, {"OCOP_LOG_LEVEL": "WARNING"}) as system:
        print(load_demo(data_dir, system.urls), file=sys.stderr)
        search = system.client("search")
        deadline = time.monotonic() + 180
        while search.get("/v1/search", params={"limit": 1}).json().get("total", 0) < 40:
            if time.monotonic() > deadline:
                raise RuntimeError("search did not index the demo products")
            time.sleep(1)
        hits = search.get("/v1/search", params={"limit": 50}).json()["hits"]
        product_ids = [hit["id"] for hit in hits[:10]]
        pages = {
            "home /": ["/"],
            "search ?q=": ["/search?q=nuoc+mam", "/search?q=che+thai+nguyen", "/search?q=gao"],
            "search (browse)": ["/search", "/search?stars=4", "/search?page=2"],
            "product": [f"/products/{pid}" for pid in product_ids],
        }
        report: dict[str, object] = {"products": len(hits)}
        with httpx.Client(base_url=system.urls["portal"], timeout=10) as portal:
            for paths in pages.values():  # warm up: caches, short codes
                for path in paths:
                    portal.get(path)
            for name, paths in pages.items():
                times = []
                for n in range(args.requests):
                    response = portal.get(paths[n % len(paths)])
                    if response.status_code != 200:
                        raise RuntimeError(f"{paths[n % len(paths)]}: {response.status_code}")
                    times.append(server_ms(response))
                report[name] = percentiles(times)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
