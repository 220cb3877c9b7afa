"""What the registry does with the events it receives (run inside the consume transaction).

`evaluation.decided`: a recognised outcome issues the certificate. `listing.changed`: which
products sell online (for the e-commerce share in the figures). `search.indexed`: which products
shoppers can find (for an import's progress).
"""

from sqlalchemy.orm import Session

from ocop_contracts import EvaluationDecided, ListingChanged, Ping, SearchIndexed
from ocop_kit.consumer import EventHandlers
from ocop_kit.db import upsert_rows, utc_now
from ocop_registry.certificates.service import issue_certificate
from ocop_registry.products.models import MarketListing, Product, SearchVisibility

handlers = EventHandlers()


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


@handlers.on_batch("listing.changed")
def on_listings_changed(session: Session, events: list[ListingChanged]) -> None:
    """Remember each product's status on each channel (for the e-commerce share and an
    import's progress), the batch in one statement; the last word on a listing wins."""
    now = utc_now()
    rows = {
        (e.payload.product_id, e.payload.channel): {
            "product_id": e.payload.product_id,
            "channel": e.payload.channel,
            "status": e.payload.status,
            "updated_at": now,
        }
        for e in events
    }
    upsert_rows(
        session,
        MarketListing.__table__,
        list(rows.values()),
        key=["product_id", "channel"],
        update=["status", "updated_at"],
    )


@handlers.on("search.indexed")
def on_search_indexed(session: Session, event: SearchIndexed) -> None:
    """Remember which products shoppers can find now."""
    record_search_visibility(session, event.payload.searchable, searchable=True)
    record_search_visibility(session, event.payload.removed, searchable=False)


def record_search_visibility(session: Session, product_ids: list[str], searchable: bool) -> None:
    now = utc_now()
    upsert_rows(
        session,
        SearchVisibility.__table__,
        [{"product_id": i, "searchable": searchable, "updated_at": now} for i in product_ids],
        key=["product_id"],
        update=["searchable", "updated_at"],
    )
