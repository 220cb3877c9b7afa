"""The Registry service's Celery worker: consumes the `registry` queue.

Events: `evaluation.decided` (a recognised outcome issues the certificate) and `listing.changed`
(which products sell online). Tasks: the hourly certificate status refresh and sheet imports.
"""

from sqlalchemy.orm import Session

from ocop_contracts import EvaluationDecided, ListingChanged, Ping
from ocop_kit.celery_app import make_celery
from ocop_kit.consumer import EventHandlers, register_event_consumer
from ocop_kit.db import ServiceDatabase, utc_now
from ocop_registry import SERVICE
from ocop_registry.certificates.service import issue_certificate, refresh_certificate_statuses
from ocop_registry.imports.service import IMPORT_TASK, run_import
from ocop_registry.products.models import MarketListing, Product
from ocop_registry.settings import get_settings

settings = get_settings()
db = ServiceDatabase(SERVICE, settings)
celery = make_celery(SERVICE, settings, db)
handlers = EventHandlers()
REFRESH_TASK = "ocop.registry.refresh_certificate_status"


@handlers.on("system.ping")
def on_ping(session: Session, event: Ping) -> None:
    """Nothing to do: the inbox record is the proof of delivery."""


@handlers.on("evaluation.decided")
def on_evaluation_decided(session: Session, event: EvaluationDecided) -> None:
    """A recognised outcome issues the certificate; other outcomes change nothing here."""
    apply_evaluation_decision(session, event)


def apply_evaluation_decision(session: Session, event: EvaluationDecided) -> None:
    decision = event.payload
    if decision.outcome != "recognised":
        return
    product = session.get(Product, decision.product_id)
    if product is None:
        # Evaluation only knows products from our events, so this is a message for another
        # deployment or a deleted product: nothing to certify.
        return
    issue_certificate(
        session,
        product,
        stars=decision.stars,
        level=decision.level,
        decision_no=decision.decision_no,
        recognised_on=decision.decided_on,
        source="evaluation",
        actor=f"evaluation:{decision.session_id}",
        application_id=decision.application_id,
    )


@handlers.on("listing.changed")
def on_listing_changed(session: Session, event: ListingChanged) -> None:
    """Remember each product's status on each channel (for the e-commerce share)."""
    record_listing(session, event)


def record_listing(session: Session, event: ListingChanged) -> None:
    listing = event.payload
    row = session.get(MarketListing, (listing.product_id, listing.channel))
    if row is None:
        session.add(
            MarketListing(
                product_id=listing.product_id, channel=listing.channel, status=listing.status
            )
        )
    else:
        row.status = listing.status
        row.updated_at = utc_now()


@celery.task(name=REFRESH_TASK)
def refresh_certificate_status() -> dict[str, int]:
    """Hourly: announce certificates entering the expiry window, notices due, and expiries."""
    with db.session() as session:
        result = refresh_certificate_statuses(session)
    return result.__dict__


@celery.task(name=IMPORT_TASK)
def import_sheet(job_id: str) -> str:
    """Import an uploaded sheet in the background (safe to run again: rows are upserts)."""
    return run_import(db, job_id)


register_event_consumer(celery, db, handlers, SERVICE)
