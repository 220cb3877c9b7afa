"""The Registry service's Celery worker: consumes the `registry` queue.

Events are handled in `consumers.py`; the tasks here are the hourly certificate status refresh
(sent by the beat) and sheet imports (sent by the import API).
"""

from celery import Task

from ocop_kit.celery_app import make_celery
from ocop_kit.consumer import register_event_consumer
from ocop_kit.db import ServiceDatabase
from ocop_registry import SERVICE
from ocop_registry.certificates.service import refresh_certificate_statuses
from ocop_registry.consumers import handlers
from ocop_registry.imports.service import IMPORT_TASK, mark_failed, run_import
from ocop_registry.notifications.mailer import (
    load_mail_sender,
    send_pending_emails,
    use_mail_sender,
)
from ocop_registry.settings import get_settings

settings = get_settings()
db = ServiceDatabase(SERVICE, settings)
celery = make_celery(SERVICE, settings, db)
if settings.mail_sender:
    use_mail_sender(load_mail_sender(settings.mail_sender))
REFRESH_TASK = "ocop.registry.refresh_certificate_status"


@celery.task(name=REFRESH_TASK)
def refresh_certificate_status() -> dict[str, int]:
    """Hourly: announce certificates entering the expiry window, notices due, and expiries;
    then e-mail the notices (also those an earlier run could not send)."""
    with db.session() as session:
        result = refresh_certificate_statuses(session)
    return {**result.__dict__, "emails": send_pending_emails(db)}


@celery.task(name=IMPORT_TASK, bind=True)
def import_sheet(self: Task, job_id: str) -> str:
    """Import an uploaded sheet in the background (safe to run again: rows are upserts).
    Retried on errors; after the last retry the job is marked failed, so nobody waits on it."""
    try:
        return run_import(db, job_id)
    except Exception as exc:
        if self.request.retries >= (self.max_retries or 0):
            mark_failed(db, job_id, exc)
        raise


register_event_consumer(celery, db, handlers, SERVICE)
