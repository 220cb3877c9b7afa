"""HTTP: listings per product × channel, retries, the bulk-file sheet, sync stats and reports."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Annotated, Any, Literal

from celery import Celery
from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import Select, func, select

from ocop_kit.app import DbSession
from ocop_kit.auth import CurrentPrincipal, Principal
from ocop_kit.db import utc_now
from ocop_kit.errors import Conflict, FieldError, NotFound, ValidationFailed
from ocop_kit.pagination import Page, paginate
from ocop_marketplace_sync.access import Operator, check_may_act_on, visible_listings
from ocop_marketplace_sync.channels.config import Channel, load_channels
from ocop_marketplace_sync.events import set_status
from ocop_marketplace_sync.listings.models import Listing, ProductSnapshotRow, SyncReport
from ocop_marketplace_sync.listings.schemas import (
    ChannelOut,
    ChannelStats,
    ListingDetail,
    ListingOut,
    ListingStatus,
    PlaceToBuy,
    ReportOut,
    ShopOut,
    SyncRequested,
    SyncStats,
    UploadedIn,
    UploadedOut,
)
from ocop_marketplace_sync.listings.service import retry_listing
from ocop_marketplace_sync.listings.transitions import after_upload
from ocop_marketplace_sync.listings.upload_sheet import as_csv, as_xlsx
from ocop_marketplace_sync.settings import Settings
from ocop_marketplace_sync.task_names import RECONCILE, REQUEST_SYNC

router = APIRouter(prefix="/v1", tags=["marketplace sync"])


def channels_of(request: Request) -> dict[str, Channel]:
    settings: Settings = request.app.state.settings
    return load_channels(settings)


def channel_or_404(request: Request, code: str) -> Channel:
    channel = channels_of(request).get(code)
    if channel is None:
        raise NotFound(f"Không có kênh bán {code}", f"No channel {code}")
    return channel


def request_sync(request: Request, channel: Channel) -> None:
    """Ask the worker for a sync run of an API channel (it runs after whatever runs now)."""
    if channel.mode == "api":
        celery: Celery = request.app.state.celery
        celery.send_task(REQUEST_SYNC, args=[channel.code])


def listing_out(listing: Listing, detail: bool = False) -> ListingOut:
    data = {
        "id": listing.id,
        "product_id": listing.product_id,
        "channel": listing.channel,
        "shop_id": listing.shop_id,
        "status": listing.status,
        "missing": listing.missing or [],
        "external_id": listing.external_id,
        "sku": listing.product_id,
        "attempts": listing.attempts,
        "last_error": listing.last_error,
        "last_error_at": listing.last_error_at,
        "synced_at": listing.synced_at,
        "next_attempt_at": listing.next_attempt_at,
        "in_sync": not listing.dirty,
        "price_vnd": (listing.payload or {}).get("price_vnd"),
        "updated_at": listing.updated_at,
    }
    if detail:
        return ListingDetail(**data, payload=listing.payload, pushed_payload=listing.pushed_payload)
    return ListingOut(**data)


# --- channels ---------------------------------------------------------------------------------


@router.get("/channels", summary="The channels and their settings")
def list_channels(request: Request) -> list[ChannelOut]:
    return [channel_out(c) for c in channels_of(request).values()]


@router.get("/channels/{code}", summary="One channel and its settings")
def get_channel(code: str, request: Request) -> ChannelOut:
    return channel_out(channel_or_404(request, code))


def channel_out(channel: Channel) -> ChannelOut:
    return ChannelOut(
        **channel.model_dump(exclude={"shops", "attribute_map"}),
        shops=[ShopOut(**s.model_dump(exclude={"credentials"})) for s in channel.shops],
    )


@router.post(
    "/channels/{code}/sync", status_code=202, summary="Run the channel's sync now (operators)"
)
def request_channel_sync(code: str, request: Request, _: Operator) -> SyncRequested:
    channel = channel_or_404(request, code)
    if channel.mode != "api":
        raise Conflict(
            f"Kênh {code} dùng tệp tải lên, không đồng bộ qua API",
            f"Channel {code} runs in bulk_file mode: use its upload sheet",
        )
    request_sync(request, channel)
    return SyncRequested(channel=code)


@router.post(
    "/channels/{code}/reconcile",
    status_code=202,
    summary="Compare the channel with the desired state and repair drift (operators)",
)
def reconcile_now(code: str, request: Request, _: Operator) -> SyncRequested:
    channel = channel_or_404(request, code)
    if channel.mode != "api":
        raise Conflict(
            f"Kênh {code} không có API để đối soát", f"Channel {code} has no API to reconcile"
        )
    celery: Celery = request.app.state.celery
    celery.send_task(RECONCILE, args=[code])
    return SyncRequested(channel=code)


def sheet_query(code: str) -> Select[Any]:
    return (
        select(Listing).where(Listing.channel == code, Listing.dirty.is_(True)).order_by(Listing.id)
    )


@router.get(
    "/channels/{code}/upload-sheet",
    summary="The seller centre's upload sheet of the rows waiting (bulk_file channels)",
    response_class=Response,
    responses={200: {"content": {"application/vnd.ms-excel": {}, "text/csv": {}}}},
)
def upload_sheet(
    code: str,
    request: Request,
    session: DbSession,
    _: Operator,
    format: Literal["xlsx", "csv"] = "xlsx",
) -> Response:
    channel = bulk_channel(request, code)
    rows = list(session.scalars(sheet_query(channel.code)))
    stamp = utc_now().strftime("%Y%m%d-%H%M")
    if format == "csv":
        body, media = as_csv(rows), "text/csv; charset=utf-8"
    else:
        body = as_xlsx(rows)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = f'attachment; filename="{code}-upload-{stamp}.{format}"'
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


def bulk_channel(request: Request, code: str) -> Channel:
    channel = channel_or_404(request, code)
    if channel.mode != "bulk_file":
        raise Conflict(
            f"Kênh {code} đồng bộ qua API, không dùng tệp tải lên",
            f"Channel {code} syncs through its API; it has no upload sheet",
        )
    return channel


@router.post(
    "/channels/{code}/uploaded",
    summary="Mark rows of the upload sheet as uploaded to the seller centre",
)
def mark_uploaded(
    code: str,
    body: UploadedIn,
    request: Request,
    session: DbSession,
    principal: Operator,
) -> UploadedOut:
    channel = bulk_channel(request, code)
    query = sheet_query(channel.code)
    if body.listing_ids is not None:
        if not body.listing_ids:
            raise ValidationFailed(
                "Danh sách dòng đang trống",
                "listing_ids is empty",
                errors=[FieldError("listing_ids", "Cần ít nhất một dòng", "At least one row")],
            )
        query = query.where(Listing.id.in_(body.listing_ids))
    rows = list(session.scalars(query))
    if body.listing_ids is not None:
        unknown = sorted(set(body.listing_ids) - {row.id for row in rows})
        if unknown:
            raise ValidationFailed(
                "Có dòng không nằm trong tệp tải lên hiện tại",
                "Some rows are not in the current upload sheet",
                errors=[
                    FieldError(
                        "listing_ids",
                        f"Không có trong tệp: {', '.join(unknown)}",
                        f"Not in the sheet: {', '.join(unknown)}",
                    )
                ],
            )
    done = Counter[str]()
    now = utc_now()
    for listing in rows:
        kind, status = after_upload(listing, principal.subject, now)
        done[kind] += 1
        if status is not None:
            set_status(session, listing, status)
    session.commit()
    return UploadedOut(listed=done["listed"], delisted=done["delisted"], updated=done["updated"])


# --- listings ---------------------------------------------------------------------------------


@router.get("/listings", summary="Listings: one row per product × channel")
def list_listings(
    session: DbSession,
    principal: CurrentPrincipal,
    product_id: str | None = None,
    channel: str | None = None,
    status: ListingStatus | None = None,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1, le=500)] = None,
) -> Page[ListingOut]:
    query = visible_listings(select(Listing), principal)
    if product_id:
        query = query.where(Listing.product_id == product_id)
    if channel:
        query = query.where(Listing.channel == channel)
    if status:
        query = query.where(Listing.status == status)
    rows, next_cursor = paginate(session, query, Listing.id, cursor, limit)
    return Page(items=[listing_out(row) for row in rows], next_cursor=next_cursor)


def listing_or_404(session: DbSession, listing_id: str, principal: Principal) -> Listing:
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound("Không tìm thấy bản ghi đăng bán", "No such listing")
    check_may_act_on(principal, listing)
    return listing


@router.get(
    "/products/{product_id}/where-to-buy",
    summary="Public: the channels a certified product is on sale on now",
)
def where_to_buy(product_id: str, request: Request, session: DbSession) -> list[PlaceToBuy]:
    """No token needed: listed rows of a product whose certificate is valid, one per channel,
    without the operator's details (errors, attempts, payloads)."""
    channels = channels_of(request)
    rows = session.scalars(
        select(Listing)
        .join(ProductSnapshotRow, ProductSnapshotRow.product_id == Listing.product_id)
        .where(
            Listing.product_id == product_id,
            Listing.status == "listed",
            ProductSnapshotRow.is_public.is_(True),
        )
        .order_by(Listing.channel, Listing.id)
    )
    shops: dict[str, PlaceToBuy] = {}
    for row in rows:
        channel = channels.get(row.channel)
        # The price last sent to the channel is the one shoppers see there.
        shown = row.pushed_payload or row.payload or {}
        shops.setdefault(
            row.channel,
            PlaceToBuy(
                channel=row.channel,
                channel_name=channel.name if channel else row.channel,
                external_id=row.external_id,
                price_vnd=shown.get("price_vnd"),
                synced_at=row.synced_at,
                listing_url=channel.listing_page(
                    row.shop_id, row.external_id, shown.get("name", "")
                )
                if channel
                else None,
            ),
        )
    return list(shops.values())


@router.get("/listings/{listing_id}", summary="One listing with what it should show")
def get_listing(listing_id: str, session: DbSession, principal: CurrentPrincipal) -> ListingOut:
    return listing_out(listing_or_404(session, listing_id, principal), detail=True)


@router.post(
    "/listings/{listing_id}/retry",
    status_code=202,
    summary="Try a failed (or waiting) listing again now",
)
def retry(
    listing_id: str, request: Request, session: DbSession, principal: CurrentPrincipal
) -> ListingOut:
    listing = listing_or_404(session, listing_id, principal)
    if listing.status == "blocked":
        raise Conflict(
            "Sản phẩm còn thiếu thông tin kênh yêu cầu: " + ", ".join(listing.missing),
            "The product still lacks what the channel requires: " + ", ".join(listing.missing),
            missing=listing.missing,
        )
    if listing.status == "listed" and not listing.dirty:
        raise Conflict("Sản phẩm đã được đăng bán", "The listing is already in sync")
    retry_listing(session, listing)
    session.commit()
    request_sync(request, channel_or_404(request, listing.channel))
    return listing_out(listing)


# --- stats and reports ------------------------------------------------------------------------


@router.get("/sync/stats", summary="Listings by channel and status, coverage, recent failures")
def sync_stats(request: Request, session: DbSession) -> SyncStats:
    day_ago = utc_now() - timedelta(days=1)
    channels: dict[str, ChannelStats] = {
        code: ChannelStats(by_status={}, failures_last_day=0) for code in channels_of(request)
    }
    total = 0
    for code, status, count in session.execute(
        select(Listing.channel, Listing.status, func.count()).group_by(
            Listing.channel, Listing.status
        )
    ):
        channels.setdefault(code, ChannelStats(by_status={}, failures_last_day=0))
        channels[code].by_status[status] = count
        total += count
    failures = 0
    for code, count in session.execute(
        select(Listing.channel, func.count())
        .where(Listing.last_error_at >= day_ago)
        .group_by(Listing.channel)
    ):
        channels.setdefault(code, ChannelStats(by_status={}, failures_last_day=0))
        channels[code].failures_last_day = count
        failures += count
    certified = (
        session.scalar(
            select(func.count())
            .select_from(ProductSnapshotRow)
            .where(ProductSnapshotRow.is_public.is_(True))
        )
        or 0
    )
    on_any = (
        session.scalar(
            select(func.count(func.distinct(Listing.product_id)))
            .join(ProductSnapshotRow, ProductSnapshotRow.product_id == Listing.product_id)
            .where(ProductSnapshotRow.is_public.is_(True), Listing.status == "listed")
        )
        or 0
    )
    return SyncStats(
        channels=channels,
        listings_total=total,
        certified_products=certified,
        certified_on_any_channel=on_any,
        share_on_any_channel=round(on_any / certified, 4) if certified else 0.0,
        failures_last_day=failures,
    )


@router.get("/sync/reports", summary="What reconciliation runs found and repaired")
def list_reports(
    session: DbSession,
    _: Operator,
    channel: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1, le=500)] = None,
) -> Page[ReportOut]:
    query = select(SyncReport)
    if channel:
        query = query.where(SyncReport.channel == channel)
    rows, next_cursor = paginate(session, query, SyncReport.id, cursor, limit)
    return Page(
        items=[ReportOut.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )
