"""Fixtures: the registry app on a fresh PostgreSQL database, tokens, and small factories."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ocop_kit.auth import issue_token
from ocop_kit.db import ServiceDatabase
from ocop_kit.tables import OutboxEvent
from ocop_registry.app import create_app
from ocop_registry.settings import Settings

NAM_DINH_LEGACY = "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định"  # now Ninh Bình, code 37
NINH_BINH = "37"
HA_NOI = "01"


class Registry:
    def __init__(self, client: TestClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.db: ServiceDatabase = client.app.state.db  # type: ignore[attr-defined]

    def headers(self, role: str = "admin", **scope: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(self.settings, role, **scope)}"}

    def officer(self, province: str = NINH_BINH) -> dict[str, str]:
        return self.headers("province_officer", province_code=province)

    def producer(self, name: str = "HTX Nông nghiệp Hải Đông", **fields: Any) -> dict[str, Any]:
        body = {"name": name, "kind": "cooperative", "address": {"legacy": NAM_DINH_LEGACY}}
        body.update(fields)
        response = self.client.post("/v1/producers", json=body, headers=self.headers())
        assert response.status_code == 201, response.text
        return response.json()

    def product(self, producer_id: str, name: str = "Gạo tám Hải Hậu", **fields: Any) -> dict:
        body = {"producer_id": producer_id, "name": name, "group": "thuc_pham"}
        body.update(fields)
        response = self.client.post("/v1/products", json=body, headers=self.headers())
        assert response.status_code == 201, response.text
        return response.json()

    def events(self, aggregate_id: str | None = None) -> list[dict[str, Any]]:
        with self.db.session() as session:
            query = select(OutboxEvent).order_by(OutboxEvent.seq)
            if aggregate_id:
                query = query.where(OutboxEvent.aggregate_id == aggregate_id)
            return [row.body for row in session.scalars(query)]


@pytest.fixture
def registry(postgres_url: str, tmp_path) -> Iterator[Registry]:
    settings = Settings(database_url=postgres_url, data_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        yield Registry(client, settings)
