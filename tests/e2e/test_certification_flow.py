"""The whole programme through real workers: a producer registers a product, a provincial council
of five scores it, the decision becomes a certificate in the registry, search finds the product,
and its marketplace listings appear on the simulator. Runs on Redis + PostgreSQL and on the
embedded default."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from ocop_kit.testing import System, wait_for

MEMBERS = [
    {"name": "Nguyễn Văn An", "role": "chair"},
    {"name": "Trần Thị Bình", "role": "member"},
    {"name": "Lê Văn Cường", "role": "member"},
    {"name": "Phạm Thị Dung", "role": "member"},
    {"name": "Hoàng Văn Em", "role": "member"},
    {"name": "Vũ Thị Giang", "role": "secretary"},
]
TARGET_TOTALS = [76, 74, 78, 75, 72]  # mean 75: four stars, spread 6 (under 10)
CHANNELS = ["shopee", "lazada", "provincial"]


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def scores_for(criteria: list[dict[str, Any]], target: float) -> dict[str, float]:
    """A full sheet whose total comes as close to `target` as the allowed points permit."""
    scores = {c["code"]: min(c["allowed_points"]) for c in criteria}
    remaining = target - sum(scores.values())
    for criterion in criteria:
        for points in sorted(criterion["allowed_points"], reverse=True):
            extra = points - scores[criterion["code"]]
            if extra <= remaining + 1e-9:
                scores[criterion["code"]] = points
                remaining -= extra
                break
    return scores


def register_product(
    system: System,
    producer_name: str = "Hợp tác xã Nước mắm Hải Hậu",
    confirm_not_duplicate: bool = False,
) -> dict[str, Any]:
    """A producer and its product; `confirm_not_duplicate` for a product registered again on
    purpose (the registry otherwise answers 409 with the look-alike)."""
    with system.client("registry", "admin") as registry:
        producer = ok(
            registry.post(
                "/v1/producers",
                json={
                    "name": producer_name,
                    "kind": "cooperative",
                    "address": {"legacy": "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định"},
                },
            ),
            201,
        )
        return ok(
            registry.post(
                "/v1/products",
                json={
                    "producer_id": producer["id"],
                    "name": "Nước mắm cốt Hải Hậu",
                    "group": "thuc_pham",
                    "description": "Nước mắm truyền thống ủ chượp 12 tháng",
                    "price_vnd": 120_000,
                    "unit": "chai 500 ml",
                    "weight_grams": 650,
                    "images": ["https://ocop.example.vn/anh/nuoc-mam.jpg"],
                    "channels": CHANNELS,
                    "confirm_not_duplicate": confirm_not_duplicate,
                },
            ),
            201,
        )


def evaluate(system: System, product: dict[str, Any]) -> dict[str, Any]:
    province = product["address"]["province_code"]
    officer = system.client("evaluation", "province_officer", province_code=province)
    with officer:
        session = ok(
            officer.post(
                "/v1/sessions",
                json={
                    "level": "provincial",
                    "province_code": province,
                    "criteria_set": "qd-148-2023",
                    "members": MEMBERS,
                },
            ),
            201,
        )
        base = f"/v1/sessions/{session['id']}"

        def apply() -> dict[str, Any] | None:
            # The evaluation service learns of the product through the registry's event.
            response = officer.post(f"{base}/applications", json={"product_id": product["id"]})
            return response.json() if response.status_code == 201 else None

        application: dict[str, Any] = {}
        wait_for(
            lambda: application.update(apply() or {}) or application,
            timeout=30,
            message="the evaluation service to know the product",
        )
        url = f"{base}/applications/{application['id']}"
        criteria = ok(officer.get(url))["criteria"]
        scorers = [m for m in session["members"] if m["role"] in ("chair", "member")]
        assert len(scorers) == 5
        for member, target in zip(scorers, TARGET_TOTALS, strict=True):
            with system.client("evaluation", "council_member", subject=member["id"]) as own:
                ok(
                    own.put(
                        f"{url}/scores/{member['id']}",
                        json={"scores": scores_for(criteria, target)},
                    )
                )
        return ok(officer.post(f"{url}/decision"))


def test_council_decision_certifies_indexes_and_lists_the_product(system):
    product = register_product(system)
    assert product["certificate"] is None

    decision = evaluate(system, product)
    assert decision["outcome"] == "recognised"
    assert decision["stars"] == 4
    assert 70 <= decision["total"] < 90

    with system.client("registry", "admin") as registry:

        def certificate() -> dict[str, Any] | None:
            return registry.get(f"/v1/products/{product['id']}").json()["certificate"]

        wait_for(certificate, timeout=30, message="the registry to issue the certificate")
        issued = certificate()
    # Once certified, the product is public: anyone may read it.
    assert httpx.get(f"{system.urls['registry']}/v1/products/{product['id']}").status_code == 200
    assert issued is not None
    assert issued["stars"] == 4 and issued["status"] == "valid"
    recognised = date.fromisoformat(issued["recognised_on"])
    expires = date.fromisoformat(issued["expires_on"])
    assert (expires.year - recognised.year) * 12 + expires.month - recognised.month == 36

    with system.client("search") as search:

        def found() -> list[dict[str, Any]]:
            hits = search.get("/v1/search", params={"q": "nuoc mam hai hau"}).json()["hits"]
            return [hit for hit in hits if hit["id"] == product["id"]]

        wait_for(found, timeout=30, message="search to find the certified product")
        [hit] = found()
        assert hit["stars"] == 4

    with system.client("marketplace_sync", "sync_operator") as sync:

        def listed() -> set[str]:
            rows = sync.get("/v1/listings", params={"product_id": product["id"]}).json()["items"]
            return {row["channel"] for row in rows if row["status"] == "listed"}

        wait_for(
            lambda: listed() == set(CHANNELS),
            timeout=60,
            message="listings on every chosen channel",
        )
    on_simulator = httpx.get(f"{system.urls['simulator']}/_sim/listings").json()
    assert sorted(row["channel"] for row in on_simulator if row["sku"] == product["id"]) == sorted(
        CHANNELS
    )
