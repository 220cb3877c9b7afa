"""The events the search service publishes (through the outbox, in the caller's transaction).

`search.indexed`: after each index commit, which products shoppers can now find and which were
removed (the registry shows an import's progress with it).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ocop_contracts import SearchIndexed, SearchIndexedPayload
from ocop_kit.db import new_id
from ocop_kit.outbox import publish


def announce_indexed(session: Session, indexed: SearchIndexedPayload) -> None:
    """Publish `search.indexed`; each index commit is its own aggregate."""
    publish(session, SearchIndexed(aggregate_id=new_id(), payload=indexed))
