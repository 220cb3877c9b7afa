"""The registry's real Celery workers (PostgreSQL + Redis): its jobs worker runs imports posted to
the API, its worker issues certificates from `evaluation.decided` events."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from ocop_contracts import EvaluationDecided, event_task, queue_for
from ocop_kit.auth import issue_token
from ocop_kit.dates import today_local
from ocop_kit.testing import wait_for
from ocop_registry.app import create_app
from ocop_registry.settings import Settings

from .test_imports import GOOD_ROWS, sheet_csv


@pytest.mark.slow
def test_worker_runs_imports_and_issues_certificates_from_decisions(
    postgres_url, redis_url, tmp_path
):
    env = {
        **os.environ,
        "OCOP_DATA_DIR": str(tmp_path),
        "OCOP_DATABASE_URL": postgres_url,
        "OCOP_BROKER_URL": redis_url,
    }
    settings = Settings(data_dir=tmp_path, database_url=postgres_url, broker_url=redis_url)
    headers = {"Authorization": f"Bearer {issue_token(settings, 'admin')}"}
    log = (tmp_path / "worker.log").open("wb")
    with TestClient(create_app(settings)) as client:
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "ocop_registry", "worker", *jobs],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            for jobs in ([], ["--jobs"])
        ]
        try:
            job = client.post(
                "/v1/imports",
                files={"file": ("a.csv", sheet_csv(GOOD_ROWS), "text/csv")},
                headers=headers,
            ).json()

            def finished() -> bool:
                status = client.get(f"/v1/imports/{job['id']}", headers=headers).json()
                return status["status"] in ("done", "failed")

            wait_for(finished, timeout=90, interval=0.3, message="the import to finish")
            status = client.get(f"/v1/imports/{job['id']}", headers=headers).json()
            assert status["status"] == "done" and status["rows_imported"] == 3

            items = client.get("/v1/products?status=none", headers=headers).json()["items"]
            [sauce] = [p for p in items if p["name"] == "Nước mắm Giao Châu"]
            decision = EvaluationDecided(
                aggregate_id="application-1",
                version=1,
                payload={
                    "session_id": "s1",
                    "application_id": "application-1",
                    "product_id": sauce["id"],
                    "level": "provincial",
                    "province_code": "37",
                    "criteria_set": "148/2023",
                    "total": 72.25,
                    "stars": 4,
                    "outcome": "recognised",
                    "decision_no": "501/QĐ-UBND",
                    "decided_on": (today_local() - timedelta(days=1)).isoformat(),
                },
            )
            celery = client.app.state.celery
            celery.send_task(
                event_task("registry"),
                args=[decision.model_dump(mode="json")],
                queue=queue_for("registry"),
            )

            def certified() -> bool:
                return client.get(f"/v1/products/{sauce['id']}").status_code == 200

            wait_for(certified, timeout=60, interval=0.3, message="the certificate")
            product = client.get(f"/v1/products/{sauce['id']}").json()
            assert product["certificate"]["stars"] == 4
            assert product["certificate"]["decision_no"] == "501/QĐ-UBND"
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
            log.close()
