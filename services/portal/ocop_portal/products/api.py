"""The public product page: certificate, producer, addresses, where to buy and a QR code."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ocop_portal.backends import BackendProblem, Backends, BackendUnavailable
from ocop_portal.catalog import (
    CERTIFICATE_STATUS,
    CHANNELS,
    LEVELS,
    PRODUCER_KINDS,
    GroupNames,
    province_name,
)
from ocop_portal.products.qr import product_page_url, qr_svg
from ocop_portal.staff.auth import staff_of
from ocop_portal.web import pick_language, render

router = APIRouter(tags=["pages"], include_in_schema=False)


def where_to_buy(request: Request, product_id: str) -> list[dict[str, Any]]:
    """The channels a shopper can buy the product on now (the sync service's public list)."""
    backends: Backends = request.app.state.backends
    places = backends.get_json("marketplace_sync", f"/v1/products/{product_id}/where-to-buy")
    return [
        {
            "channel": place["channel"],
            "name": CHANNELS.get(place["channel"], place.get("channel_name") or place["channel"]),
            "external_id": place.get("external_id"),
        }
        for place in places or []
        if isinstance(place, dict) and place.get("channel")
    ]


@router.get("/products/{product_id}", response_class=HTMLResponse)
def product_page(request: Request, product_id: str) -> HTMLResponse:
    backends: Backends = request.app.state.backends
    groups: GroupNames = request.app.state.group_names
    lang = pick_language(request)
    staff = staff_of(request)
    token = staff.token if staff else None
    # A 404 or an unreachable registry becomes the app's bilingual error page.
    product = backends.get_json("registry", f"/v1/products/{product_id}", token=token)
    shops: list[dict[str, Any]] | None
    try:
        shops = where_to_buy(request, product_id)
    except (BackendUnavailable, BackendProblem):
        shops = None  # shown as "not available right now", the rest of the page still renders
    url = product_page_url(request.app.state.settings.page_base_url, product_id)
    certificate = product.get("certificate") if isinstance(product, dict) else None
    return render(
        request,
        "product.html",
        {
            "product": product,
            "producer": product.get("producer") or {},
            "address": product.get("address") or {},
            "certificate": certificate if isinstance(certificate, dict) else None,
            "shops": shops,
            "page_url": url,
            "qr": qr_svg(url),
            "group_name": product.get("group_name") if lang == "vi" else None,
            "group_label": groups.name(product.get("group"), lang),
            "producer_kinds": PRODUCER_KINDS,
            "certificate_status": CERTIFICATE_STATUS,
            "levels": LEVELS,
            "province_name": province_name,
        },
    )


@router.get("/products/{product_id}/qr.svg")
def product_qr(request: Request, product_id: str) -> Response:
    """The QR code alone, to print on stamps and packaging."""
    svg = qr_svg(
        product_page_url(request.app.state.settings.page_base_url, product_id),
        scale=10,
        inline=False,
    )
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Content-Disposition": f'inline; filename="ocop-{product_id}.svg"'},
    )
