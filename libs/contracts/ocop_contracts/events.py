"""The events services exchange.

Every event is an envelope (id, type, aggregate, version, time, correlation id) around a typed
payload. Events about a product carry the whole product snapshot, so a consumer never has to call
back the registry: it upserts the snapshot, and ignores any event older than what it already holds.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


def new_event_id() -> str:
    return str(uuid.uuid4())


def utc_now() -> datetime:
    return datetime.now(UTC)


class Contract(BaseModel):
    """Base of every contract model: unknown fields are kept, so producers can add fields first."""

    model_config = ConfigDict(extra="allow", frozen=True)


# --- payload parts -----------------------------------------------------------------------------


class ProducerRef(Contract):
    id: str
    name: str
    kind: Literal["enterprise", "cooperative", "cooperative_group", "household"]


class AddressSnapshot(Contract):
    province_code: str
    province_name: str
    ward_code: str | None = None
    ward_name: str | None = None
    legacy: str | None = None
    legacy_commune: str | None = None
    legacy_district: str | None = None
    legacy_province: str | None = None


class CertificationRef(Contract):
    scheme: str
    number: str | None = None
    valid_until: date | None = None


CertificateStatus = Literal["valid", "expiring", "expired", "revoked"]
CertificateLevel = Literal["district", "commune", "provincial", "central"]


class CertificateSnapshot(Contract):
    stars: int = Field(ge=1, le=5)
    level: CertificateLevel
    decision_no: str | None = None
    recognised_on: date
    expires_on: date
    status: CertificateStatus


class ProductSnapshot(Contract):
    """The product as the registry holds it, with its producer, address and star certificate."""

    id: str
    name: str
    description: str | None = None
    group: str
    group_name: str | None = None
    # The bộ sản phẩm (Decision 26/2026) scoring the product; None while it awaits a choice
    # (and in events published before sets existed).
    product_set: str | None = None
    product_set_name: str | None = None
    price_vnd: int | None = None
    unit: str | None = None
    barcode: str | None = None
    weight_grams: int | None = None
    images: list[str] = []
    certifications: list[CertificationRef] = []
    channels: list[str] = []
    producer: ProducerRef
    address: AddressSnapshot
    certificate: CertificateSnapshot | None = None
    deleted: bool = False

    @property
    def is_public(self) -> bool:
        """Only products holding a valid (or soon expiring) star certificate are public."""
        return (
            not self.deleted
            and self.certificate is not None
            and self.certificate.status in ("valid", "expiring")
        )


class ScoreSheetSnapshot(Contract):
    member_id: str
    member_name: str
    role: str
    total: float
    scores: dict[str, float]
    # The answers chosen on cards with answer options (criterion code → answer number).
    answers: dict[str, int] = {}
    mandatory_failed: list[str] = []


class EvaluationDecisionPayload(Contract):
    session_id: str
    application_id: str
    product_id: str
    level: Literal["provincial", "central"]
    province_code: str
    criteria_set: str
    # The version of the set the session used (None in events from before versions).
    criteria_set_version: int | None = None
    total: float
    stars: int
    outcome: Literal["recognised", "not_recognised", "proposed_to_central", "needs_discussion"]
    decision_no: str | None = None
    decided_on: date
    sheets: list[ScoreSheetSnapshot] = []


class ListingPayload(Contract):
    product_id: str
    channel: str
    status: Literal["pending", "blocked", "syncing", "listed", "failed", "delisted"]
    external_id: str | None = None


class SearchIndexedPayload(Contract):
    """Products the search index took in (shown to shoppers) and took out, in one index commit."""

    searchable: list[str] = []
    removed: list[str] = []


# --- envelopes -----------------------------------------------------------------------------------


class EventBase(Contract):
    id: str = Field(default_factory=new_event_id)
    aggregate_type: str
    aggregate_id: str
    version: int = Field(ge=1)
    occurred_at: datetime = Field(default_factory=utc_now)
    correlation_id: str | None = None


class ProductChanged(EventBase):
    """A product was created or changed (anything in its snapshot, certificate included)."""

    type: Literal["product.changed"] = "product.changed"
    aggregate_type: str = "product"
    payload: ProductSnapshot


class CertificateIssued(EventBase):
    """A star certificate was issued, renewed or upgraded; the snapshot holds the new one."""

    type: Literal["certificate.issued"] = "certificate.issued"
    aggregate_type: str = "product"
    payload: ProductSnapshot


class CertificateExpiring(EventBase):
    """A certificate expires within the notice period: the producer must be told."""

    type: Literal["certificate.expiring"] = "certificate.expiring"
    aggregate_type: str = "product"
    payload: ProductSnapshot


class CertificateExpired(EventBase):
    type: Literal["certificate.expired"] = "certificate.expired"
    aggregate_type: str = "product"
    payload: ProductSnapshot


class CertificateRevoked(EventBase):
    type: Literal["certificate.revoked"] = "certificate.revoked"
    aggregate_type: str = "product"
    payload: ProductSnapshot


class ProductMerged(EventBase):
    """A product was merged into another (the same product registered twice): consumers drop
    it as a withdrawn product (its snapshot says `deleted: true`); `merged_into` is the product
    that now holds its certificates, listings and history."""

    type: Literal["product.merged"] = "product.merged"
    aggregate_type: str = "product"
    payload: ProductSnapshot
    merged_into: str


class EvaluationDecided(EventBase):
    """A council decided on an application; a recognised outcome becomes a certificate."""

    type: Literal["evaluation.decided"] = "evaluation.decided"
    aggregate_type: str = "application"
    payload: EvaluationDecisionPayload


class ListingChanged(EventBase):
    """A marketplace listing went on sale (`listed`) or came off it (the registry counts
    products sold online)."""

    type: Literal["listing.changed"] = "listing.changed"
    aggregate_type: str = "listing"
    payload: ListingPayload


class SearchIndexed(EventBase):
    """An index commit: which products shoppers can now find (the registry shows an import's
    progress with it). Each commit is its own aggregate."""

    type: Literal["search.indexed"] = "search.indexed"
    aggregate_type: str = "search_commit"
    version: int = 1
    payload: SearchIndexedPayload


class Ping(EventBase):
    """A no-op event for health checks and delivery measurements."""

    type: Literal["system.ping"] = "system.ping"
    aggregate_type: str = "ping"
    payload: dict[str, Any] = {}


# The events that carry a product's whole snapshot; consumers keep their read models with them.
ProductEvent = (
    ProductChanged
    | CertificateIssued
    | CertificateExpiring
    | CertificateExpired
    | CertificateRevoked
    | ProductMerged
)

Event = Annotated[
    ProductEvent | EvaluationDecided | ListingChanged | SearchIndexed | Ping,
    Field(discriminator="type"),
]

# The product events' type names, for subscribing (routing) and registering one batch handler.
PRODUCT_EVENTS: tuple[str, ...] = tuple(
    event.model_fields["type"].default for event in get_args(ProductEvent)
)

_event_adapter: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(data: dict[str, Any] | str | bytes) -> Event:
    """Parse an event from its JSON form (dict or text); raises pydantic.ValidationError."""
    if isinstance(data, dict):
        return _event_adapter.validate_python(data)
    return _event_adapter.validate_json(data)


_events_adapter: TypeAdapter[list[Event]] = TypeAdapter(list[Event])


def parse_events(data: str | bytes) -> list[Event]:
    """Parse a JSON array of events in one pass; raises pydantic.ValidationError if any one of
    them is malformed (then parse them one by one to tell which)."""
    return _events_adapter.validate_json(data)
