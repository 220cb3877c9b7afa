"""Search follows the real registry through `ocop up`: a certificate entered in the registry makes
the product searchable (also by its pre-2025 address), a revocation removes it, and the full
reindex reads the registry's real export endpoint and swaps the index in."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from ocop_kit.testing import System, start_system, wait_for


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def certified_product(system: System, name: str) -> str:
    with system.client("registry", "admin") as registry:
        producer = ok(
            registry.post(
                "/v1/producers",
                json={
                    "name": f"Hợp tác xã {name}",
                    "kind": "cooperative",
                    "address": {"legacy": "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định"},
                },
            ),
            201,
        )
        product = ok(
            registry.post(
                "/v1/products",
                json={"producer_id": producer["id"], "name": name, "group": "thuc_pham"},
            ),
            201,
        )
        recognised = (date.today() - timedelta(days=30)).isoformat()
        ok(
            registry.post(
                f"/v1/products/{product['id']}/certificate",
                json={"stars": 4, "level": "provincial", "recognised_on": recognised},
            ),
            201,
        )
    return str(product["id"])


def hits(system: System, q: str) -> list[str]:
    with system.client("search") as search:
        return [h["id"] for h in ok(search.get("/v1/search", params={"q": q}))["hits"]]


def generation(data_dir: Path) -> str:
    return str(json.loads((data_dir / "search" / "CURRENT").read_text())["generation"])


def test_search_follows_the_registry_and_reindexes_from_its_export(tmp_path: Path) -> None:
    with start_system(tmp_path / "system") as system:
        first = certified_product(system, "Nước mắm cốt Hải Hậu")
        wait_for(lambda: first in hits(system, "nuoc mam hai hau"), timeout=60)
        assert first in hits(system, "nam dinh")  # the legacy province

        with system.client("registry", "admin") as registry:
            ok(
                registry.post(
                    f"/v1/products/{first}/certificate/revoke",
                    json={"reason": "Vi phạm quy định sử dụng nhãn OCOP"},
                )
            )
        wait_for(lambda: first not in hits(system, "nuoc mam hai hau"), timeout=30)

        second = certified_product(system, "Gạo tám xoan Hải Hậu")
        wait_for(lambda: second in hits(system, "gao tam xoan"), timeout=30)

        before = generation(system.data_dir)
        with system.client("search", "admin") as search:
            ok(search.post("/v1/search/reindex"), 202)
        wait_for(lambda: generation(system.data_dir) != before, timeout=60, message="the swap")
        with system.client("search") as search:
            assert ok(search.get("/v1/search/index")) == {"engine": "tantivy", "documents": 1}
        assert hits(system, "hai hau") == [second]
