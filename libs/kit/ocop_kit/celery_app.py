"""The Celery app factory: at-least-once delivery, bounded retries and a dead-letter record."""

from __future__ import annotations

import gc
import logging
import traceback
from typing import Any

from celery import Celery, Task
from celery.signals import worker_ready

import ocop_kit.broker  # noqa: F401  (registers the embedded transport)
from ocop_contracts import VIETNAM_TZ, queue_for
from ocop_kit.db import ServiceDatabase
from ocop_kit.settings import KitSettings
from ocop_kit.tables import DeadLetter

log = logging.getLogger(__name__)


class PermanentError(Exception):
    """A failure that retrying cannot fix (bad message, rejected content): dead-letter at once."""


class ReliableTask(Task):
    """Retries with exponential backoff and jitter; what still fails is kept as a dead letter."""

    autoretry_for = (Exception,)
    dont_autoretry_for = (PermanentError,)
    max_retries = 6
    retry_backoff = 1
    retry_backoff_max = 300
    retry_jitter = True

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        log.error("task failed for good", extra={"task": self.name, "task_id": task_id})
        db: ServiceDatabase | None = getattr(self.app, "ocop_db", None)
        if db is not None:
            record_dead_letter(
                db,
                self.name,
                task_id,
                list(args or []),
                dict(kwargs or {}),
                exc,
                retries=self.request.retries or 0,
            )


def record_dead_letter(
    db: ServiceDatabase,
    task_name: str,
    task_id: str,
    args: list[Any],
    kwargs: dict[str, Any],
    exc: BaseException,
    retries: int = 0,
) -> None:
    """Keep a task that failed for good, for people to inspect and replay (it is sent again as
    `task_name` with these arguments)."""
    with db.session() as session:
        session.add(
            DeadLetter(
                task_name=task_name,
                task_id=task_id,
                args=args,
                kwargs=kwargs,
                error="".join(traceback.format_exception_only(type(exc), exc)).strip(),
                retries=retries,
            )
        )


@worker_ready.connect
def _freeze_startup_objects(**_: Any) -> None:
    """Keep the garbage collector's full passes to the objects made after start-up. Each full
    pass walks every object the process holds (modules, Celery, SQLAlchemy, the contracts'
    validators: about 180,000 in the search worker), and a batch of events allocates enough
    to run one every few batches: with them, a third of the search worker's CPU in a bulk
    import (bench/platform/README.md, session 7)."""
    gc.freeze()


def make_celery(service: str, settings: KitSettings, db: ServiceDatabase | None = None) -> Celery:
    """A Celery app for one service, consuming the service's own queue."""
    broker = settings.celery_broker_url()
    app: Celery = Celery(f"ocop_{service}", broker=broker, task_cls=ReliableTask)
    transport_options: dict[str, Any] = {}
    if broker.startswith("redis"):
        # A task whose worker died unacknowledged comes back after this long. Kombu looks for
        # such tasks every 10 s but by default scans only every tenth time (every 100 s).
        transport_options = {
            "visibility_timeout": settings.visibility_timeout_seconds,
            "unacked_restore_throttle": 1,
        }
    app.conf.update(
        task_default_queue=queue_for(service),
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_enable_remote_control=broker.startswith("redis"),
        worker_send_task_events=False,
        enable_utc=True,
        timezone=VIETNAM_TZ.key,
    )
    app.ocop_db = db  # type: ignore[attr-defined]
    return app
