"""The portal's own table on PostgreSQL: migrations run, a target is kept with its history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from ocop_kit.auth import issue_token
from ocop_kit.history import history_of
from ocop_portal.app import create_app
from ocop_portal.dashboard.models import ProvinceTarget
from ocop_portal.settings import Settings


def test_target_is_stored_once_per_province_and_year_with_history_on_postgresql(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=postgres_url,
        data_dir=tmp_path,
        registry_url="http://registry.stub",
        secret_key="portal-test-signing-key-of-enough-length-0123456789",
    )
    stats = httpx.Response(200, json={"certified_total": 5, "by_stars": {"3": 5}})
    app = create_app(settings, transport=httpx.MockTransport(lambda request: stats))
    with TestClient(app, follow_redirects=False) as client:
        client.cookies.set("ocop_token", issue_token(settings, "admin", subject="admin-1"))
        for value in ("30", "35"):
            answer = client.post(
                "/dashboard/target",
                data={"province_code": "37", "year": "2026", "target_products": value},
            )
            assert answer.status_code == 303
        with app.state.db.session() as session:
            rows = session.scalars(select(ProvinceTarget)).all()
            assert [(r.province_code, r.year, r.target_products) for r in rows] == [
                ("37", 2026, 35)
            ]
            changes: list[Any] = list(history_of(session, "province_target", rows[0].id))
            assert [c.action for c in changes] == ["created", "updated"]
            assert changes[1].before == {"target_products": 30, "note": None}
        page = client.get("/dashboard", params={"province_code": "37"}).text
        assert "<strong>5</strong> / 35" in page
