"""The Portal service's Celery worker: consumes the `portal` queue."""

from sqlalchemy.orm import Session

from ocop_contracts import Ping
from ocop_kit.celery_app import make_celery
from ocop_kit.consumer import EventHandlers, register_event_consumer
from ocop_kit.db import ServiceDatabase
from ocop_portal import SERVICE
from ocop_portal.settings import get_settings

settings = get_settings()
db = ServiceDatabase(SERVICE, settings)
celery = make_celery(SERVICE, settings, db)
handlers = EventHandlers()


@handlers.on("system.ping")
def on_ping(session: Session, event: Ping) -> None:
    """Nothing to do: the inbox record is the proof of delivery."""


register_event_consumer(celery, db, handlers, SERVICE)
