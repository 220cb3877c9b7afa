from fastapi.testclient import TestClient

from ocop_portal.app import create_app
from ocop_portal.settings import Settings


def test_service_migrates_and_answers_health(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    with TestClient(app) as client:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "service": "portal"}
        assert client.get("/openapi.json").json()["info"]["title"] == "OCOP Hub — Portal"
        missing = client.get("/v1/no-such-thing")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
