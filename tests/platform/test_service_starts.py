"""Every service starts on the embedded default: it migrates its database, answers its health
check, publishes its OpenAPI and answers an unknown path with problem details."""

from __future__ import annotations

import importlib

import pytest
from fastapi.testclient import TestClient

from ocop_contracts import SERVICES

TITLES = {
    "portal": "OCOP Hub — Portal",
    "registry": "OCOP Hub — Registry",
    "evaluation": "OCOP Hub — Evaluation",
    "marketplace_sync": "OCOP Hub — Marketplace sync",
    "search": "OCOP Hub — Search",
}


@pytest.mark.parametrize("service", SERVICES)
def test_service_migrates_and_answers_health(service, tmp_path):
    create_app = importlib.import_module(f"ocop_{service}.app").create_app
    settings = importlib.import_module(f"ocop_{service}.settings").Settings
    with TestClient(create_app(settings(data_dir=tmp_path))) as client:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "service": service}
        assert client.get("/openapi.json").json()["info"]["title"] == TITLES[service]
        missing = client.get("/v1/no-such-thing")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
