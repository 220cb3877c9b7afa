"""A task that cannot succeed ends as a dead letter, visible and replayable through the API."""

from __future__ import annotations

import subprocess
import sys

import httpx

from ocop_contracts import event_task
from ocop_kit.celery_app import make_celery
from ocop_kit.settings import KitSettings
from ocop_kit.testing import start_system, wait_for


def test_malformed_event_is_dead_lettered_and_listed_for_operators(tmp_path):
    with start_system(tmp_path / "system") as system:
        settings = KitSettings(data_dir=system.data_dir)
        celery = make_celery("test", settings)
        celery.send_task(event_task("search"), args=[{"type": "no.such.event"}], queue="search")

        with system.client("search", "sync_operator") as client:

            def dead_letters() -> list[dict]:
                response = client.get("/v1/dead-letters")
                assert response.status_code == 200, response.text
                return response.json()["items"]

            wait_for(dead_letters, timeout=30, message="the dead letter")
            [letter] = dead_letters()
            assert letter["task_name"] == "ocop.search.event"
            assert "malformed event" in letter["error"]
            assert letter["retries"] == 0  # a permanent error is not retried
            replay = client.post(f"/v1/dead-letters/{letter['id']}/replay")
            assert replay.status_code == 202
            assert replay.json()["replayed_at"] is not None

        anonymous = httpx.get(f"{system.urls['search']}/v1/dead-letters")
        assert anonymous.status_code == 401
        producer_token = system.token("producer", producer_id="p-1")
        as_producer = httpx.get(
            f"{system.urls['search']}/v1/dead-letters",
            headers={"Authorization": f"Bearer {producer_token}"},
        )
        assert as_producer.status_code == 403


def test_ocop_token_prints_a_token_the_running_system_accepts(tmp_path):
    with start_system(tmp_path / "system") as system:
        printed = subprocess.run(
            [
                sys.executable,
                "-m",
                "ocop_cli.main",
                "token",
                "--role",
                "admin",
                "--data-dir",
                str(system.data_dir),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        response = httpx.get(
            f"{system.urls['registry']}/v1/dead-letters",
            headers={"Authorization": f"Bearer {printed}"},
        )
        assert response.status_code == 200
        refused = subprocess.run(
            [
                sys.executable,
                "-m",
                "ocop_cli.main",
                "token",
                "--role",
                "province_officer",
                "--data-dir",
                str(system.data_dir),
            ],
            capture_output=True,
            text=True,
        )
        assert refused.returncode != 0 and "province" in refused.stderr
