"""CPU time the portal spends on one shopper page, in process, against stub backends.

    .venv/bin/python bench/portal/page_cpu.py [--requests 300]

The whole-system figures (bench/portal/shopper_pages.py, Server-Timing) swing by a factor of two
on a shared machine; the process's own CPU time per request does not, so this is the number to
compare before and after a change to templates or page code. The other services are replaced by
fixed answers shaped as docs/API.md says (no network, no waiting): only the portal's own work —
reading answers, the short-code lookup, JSON-LD, the QR code, rendering — is counted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from ocop_portal.app import create_app
from ocop_portal.settings import Settings

PRODUCT = {
    "id": "01a23569-e90b-7004-ac5b-dc130938420e",
    "name": "Nước mắm cá cơm Hải Đông",
    "group": "thuc_pham",
    "price_vnd": 85000,
    "unit": "chai 500 ml",
    "images": ["http://127.0.0.1:8001/v1/media/products/p1/f1/original.jpg"],
    "description": "Nước mắm truyền thống ủ chượp 12 tháng",
    "producer": {"id": "pr1", "name": "HTX Hải Đông", "kind": "cooperative"},
    "address": {
        "province_code": "37",
        "province_name": "Ninh Bình",
        "ward_name": "Xã Hải Quang",
        "legacy": "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định",
    },
    "certificate": {
        "stars": 4,
        "level": "provincial",
        "decision_no": "104/QĐ-UBND",
        "recognised_on": "2025-10-01",
        "expires_on": "2028-10-01",
        "status": "valid",
    },
}
HIT = {
    "producer_name": "HTX Hải Đông",
    "province_name": "Ninh Bình",
    "province_code": "37",
    "stars": 4,
    "group": "thuc_pham",
    "price_vnd": 85000,
    "image": "http://127.0.0.1:8001/v1/media/products/p1/f1/original.jpg",
}
SEARCH = {
    "hits": [{**HIT, "id": f"p{i}", "name": f"Nước mắm {i}"} for i in range(20)],
    "total": 54,
    "facets": {
        "stars": {"3": 40, "4": 13, "5": 1},
        "group": {"thuc_pham": 30, "do_uong": 10},
        "province_code": {"37": 20, "01": 10},
        "certification": {},
        "product_set": {},
    },
}
SHOPS = [
    {
        "channel": "postmart",
        "channel_name": "Postmart",
        "external_id": "100003",
        "price_vnd": 85000,
        "listing_url": "https://postmart.vn/p/nuoc-mam-100003.html",
    }
]
PAGES = {"product": f"/products/{PRODUCT['id']}", "search": "/search?q=nuoc+mam", "home": "/"}


def answer(request: httpx.Request) -> httpx.Response:
    service, path = request.url.host.removesuffix(".stub"), request.url.path
    if service == "registry":
        return httpx.Response(200, json=PRODUCT if path.startswith("/v1/products/") else [])
    if service == "marketplace_sync":
        return httpx.Response(200, json=SHOPS)
    if service == "search":
        return httpx.Response(200, json=SEARCH)
    return httpx.Response(404, json={})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="ocop-page-cpu-")),
        registry_url="http://registry.stub",
        evaluation_url="http://evaluation.stub",
        marketplace_sync_url="http://marketplace_sync.stub",
        search_url="http://search.stub",
        secret_key="page-cpu-bench-signing-key-0123456789abcdef",
    )
    report: dict[str, dict[str, float]] = {}
    with TestClient(create_app(settings, transport=httpx.MockTransport(answer))) as client:
        for name, path in PAGES.items():
            for _ in range(20):
                client.get(path)  # warm up: templates, caches, the short code
            times = []
            for _ in range(args.requests):
                started = time.process_time()
                response = client.get(path)
                times.append((time.process_time() - started) * 1000)
                response.raise_for_status()
            times.sort()
            report[name] = {
                "cpu_ms_p50": round(statistics.median(times), 2),
                "cpu_ms_p95": round(times[int(0.95 * len(times))], 2),
            }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
