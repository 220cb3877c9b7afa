"""The Evaluation service's Celery worker: consumes the `evaluation` queue (the handlers are in
`consumers.py`)."""

from ocop_evaluation import SERVICE
from ocop_evaluation.consumers import handlers
from ocop_evaluation.settings import get_settings
from ocop_kit.celery_app import make_celery
from ocop_kit.consumer import register_event_consumer
from ocop_kit.db import ServiceDatabase

settings = get_settings()
db = ServiceDatabase(SERVICE, settings)
celery = make_celery(SERVICE, settings, db)

__all__ = ["celery", "handlers"]

register_event_consumer(celery, db, handlers, SERVICE)
