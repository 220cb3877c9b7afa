"""The province dashboard for OCOP office staff: figures, charts, yearly target, Excel."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ocop_kit.app import DbSession
from ocop_kit.text import TextRefused, clean_multiline
from ocop_portal.backends import BackendProblem, Backends, BackendUnavailable
from ocop_portal.catalog import GroupNames, province_name, province_names
from ocop_portal.charts import bar_chart
from ocop_portal.dashboard.excel import stats_workbook
from ocop_portal.dashboard.service import (
    certified_products,
    progress_percent,
    read_breakdowns,
    set_target,
    target_of,
)
from ocop_portal.staff.auth import NotPermitted, Staff, require_staff
from ocop_portal.web import pick_language, render, translator

router = APIRouter(tags=["pages"], include_in_schema=False)


def _province_for(staff: Staff, requested: str | None) -> str | None:
    """An officer sees their own province; an admin any province, or the whole country."""
    if staff.principal.role == "province_officer":
        return staff.principal.province_code
    return requested or None


def _kpis(stats: dict[str, Any], tr: Any) -> list[tuple[str, Any]]:
    ecommerce = stats.get("on_ecommerce") if isinstance(stats.get("on_ecommerce"), dict) else {}
    expiring = stats.get("expiring_within_180_days")
    expiring_count = len(expiring) if isinstance(expiring, list) else expiring
    share = ecommerce.get("share") if ecommerce else None
    return [
        (tr("Tổng số sản phẩm", "Products in total"), stats.get("products_total")),
        (tr("Sản phẩm OCOP 3–5 sao", "OCOP products, 3–5 stars"), certified_products(stats)),
        (
            tr("Đang bán trên sàn TMĐT", "Sold on e-commerce"),
            ecommerce.get("count") if ecommerce else None,
        ),
        (
            tr("Tỷ lệ trên sàn TMĐT (%)", "Share on e-commerce (%)"),
            round(float(share) * 100, 1)
            if isinstance(share, int | float) and share <= 1
            else share,
        ),
        (
            tr("Giấy chứng nhận hết hạn trong 180 ngày", "Certificates expiring within 180 days"),
            expiring_count,
        ),
    ]


def _stats(request: Request, staff: Staff, province_code: str | None) -> dict[str, Any]:
    backends: Backends = request.app.state.backends
    stats = backends.get_json(
        "registry", "/v1/stats", {"province_code": province_code}, token=staff.token
    )
    return stats if isinstance(stats, dict) else {}


def _expiring_products(
    request: Request, staff: Staff, province_code: str | None
) -> list[dict[str, Any]] | None:
    """Products whose certificate expires soon, soonest first (None: the list is unavailable)."""
    backends: Backends = request.app.state.backends
    try:
        payload = backends.get_json(
            "registry",
            "/v1/products",
            {"province_code": province_code, "status": "expiring", "limit": 200},
            staff.token,
        )
    except (BackendUnavailable, BackendProblem):
        return None
    items = payload.get("items", []) if isinstance(payload, dict) else []
    rows = [i for i in items if isinstance(i, dict) and isinstance(i.get("certificate"), dict)]
    return sorted(rows, key=lambda item: str(item["certificate"].get("expires_on") or ""))


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, session: DbSession) -> HTMLResponse:
    staff = require_staff(request, "province_officer")
    lang = pick_language(request)
    tr = translator(lang)
    groups: GroupNames = request.app.state.group_names
    province_code = _province_for(staff, request.query_params.get("province_code"))
    try:
        year = int(request.query_params.get("year", date.today().year))
    except ValueError:
        year = date.today().year
    stats = _stats(request, staff, province_code)
    breakdowns = read_breakdowns(
        stats, lang, lambda code: groups.name(code, lang), one_province=bool(province_code)
    )
    charts = [(b, bar_chart(b.top)) for b in breakdowns if b.rows]
    empty = [b for b in breakdowns if not b.rows]
    target = target_of(session, province_code, year) if province_code else None
    achieved = certified_products(stats)
    return render(
        request,
        "dashboard.html",
        {
            "province_code": province_code,
            "province_label": province_name(province_code)
            if province_code
            else tr("Cả nước", "Whole country"),
            "provinces": sorted(province_names().items(), key=lambda kv: kv[1]),
            "year": year,
            "kpis": _kpis(stats, tr),
            "charts": charts,
            "empty": empty,
            "target": target,
            "achieved": achieved,
            "progress": progress_percent(achieved, target.target_products if target else None),
            "expiring_list": _expiring_products(request, staff, province_code),
            "saved": request.query_params.get("saved") == "1",
            "may_set_target": bool(province_code)
            and staff.principal.may_act_in_province(province_code),
        },
    )


@router.get("/dashboard/breakdowns/{key}", response_class=HTMLResponse)
def breakdown_page(request: Request, key: str) -> HTMLResponse:
    """Every row of one breakdown (the dashboard shows the largest ten)."""
    staff = require_staff(request, "province_officer")
    lang = pick_language(request)
    tr = translator(lang)
    groups: GroupNames = request.app.state.group_names
    province_code = _province_for(staff, request.query_params.get("province_code"))
    stats = _stats(request, staff, province_code)
    found = next(
        (
            b
            for b in read_breakdowns(
                stats, lang, lambda code: groups.name(code, lang), one_province=bool(province_code)
            )
            if b.key == key
        ),
        None,
    )
    if found is None:
        raise StarletteHTTPException(404)
    return render(
        request,
        "dashboard_full.html",
        {
            "breakdown": found,
            "chart": bar_chart(found.rows),
            "province_code": province_code,
            "province_label": province_name(province_code)
            if province_code
            else tr("Cả nước", "Whole country"),
        },
    )


@router.post("/dashboard/target", response_class=HTMLResponse)
def save_target(
    request: Request,
    session: DbSession,
    province_code: Annotated[str, Form()],
    year: Annotated[str, Form()],
    target_products: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    staff = require_staff(request, "province_officer")
    tr = translator(pick_language(request))
    if not staff.principal.may_act_in_province(province_code):
        raise NotPermitted(("province_officer",))
    errors: list[str] = []
    try:
        year_value = int(year)
        if not 2019 <= year_value <= 2100:
            raise ValueError
    except ValueError:
        errors.append(tr("Năm phải từ 2019 đến 2100.", "The year must be between 2019 and 2100."))
        year_value = date.today().year
    try:
        target_value = int(target_products.replace(".", "").replace(",", "").strip())
        if not 1 <= target_value <= 100_000:
            raise ValueError
    except ValueError:
        errors.append(
            tr(
                "Chỉ tiêu phải là số nguyên từ 1 đến 100.000.",
                "The target must be a whole number from 1 to 100,000.",
            )
        )
        target_value = 0
    try:
        note = clean_multiline(note)
    except TextRefused as refused:
        errors.append(tr("Ghi chú: ", "Note: ") + tr(refused.message_vi, refused.message_en))
    if errors:
        return render(
            request,
            "error.html",
            {
                "heading": tr("Chưa lưu được chỉ tiêu", "The target was not saved"),
                "message": " ".join(errors),
            },
            status_code=422,
        )
    set_target(
        session,
        province_code,
        year_value,
        target_value,
        note or None,
        # Pages show who set it: the person's name where the token carries one.
        staff.principal.name or staff.principal.subject,
    )
    session.commit()
    return RedirectResponse(
        f"/dashboard?province_code={quote(province_code)}&year={year_value}&saved=1",
        status_code=303,
    )


@router.get("/dashboard/stats.xlsx")
def stats_excel(request: Request) -> Response:
    """The registry's own workbook; if it has none, one built here from the same figures."""
    staff = require_staff(request, "province_officer")
    lang = pick_language(request)
    tr = translator(lang)
    province_code = _province_for(staff, request.query_params.get("province_code"))
    backends: Backends = request.app.state.backends
    filename = f"ocop-thong-ke-{province_code or 'ca-nuoc'}-{date.today().isoformat()}.xlsx"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    try:
        upstream = backends.request(
            "GET",
            "registry",
            "/v1/stats.xlsx",
            params={"province_code": province_code},
            token=staff.token,
        )
        if upstream.content[:2] == b"PK":
            return Response(upstream.content, media_type=media, headers=headers)
    except BackendProblem as problem:
        if problem.status not in (404, 405):
            raise
    stats = _stats(request, staff, province_code)
    groups: GroupNames = request.app.state.group_names
    breakdowns = read_breakdowns(stats, lang, lambda code: groups.name(code, lang))
    title = (
        tr("Thống kê OCOP", "OCOP statistics")
        + " — "
        + (province_name(province_code) if province_code else tr("Cả nước", "Whole country"))
    )
    return Response(
        stats_workbook(title, _kpis(stats, tr), breakdowns), media_type=media, headers=headers
    )
