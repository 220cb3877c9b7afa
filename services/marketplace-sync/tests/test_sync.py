"""Sync runs against the real simulator, on the embedded default (SQLite, file rate limiter)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sync_factories import Deliver, make_product, with_status

from ocop_contracts import CertificateExpired, CertificateIssued, ProductChanged
from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.service_cli import migrations_dir
from ocop_marketplace_simulator import channel_urls
from ocop_marketplace_sync.adapters.base import PriceStock
from ocop_marketplace_sync.channels.config import Channel, load_channels
from ocop_marketplace_sync.listings.lease import ChannelLease
from ocop_marketplace_sync.listings.models import Listing
from ocop_marketplace_sync.listings.reconcile import reconcile_channel
from ocop_marketplace_sync.listings.run import ChannelSync
from ocop_marketplace_sync.settings import Settings


@dataclass
class Rig:
    sim: str
    settings: Settings
    db: ServiceDatabase
    channels: dict[str, Channel]
    deliver: Deliver

    def sync(self, code: str) -> ChannelSync:
        runner = ChannelSync(self.db, self.settings, self.channels[code])
        runner.run()
        return runner

    def list_and_reprice(self, products: list[Any], channel: str, price: int) -> dict[str, int]:
        """List the products on the channel, change every price, push; the calls per path."""
        for product in products:
            self.deliver(CertificateIssued, product)
        self.sync(channel)
        assert len(self.held(channel)) == len(products)
        for product in products:
            self.deliver(ProductChanged, product.model_copy(update={"price_vnd": price}))
        self.sync(channel)
        paths: dict[str, int] = self.stats()["paths"]
        return paths

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.sim}/_sim/stats").json()

    def held(self, channel: str) -> list[dict[str, Any]]:
        rows = httpx.get(f"{self.sim}/_sim/listings").json()
        return [row for row in rows if row["channel"] == channel]

    def listing(self, product_id: str, channel: str) -> Listing:
        with self.db.session() as session:
            return session.scalars(
                select(Listing).where(Listing.product_id == product_id, Listing.channel == channel)
            ).one()


@pytest.fixture
def rig(simulator, tmp_path: Path) -> Iterator[Rig]:
    sim = simulator(rate_limit=100, review_seconds=0.3)
    settings = Settings(
        data_dir=tmp_path,
        channel_base_urls=channel_urls(sim),
        channel_rate_limit_cap=100,
        retry_base_seconds=0.02,
    )
    db = ServiceDatabase("marketplace_sync", settings)
    run_migrations(db, migrations_dir("ocop_marketplace_sync"))
    channels = load_channels(settings)
    yield Rig(sim, settings, db, channels, Deliver(db, channels))
    db.dispose()


def test_unchanged_snapshot_sends_nothing_to_the_channel(rig):
    product = make_product(channels=["shopee"])
    rig.deliver(CertificateIssued, product)
    rig.sync("shopee")
    assert rig.listing(product.id, "shopee").status == "listed"
    before = rig.stats()["requests"]
    rig.deliver(ProductChanged, product)  # a newer event, same content
    assert rig.listing(product.id, "shopee").dirty is False
    rig.sync("shopee")
    assert rig.stats()["requests"] == before


def test_price_change_of_listed_products_goes_to_lazada_fifty_skus_a_call(rig):
    products = [make_product(channels=["lazada"], name=f"Gạo {i}") for i in range(120)]
    paths = rig.list_and_reprice(products, "lazada", 99_000)
    assert paths["/lazada/product/price_quantity/update"] == 3
    assert "/lazada/product/update" not in paths
    assert {row["price_vnd"] for row in rig.held("lazada")} == {99_000}


def test_price_change_goes_to_postmart_a_hundred_and_to_tiki_fifty_skus_a_call(rig):
    products = [make_product(channels=["postmart", "tiki"], name=f"Chè {i}") for i in range(120)]
    for product in products:
        rig.deliver(CertificateIssued, product)
    rig.sync("postmart")
    deadline = time.monotonic() + 60
    while len(rig.held("tiki")) < 120 and time.monotonic() < deadline:
        time.sleep(0.3)  # Tiki reviews each new product before it shows
        rig.sync("tiki")
    assert len(rig.held("postmart")) == 120 and len(rig.held("tiki")) == 120
    for product in products:
        rig.deliver(ProductChanged, product.model_copy(update={"price_vnd": 88_000}))
    rig.sync("postmart")
    rig.sync("tiki")
    paths = rig.stats()["paths"]
    assert paths["/postmart/v1/products/prices"] == 2
    assert paths["/tiki/integration/v2.1/products/updateSkus"] == 3
    assert {row["price_vnd"] for row in rig.held("postmart") + rig.held("tiki")} == {88_000}


def test_shopee_price_change_is_one_update_price_call_an_item_and_no_stock_call(rig):
    """Shopee v2 takes one item per price call: a price change must not also send the stock."""
    products = [make_product(channels=["shopee"], name=f"Mật ong {i}") for i in range(5)]
    paths = rig.list_and_reprice(products, "shopee", 77_000)
    assert paths["/shopee/api/v2/product/update_price"] == 5
    assert "/shopee/api/v2/product/update_stock" not in paths
    assert "/shopee/api/v2/product/update_item" not in paths
    assert {row["price_vnd"] for row in rig.held("shopee")} == {77_000}


def test_content_change_sends_a_full_update_with_absolute_stock(rig):
    product = make_product(channels=["postmart"], stock_quantity=40)
    rig.deliver(CertificateIssued, product)
    rig.sync("postmart")
    rig.deliver(
        ProductChanged, product.model_copy(update={"name": "Tên mới", "stock_quantity": 12})
    )
    rig.sync("postmart")
    listing = rig.listing(product.id, "postmart")
    assert listing.status == "listed" and listing.pushed_payload["stock"] == 12
    assert [row["name"] for row in rig.held("postmart")] == ["Tên mới"]


def test_tiki_listing_waits_for_review_and_is_then_activated(rig):
    product = make_product(channels=["tiki"])
    rig.deliver(CertificateIssued, product)
    rig.sync("tiki")
    waiting = rig.listing(product.id, "tiki")
    assert waiting.status == "syncing" and waiting.request_id and waiting.external_id is None
    assert rig.held("tiki") == []
    deadline = time.monotonic() + 20
    while rig.listing(product.id, "tiki").status != "listed" and time.monotonic() < deadline:
        time.sleep(0.3)
        rig.sync("tiki")
    listed = rig.listing(product.id, "tiki")
    assert listed.status == "listed" and listed.external_id
    assert [row["sku"] for row in rig.held("tiki")] == [product.id]
    # Tiki cannot delete: delisting deactivates, and the product leaves the shop window.
    rig.deliver(CertificateExpired, with_status(product, "expired"))
    rig.sync("tiki")
    assert rig.held("tiki") == []


def test_reconciliation_repairs_missing_duplicate_stale_and_extra_listings(rig):
    keep, lost, stale, expired = (make_product(channels=["postmart"]) for _ in range(4))
    for product in (keep, lost, stale, expired):
        rig.deliver(CertificateIssued, product)
    runner = rig.sync("postmart")
    adapter = runner.adapter("ocop-vn")
    # Drift made behind our back, on the channel itself:
    lost_listing = rig.listing(lost.id, "postmart")
    adapter.delete(lost_listing.external_id or "", lost.id)
    stale_listing = rig.listing(stale.id, "postmart")
    adapter.update_price_stock([PriceStock(stale.id, stale_listing.external_id or "", 1, 1)])
    adapter.create(rig.listing(keep.id, "postmart").payload)  # a duplicate
    stranger = make_product(channels=[]).model_dump(mode="json")
    adapter.create(
        {"sku": "hand-made-1", "name": "Not ours", **{"price_vnd": stranger["price_vnd"]}}
    )
    # An expired product whose delisting never reached the channel:
    with rig.db.session() as session:
        row = session.scalars(select(Listing).where(Listing.product_id == expired.id)).one()
        row.status, row.desired_present, row.remote_present, row.dirty = (
            "delisted",
            False,
            False,
            False,
        )

    report = reconcile_channel(rig.db, rig.settings, rig.channels["postmart"])

    assert report["missing"] == 1
    assert report["stale"] == 1
    assert report["duplicates_removed"] == 1
    assert report["extra_removed"] == 1
    assert report["unknown_left_alone"] == 1
    held = Counter(row["sku"] for row in rig.held("postmart"))
    assert held == {keep.id: 1, lost.id: 1, stale.id: 1, "hand-made-1": 1}
    prices = {row["sku"]: row["price_vnd"] for row in rig.held("postmart")}
    assert prices[stale.id] == stale.price_vnd


def test_runs_of_one_channel_never_overlap(rig):
    first = ChannelLease(rig.db, "shopee", 60)
    second = ChannelLease(rig.db, "shopee", 60)
    assert first.acquire()
    assert not second.acquire()
    product = make_product(channels=["shopee"])
    rig.deliver(CertificateIssued, product)
    assert rig.sync("shopee") is not None
    assert rig.listing(product.id, "shopee").status == "pending"  # the busy run did nothing
    assert ChannelLease(rig.db, "lazada", 60).acquire()  # other channels are free
    first.release()
    assert second.acquire()
    second.release()


def test_expired_lease_of_a_crashed_run_is_taken_over(rig):
    crashed = ChannelLease(rig.db, "postmart", 0.01)
    assert crashed.acquire()
    time.sleep(0.05)
    assert ChannelLease(rig.db, "postmart", 60).acquire()


def test_create_that_reached_the_channel_before_a_crash_is_adopted_not_repeated(rig):
    product = make_product(channels=["shopee"])
    rig.deliver(CertificateIssued, product)
    runner = ChannelSync(rig.db, rig.settings, rig.channels["shopee"])
    # The previous worker marked the create as attempted, sent it, and died.
    with rig.db.session() as session:
        row = session.scalars(select(Listing).where(Listing.product_id == product.id)).one()
        row.create_attempted = True
        payload = row.payload
    runner.adapter("220001").create(payload)
    runner.run()
    assert [row["sku"] for row in rig.held("shopee")] == [product.id]
    assert rig.listing(product.id, "shopee").status == "listed"
