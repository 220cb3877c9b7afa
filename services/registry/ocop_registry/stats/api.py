"""HTTP: figures for a province or the whole country (JSON, and Excel for reports)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ocop_kit.app import DbSession
from ocop_kit.errors import FieldError, ValidationFailed
from ocop_kit.pagination import Page
from ocop_registry.access import Officer
from ocop_registry.admin_units import is_province_code
from ocop_registry.stats.service import listing_gaps, province_stats, stats_workbook

router = APIRouter(tags=["statistics"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _check(province_code: str | None) -> None:
    if province_code and not is_province_code(province_code):
        raise ValidationFailed(
            "Mã tỉnh không hợp lệ",
            "Unknown province code",
            errors=[FieldError("province_code", "Mã tỉnh không có", "No such province code")],
        )


@router.get(
    "/v1/stats",
    summary="Figures of one province (province_code) or the whole country",
    description="Selling online is shown two ways: `declared_online` (products whose producer "
    "declared e-commerce channels, by channel: what the offices' sheets report) and "
    "`listed_via_hub` (products listed through OCOP Hub, by channel, from marketplace-sync's "
    "listing.changed). `on_ecommerce` keeps its meaning: listed through OCOP Hub. "
    "`declared_not_listed` counts the gap; GET /v1/stats/listing-gaps lists it.",
)
def get_stats(session: DbSession, province_code: str | None = None) -> dict[str, Any]:
    _check(province_code)
    return province_stats(session, province_code)


class GapProducer(BaseModel):
    id: str
    name: str


class ChannelGap(BaseModel):
    channel: str
    status: str | None = Field(description="The listing's last status from marketplace-sync")
    lacks: list[str] = Field(
        description="What keeps it off the channel: certificate, images, weight_grams, "
        "description, price_vnd, category (the channel has no category for its group)"
    )


class ListingGap(BaseModel):
    """A product declared as sold on channels it is not listed on through OCOP Hub."""

    id: str
    name: str
    producer: GapProducer
    declared_channels: list[str]
    listed_channels: list[str]
    not_listed: list[ChannelGap]
    lacks: list[str]


@router.get(
    "/v1/stats/listing-gaps",
    summary="To-do list: products declared as sold online but not listed through OCOP Hub, "
    "with what each lacks (officers: their province; admins: any)",
)
def get_listing_gaps(
    session: DbSession,
    principal: Officer,
    province_code: str | None = None,
    channel: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[ListingGap]:
    _check(province_code)
    province_code = principal.province_in_charge(province_code)
    items, next_cursor = listing_gaps(session, province_code, channel, cursor, limit)
    return Page(items=[ListingGap.model_validate(i) for i in items], next_cursor=next_cursor)


@router.get("/v1/stats.xlsx", summary="The same figures as an Excel workbook")
def get_stats_xlsx(session: DbSession, province_code: str | None = None) -> Response:
    _check(province_code)
    content = stats_workbook(province_stats(session, province_code))
    name = f"ocop-stats-{province_code or 'vn'}.xlsx"
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
