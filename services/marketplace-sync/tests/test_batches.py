"""Product events in batches, as the worker receives a bulk import's: one transaction, a few
statements, the same listings as one event at a time. On PostgreSQL and the embedded SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sync_factories import make_product, with_status

from ocop_contracts import CertificateExpired, CertificateIssued, ProductChanged
from ocop_kit.consumer import consume_batch
from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.service_cli import migrations_dir
from ocop_kit.tables import OutboxEvent
from ocop_marketplace_sync.channels.config import load_channels
from ocop_marketplace_sync.consumers import consumer_handlers
from ocop_marketplace_sync.listings.models import Listing, ProductSnapshotRow
from ocop_marketplace_sync.listings.service import apply_products
from ocop_marketplace_sync.settings import Settings


class Batches:
    def __init__(self, db: ServiceDatabase, settings: Settings) -> None:
        self.db = db
        self.channels = load_channels(settings)
        self.requested: list[set[str]] = []
        self.handlers = consumer_handlers(
            self.channels, lambda session, codes: self.requested.append(set(codes))
        )

    def consume(self, *events: Any) -> list[str]:
        return list(consume_batch(self.db, list(events), self.handlers))

    def listings(self) -> dict[tuple[str, str], Listing]:
        with self.db.session() as session:
            rows = session.scalars(select(Listing)).all()
        return {(row.product_id, row.channel): row for row in rows}

    def snapshots(self) -> dict[str, ProductSnapshotRow]:
        with self.db.session() as session:
            rows = session.scalars(select(ProductSnapshotRow)).all()
        return {row.product_id: row for row in rows}

    def announced(self) -> list[tuple[str, str, str, int]]:
        """(product, channel, status, version) of each `listing.changed` so far, oldest first."""
        with self.db.session() as session:
            events = session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.event_type == "listing.changed")
                .order_by(OutboxEvent.seq)
            ).all()
        return [
            (
                e.body["payload"]["product_id"],
                e.body["payload"]["channel"],
                e.body["payload"]["status"],
                e.body["version"],
            )
            for e in events
        ]

    def mark_listed(self, product_id: str, channel: str) -> None:
        """What a successful push leaves on a listing (the sync run's part, tested elsewhere)."""
        with self.db.session() as session:
            row = session.scalars(
                select(Listing).where(Listing.product_id == product_id, Listing.channel == channel)
            ).one()
            row.status, row.remote_present, row.dirty = "listed", True, False
            row.pushed_hash, row.pushed_payload = row.payload_hash, row.payload
            row.external_id = f"ext-{product_id}"
            row.version += 1


@pytest.fixture(params=["sqlite", "postgresql"])
def batches(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Batches]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    settings = Settings(data_dir=tmp_path, database_url=url)
    db = ServiceDatabase("marketplace_sync", settings)
    run_migrations(db, migrations_dir("ocop_marketplace_sync"))
    yield Batches(db, settings)
    db.dispose()


def issued(product: Any, version: int = 1) -> CertificateIssued:
    return CertificateIssued(aggregate_id=product.id, version=version, payload=product)


def test_a_batch_of_new_products_gets_every_listing_pending_and_announces_none(batches):
    products = [make_product(channels=["postmart", "shopee"]) for _ in range(30)]
    blocked = make_product(channels=["shopee"], images=[])
    outcomes = batches.consume(*[issued(p) for p in products], issued(blocked))
    assert outcomes == ["applied"] * 31
    listings = batches.listings()
    assert len(listings) == 61
    first = listings[(products[0].id, "shopee")]
    assert first.status == "pending" and first.dirty and first.version == 1
    assert first.desired_present and not first.remote_present and not first.create_attempted
    assert first.shop_id and first.producer_id == products[0].producer.id
    assert first.province_code == "25" and first.attempts == 0
    assert first.payload["sku"] == products[0].id and first.payload["price_vnd"] == 120_000
    assert first.created_at is not None and first.updated_at is not None
    assert first.missing == [] and first.next_attempt_at is None
    lacking = listings[(blocked.id, "shopee")]
    assert lacking.status == "blocked" and not lacking.dirty and lacking.missing == ["images"]
    assert len({row.id for row in listings.values()}) == 61
    assert batches.announced() == []
    assert batches.requested == [{"postmart", "shopee"}]
    snapshots = batches.snapshots()
    assert set(snapshots) == {p.id for p in products} | {blocked.id}
    assert snapshots[blocked.id].is_public and snapshots[blocked.id].snapshot["images"] == []


def test_a_batch_where_one_product_already_has_listings_updates_them_and_adds_the_rest(batches):
    known = make_product(channels=["shopee"])
    batches.consume(issued(known))
    batches.mark_listed(known.id, "shopee")
    before = batches.listings()[(known.id, "shopee")]
    fresh = make_product(channels=["postmart"])
    # The known product now also wants Postmart, at a new price.
    changed = known.model_copy(update={"price_vnd": 99_000, "channels": ["shopee", "postmart"]})
    outcomes = batches.consume(
        ProductChanged(aggregate_id=known.id, version=2, payload=changed), issued(fresh)
    )
    assert outcomes == ["applied", "applied"]
    listings = batches.listings()
    assert set(listings) == {(known.id, "shopee"), (known.id, "postmart"), (fresh.id, "postmart")}
    shopee = listings[(known.id, "shopee")]
    # The same row, still on sale, with the new price to push.
    assert shopee.id == before.id and shopee.status == "listed" and shopee.dirty
    assert shopee.payload["price_vnd"] == 99_000 and shopee.pushed_payload["price_vnd"] == 120_000
    assert shopee.version == before.version and shopee.external_id == f"ext-{known.id}"
    assert listings[(known.id, "postmart")].status == "pending"
    assert listings[(fresh.id, "postmart")].status == "pending"
    assert batches.snapshots()[known.id].snapshot["price_vnd"] == 99_000
    assert batches.announced() == []


def test_a_batch_takes_a_listed_product_off_sale_and_announces_it_once(batches):
    listed, other = make_product(channels=["shopee"]), make_product(channels=["shopee"])
    batches.consume(issued(listed), issued(other))
    batches.mark_listed(listed.id, "shopee")
    expired = CertificateExpired(
        aggregate_id=listed.id, version=2, payload=with_status(listed, "expired")
    )
    newcomer = make_product(channels=["shopee"])
    assert batches.consume(expired, issued(newcomer)) == ["applied", "applied"]
    listings = batches.listings()
    gone = listings[(listed.id, "shopee")]
    assert gone.status == "delisted" and gone.dirty and not gone.desired_present
    assert listings[(other.id, "shopee")].status == "pending"
    assert listings[(newcomer.id, "shopee")].status == "pending"
    assert batches.announced() == [(listed.id, "shopee", "delisted", 3)]
    assert not batches.snapshots()[listed.id].is_public


def test_two_versions_of_a_product_in_one_batch_plan_from_the_newest(batches):
    product = make_product(channels=["postmart", "shopee"])
    newer = product.model_copy(update={"price_vnd": 150_000, "channels": ["postmart"]})
    outcomes = batches.consume(
        ProductChanged(aggregate_id=product.id, version=3, payload=newer),
        issued(product, version=2),
    )
    assert outcomes == ["applied", "stale"]
    listings = batches.listings()
    assert set(listings) == {(product.id, "postmart")}
    assert listings[(product.id, "postmart")].payload["price_vnd"] == 150_000
    assert batches.snapshots()[product.id].snapshot["price_vnd"] == 150_000


def test_a_later_snapshot_of_a_product_in_one_call_wins(batches):
    """`apply_products` takes a product's snapshots in order, as one event after another."""
    product = make_product(channels=["postmart", "shopee"])
    later = product.model_copy(update={"price_vnd": 80_000, "channels": ["shopee"]})
    with batches.db.session() as session:
        touched = apply_products(session, [product, later], batches.channels)
    assert touched == {"postmart", "shopee"}
    listings = batches.listings()
    # Postmart's listing was made by the first snapshot and given up by the second (never
    # pushed, so nothing to do on the channel), as two events one after another would.
    postmart, shopee = listings[(product.id, "postmart")], listings[(product.id, "shopee")]
    assert postmart.status == "delisted" and not postmart.dirty and postmart.version == 2
    assert shopee.status == "pending" and shopee.payload["price_vnd"] == 80_000
    assert shopee.version == 1
    assert batches.snapshots()[product.id].snapshot["price_vnd"] == 80_000
