"""`/readyz` answers for the search engine too, not only the database and the broker."""

from __future__ import annotations

import socket
from pathlib import Path

from fastapi.testclient import TestClient

from ocop_search.app import create_app
from ocop_search.settings import Settings


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_ready_on_the_embedded_engine(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path))) as client:
        answer = client.get("/readyz")
    assert answer.status_code == 200, answer.text


def test_not_ready_when_meilisearch_does_not_answer(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, meili_url=f"http://127.0.0.1:{closed_port()}")
    with TestClient(create_app(settings)) as client:
        answer = client.get("/readyz")
        alive = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["dependency"] == "search engine"
    assert answer.json()["detail_en"] == "search engine does not answer"
    assert alive.status_code == 200  # alive, just not ready: restarting it would not help
