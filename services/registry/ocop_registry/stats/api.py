"""HTTP: figures for a province or the whole country (JSON, and Excel for reports)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from ocop_kit.app import DbSession
from ocop_kit.errors import FieldError, ValidationFailed
from ocop_registry.admin_units import is_province_code
from ocop_registry.stats.service import province_stats, stats_workbook

router = APIRouter(tags=["statistics"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _check(province_code: str | None) -> None:
    if province_code and not is_province_code(province_code):
        raise ValidationFailed(
            "Mã tỉnh không hợp lệ",
            "Unknown province code",
            errors=[FieldError("province_code", "Mã tỉnh không có", "No such province code")],
        )


@router.get("/v1/stats", summary="Figures of one province (province_code) or the whole country")
def get_stats(session: DbSession, province_code: str | None = None) -> dict[str, Any]:
    _check(province_code)
    return province_stats(session, province_code)


@router.get("/v1/stats.xlsx", summary="The same figures as an Excel workbook")
def get_stats_xlsx(session: DbSession, province_code: str | None = None) -> Response:
    _check(province_code)
    content = stats_workbook(province_stats(session, province_code))
    name = f"ocop-stats-{province_code or 'vn'}.xlsx"
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
