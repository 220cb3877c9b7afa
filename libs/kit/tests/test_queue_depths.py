"""`ocop_queue_depth`: the messages waiting in every service's queue and jobs queue."""

from __future__ import annotations

from pathlib import Path

from ocop_contracts import SERVICES, jobs_queue_for, queue_for
from ocop_kit.celery_app import make_celery
from ocop_kit.metrics import queue_depths
from ocop_kit.settings import KitSettings


def test_queue_depths_count_what_waits_in_each_queue_and_jobs_queue(tmp_path: Path, redis_url: str):
    celery = make_celery("registry", KitSettings(data_dir=tmp_path, broker_url=redis_url))
    for _ in range(2):
        celery.send_task(
            "ocop.registry.import_sheet", args=["job"], queue=jobs_queue_for("registry")
        )
    celery.send_task("ocop.search.events", args=[[]], queue=queue_for("search"))
    depths = queue_depths(celery)
    assert depths == {
        **{queue_for(s): 0 for s in SERVICES},
        queue_for("search"): 1,
        jobs_queue_for("registry"): 2,
    }
