"""Reconciliation: pull what a channel really shows, compare it with the desired state, repair
the drift (missing, extra or duplicate listings, stale price or stock) and report it."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

import httpx
from sqlalchemy import select

from ocop_kit.db import ServiceDatabase, new_id, utc_now
from ocop_marketplace_sync.adapters.base import ChannelError, RemoteListing
from ocop_marketplace_sync.channels.config import Channel
from ocop_marketplace_sync.events import set_status
from ocop_marketplace_sync.listings.lease import ChannelLease
from ocop_marketplace_sync.listings.models import Listing, ProductSnapshotRow, SyncReport
from ocop_marketplace_sync.listings.run import ChannelSync
from ocop_marketplace_sync.listings.transitions import found_missing, found_stale
from ocop_marketplace_sync.settings import Settings

log = logging.getLogger(__name__)


def reconcile_channel(
    db: ServiceDatabase, settings: Settings, channel: Channel, client: httpx.Client | None = None
) -> dict[str, Any]:
    """Repair one API channel; returns (and keeps) the report of what changed."""
    sync = ChannelSync(db, settings, channel, client)
    lease = ChannelLease(db, channel.code, settings.run_lease_seconds)
    if not lease.acquire():
        return {"channel": channel.code, "skipped": "a sync run holds the channel"}
    report: dict[str, Any] = {
        "channel": channel.code,
        "remote_listings": 0,
        "missing": 0,
        "stale": 0,
        "extra_removed": 0,
        "duplicates_removed": 0,
        "unknown_left_alone": 0,
        "errors": [],
    }
    try:
        remote: dict[str, list[tuple[str, RemoteListing]]] = {}
        for shop in channel.shops:
            adapter = sync.adapter(shop.shop_id)
            for item in sync.policy.call(adapter.list_all):
                remote.setdefault(item.sku, []).append((shop.shop_id, item))
                report["remote_listings"] += 1
        doomed = compare(db, channel, remote, report)
        for shop_id, item in doomed:
            adapter = sync.adapter(shop_id)
            try:
                sync.policy.call(partial(adapter.delete, item.external_id, item.sku))
            except ChannelError as exc:
                report["errors"].append(f"{item.sku}: {exc.message}")
    finally:
        lease.release()
    repaired = sync.run()
    report["repair_run"] = repaired.results
    report["id"] = save_report(db, channel.code, "reconcile", report)
    log.info("reconciled", extra=report)
    return report


def compare(
    db: ServiceDatabase,
    channel: Channel,
    remote: dict[str, list[tuple[str, RemoteListing]]],
    report: dict[str, Any],
) -> list[tuple[str, RemoteListing]]:
    """Mark the drift on our listings; return the remote listings that must go."""
    doomed: list[tuple[str, RemoteListing]] = []
    with db.session() as session:
        listings = session.scalars(select(Listing).where(Listing.channel == channel.code)).all()
        for listing in listings:
            held = remote.pop(listing.product_id, [])
            in_review = bool(listing.request_id and not listing.external_id)
            if listing.desired_present and listing.status not in ("blocked", "failed"):
                if in_review:
                    continue
                if not held:
                    if listing.remote_present:
                        report["missing"] += 1
                        set_status(session, listing, found_missing(listing))
                    continue
                keep = next((h for h in held if h[1].external_id == listing.external_id), held[0])
                extras = [h for h in held if h is not keep]
                doomed += extras
                report["duplicates_removed"] += len(extras)
                item = keep[1]
                listing.external_id = item.external_id
                listing.remote_present = True
                payload = listing.payload
                stale_price = item.price_vnd is not None and item.price_vnd != payload["price_vnd"]
                stale_stock = item.stock is not None and item.stock != payload["stock"]
                if stale_price or stale_stock:
                    report["stale"] += 1
                    found_stale(listing, item.price_vnd, item.stock)
            elif not listing.desired_present and held:
                report["extra_removed"] += len(held)
                doomed += held
                listing.remote_present = False
        known = set(session.scalars(select(ProductSnapshotRow.product_id)))
        for sku, held in remote.items():
            if sku in known:
                report["extra_removed"] += len(held)
                doomed += held
            else:
                # Not one of ours (a listing the shop manages by hand): report, never touch.
                report["unknown_left_alone"] += len(held)
    return doomed


def save_report(db: ServiceDatabase, channel: str, kind: str, summary: dict[str, Any]) -> str:
    """Keep a run's report (`GET /v1/sync/reports`); returns its id."""
    with db.session() as session:
        report = SyncReport(
            id=new_id(), channel=channel, kind=kind, summary=summary, finished_at=utc_now()
        )
        session.add(report)
        return report.id
