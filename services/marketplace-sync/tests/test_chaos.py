"""The chaos test: the real simulator fails a fifth of the requests, answers some creates too
late, rejects some products and allows few requests a second; the end state must still be
exactly right."""

from __future__ import annotations

import random
import time
from collections import Counter

import httpx
from sqlalchemy import select
from sync_factories import make_product, next_version, with_status

from ocop_contracts import CertificateExpired, CertificateIssued, ProductChanged
from ocop_kit.consumer import consume
from ocop_kit.db import ServiceDatabase, run_migrations
from ocop_kit.service_cli import migrations_dir
from ocop_marketplace_simulator import SimConfig, SimState, channel_urls
from ocop_marketplace_sync.channels.config import load_channels
from ocop_marketplace_sync.consumers import consumer_handlers
from ocop_marketplace_sync.listings.models import Listing
from ocop_marketplace_sync.listings.run import ChannelSync
from ocop_marketplace_sync.listings.service import next_due_at
from ocop_marketplace_sync.settings import Settings

API_CHANNELS = ["shopee", "lazada", "tiki", "postmart"]
REJECT_RATE = 0.15


def converge(db: ServiceDatabase, syncs: list[ChannelSync], timeout: float = 90) -> None:
    """Run every channel until nothing is left to push (waiting out backoffs)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for sync in syncs:
            sync.run()
        with db.session() as session:
            dirty = session.scalars(select(Listing).where(Listing.dirty.is_(True))).all()
            if not dirty:
                return
            waits = [next_due_at(session, s.channel.code) for s in syncs]
        soonest = min((w for w in waits if w is not None), default=None)
        if soonest is not None:
            time.sleep(min(1.0, max(0.05, (soonest - soonest.now(soonest.tzinfo)).total_seconds())))
    raise AssertionError("listings did not converge in time")


def test_chaos_ends_with_each_certified_product_listed_exactly_once(
    simulator, postgres_url, redis_url, tmp_path
):
    sim = simulator(
        error_rate=0.2,
        rate_limit=8,
        reject_rate=0.15,
        hang_seconds=1.0,
        seed=7,
        review_seconds=0.2,
    )
    settings = Settings(
        database_url=postgres_url,
        broker_url=redis_url,
        data_dir=tmp_path,
        channel_base_urls=channel_urls(sim),
        channel_rate_limit_cap=8,
        http_timeout_seconds=0.6,
        retry_base_seconds=0.05,
        retry_max_seconds=1.0,
        sync_concurrency=4,
    )
    db = ServiceDatabase("marketplace_sync", settings)
    run_migrations(db, migrations_dir("ocop_marketplace_sync"))
    channels = load_channels(settings)
    handlers = consumer_handlers(channels, lambda session, codes: None)

    certified = [make_product(channels=API_CHANNELS, name=f"Sản phẩm {i}") for i in range(16)]
    # The simulator rejects by a hash of the SKU: make sure some of ours are among them.
    judge = SimState(SimConfig(reject_rate=REJECT_RATE), random.Random())
    while sum(judge.rejects(p.id) for p in certified) < 2:
        certified.append(make_product(channels=API_CHANNELS, name="Sản phẩm thêm"))
    rejected = {p.id for p in certified if judge.rejects(p.id)}
    to_expire = [make_product(channels=["shopee", "lazada"], name=f"Hết hạn {i}") for i in range(4)]
    uncertified = [make_product(channels=API_CHANNELS, status=None) for _ in range(2)]
    for product in certified + to_expire + uncertified:
        event = CertificateIssued if product.certificate else ProductChanged
        consume(
            db, event(aggregate_id=product.id, version=next_version(), payload=product), handlers
        )

    syncs = [ChannelSync(db, settings, channels[code]) for code in API_CHANNELS]
    converge(db, syncs)
    for product in to_expire:
        expired = with_status(product, "expired")
        consume(
            db,
            CertificateExpired(aggregate_id=product.id, version=next_version(), payload=expired),
            handlers,
        )
    converge(db, syncs)

    stats = httpx.get(f"{sim}/_sim/stats").json()
    on_sim = Counter(
        (row["channel"], row["sku"]) for row in httpx.get(f"{sim}/_sim/listings").json()
    )
    with db.session() as session:
        listings = {(row.channel, row.product_id): row for row in session.scalars(select(Listing))}

    # The chaos really happened.
    assert stats.get("server_errors", 0) > 0
    assert stats.get("timeouts_after_create", 0) > 0
    # No request ever went over the simulator's rate limit.
    assert stats.get("rate_limited", 0) == 0
    for product in certified:
        for code in API_CHANNELS:
            listing = listings[(code, product.id)]
            if product.id in rejected:
                assert listing.status == "failed", (code, listing.status)
                assert "vi phạm" in (listing.last_error or "")
                assert on_sim[(code, product.id)] == 0
            else:
                assert listing.status == "listed", (code, listing.status, listing.last_error)
                assert on_sim[(code, product.id)] == 1, (code, product.id)
    for product in to_expire:
        for code in ("shopee", "lazada"):
            assert listings[(code, product.id)].status == "delisted"
            assert on_sim[(code, product.id)] == 0
    for product in uncertified:
        assert not any(key[1] == product.id for key in listings)
        assert not any(key[1] == product.id for key in on_sim)
