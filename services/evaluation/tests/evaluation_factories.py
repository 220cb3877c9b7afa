"""Test data: product snapshots as the registry sends them, and a client with tokens."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from ocop_contracts import ProductChanged, ProductSnapshot
from ocop_evaluation.consumers import handlers
from ocop_kit.auth import Role, issue_token
from ocop_kit.consumer import consume

_versions = itertools.count(1)
FIVE_MEMBERS = [
    {"name": "Nguyễn Văn An", "role": "chair"},
    {"name": "Trần Thị Bình", "role": "member"},
    {"name": "Lê Văn Cường", "role": "member"},
    {"name": "Phạm Thị Dung", "role": "member"},
    {"name": "Hoàng Văn Em", "role": "member"},
    {"name": "Vũ Thị Giang", "role": "secretary"},
]


def snapshot(
    product_id: str,
    *,
    province_code: str = "25",
    group: str = "thuc_pham",
    product_set: str | None = None,
    stars: int | None = None,
    expires_on: date | None = None,
    status: str = "valid",
    name: str = "Nước mắm Hải Hậu",
) -> ProductSnapshot:
    certificate: dict[str, Any] | None = None
    if stars is not None:
        expires = expires_on or date.today() + timedelta(days=700)
        certificate = {
            "stars": stars,
            "level": "provincial",
            "recognised_on": expires - timedelta(days=3 * 365),
            "expires_on": expires,
            "status": status,
        }
    return ProductSnapshot.model_validate(
        {
            "id": product_id,
            "name": name,
            "group": group,
            "product_set": product_set,
            "producer": {
                "id": f"producer-{product_id}",
                "name": "HTX Hải Hậu",
                "kind": "cooperative",
            },
            "address": {"province_code": province_code, "province_name": "Ninh Bình"},
            "certificate": certificate,
        }
    )


def deliver_product(db: Any, product: ProductSnapshot) -> str:
    """Deliver a product.changed event through the real consumer (inbox, versions, handler)."""
    event = ProductChanged(aggregate_id=product.id, version=next(_versions) + 1000, payload=product)
    return consume(db, event, handlers)


class Api:
    """A TestClient that signs each request with a token of the given role."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.settings = client.app.state.settings  # type: ignore[attr-defined]

    def headers(self, role: Role = "admin", **scope: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(self.settings, role, **scope)}"}

    def as_(self, role: Role = "admin", **scope: str) -> Caller:
        return Caller(self.client, self.headers(role, **scope))

    def member(self, member_id: str) -> Caller:
        return self.as_("council_member", subject=member_id)


class Caller:
    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def get(self, url: str, **kw: Any) -> Any:
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.client.get(url, headers=headers, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.client.post(url, headers=headers, **kw)

    def put(self, url: str, **kw: Any) -> Any:
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.client.put(url, headers=headers, **kw)


def full_scores(criteria: list[dict[str, Any]], target: float) -> dict[str, float]:
    """A complete sheet whose total is as close to `target` as the allowed points permit
    (greedy from the top): used to steer a test to a wanted star level."""
    scores = {c["code"]: c["allowed_points"][0] for c in criteria}
    remaining = target - sum(scores.values())
    for c in criteria:
        for points in sorted(c["allowed_points"], reverse=True):
            extra = points - scores[c["code"]]
            if extra <= remaining + 1e-9:
                scores[c["code"]] = points
                remaining -= extra
                break
    return scores
