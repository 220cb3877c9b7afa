"""The public product page: certificate, producer, addresses, where to buy and a QR code.

The QR code printed on a package encodes the product's short address `/q/<code>`, which
redirects here; the long address `/products/<id>` of earlier stamps keeps working."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ocop_kit.app import DbSession
from ocop_portal.backends import BackendProblem, Backends, BackendUnavailable
from ocop_portal.catalog import (
    CERTIFICATE_STATUS,
    CHANNELS,
    LEVELS,
    PRODUCER_KINDS,
    GroupNames,
    province_name,
)
from ocop_portal.photos import photo_url
from ocop_portal.products.qr import product_page_url, qr_svg, short_page_url
from ocop_portal.products.short_codes import product_for_code, short_code_for
from ocop_portal.products.structured_data import (
    absolute_url,
    json_for_script,
    product_json_ld,
    product_summary,
)
from ocop_portal.staff.auth import staff_of
from ocop_portal.web import pick_language, render, translator

router = APIRouter(tags=["pages"], include_in_schema=False)


def where_to_buy(request: Request, product_id: str) -> list[dict[str, Any]]:
    """The channels a shopper can buy the product on now (the sync service's public list), each
    with its page on the marketplace and its price there where the sync service knows them."""
    backends: Backends = request.app.state.backends
    places = backends.get_json("marketplace_sync", f"/v1/products/{product_id}/where-to-buy")
    return [
        {
            "channel": place["channel"],
            "name": CHANNELS.get(place["channel"], place.get("channel_name") or place["channel"]),
            "url": place.get("listing_url")
            if str(place.get("listing_url") or "").startswith("https://")
            else None,
            "price_vnd": place.get("price_vnd")
            if isinstance(place.get("price_vnd"), int)
            else None,
        }
        for place in places or []
        if isinstance(place, dict) and place.get("channel")
    ]


def unknown_product_page(request: Request, reason: str, message: str = "") -> HTMLResponse:
    """A 404 that says why a scanned code may lead nowhere, with a search box to go on."""
    tr = translator(pick_language(request))
    return render(
        request,
        "error.html",
        {
            "heading": tr("Không tìm thấy sản phẩm", "Product not found"),
            "message": message
            or tr(
                "Sản phẩm này không còn trên cổng thông tin.",
                "This product is no longer on the portal.",
            )
            if reason == "product"
            else tr(
                "Mã rút gọn này không có trên cổng thông tin.",
                "There is no such short code on the portal.",
            ),
            "status": 404,
            "old_qr": True,
        },
        404,
    )


@router.get("/products/{product_id}", response_class=HTMLResponse)
def product_page(request: Request, product_id: str, session: DbSession) -> HTMLResponse:
    backends: Backends = request.app.state.backends
    groups: GroupNames = request.app.state.group_names
    base_url: str = request.app.state.settings.page_base_url
    lang = pick_language(request)
    staff = staff_of(request)
    token = staff.token if staff else None
    # An unreachable registry becomes the app's bilingual error page; a 404 says the QR is old.
    try:
        product = backends.get_json("registry", f"/v1/products/{product_id}", token=token)
    except BackendProblem as problem:
        if problem.status == 404:
            return unknown_product_page(request, "product", problem.message(lang))
        raise
    shops: list[dict[str, Any]] | None
    try:
        shops = where_to_buy(request, product_id)
    except (BackendUnavailable, BackendProblem):
        shops = None  # shown as "not available right now", the rest of the page still renders
    url = product_page_url(base_url, product_id)
    short_url = short_page_url(base_url, short_code_for(session, product_id))
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
            "short_url": short_url,
            "qr": qr_svg(short_url),
            "json_ld": json_for_script(product_json_ld(product, shops, url, base_url)),
            "og_image": absolute_url(base_url, photo_url(product.get("images"), "page")),
            "summary": product_summary(product, lang),
            "group_name": product.get("group_name") if lang == "vi" else None,
            "group_label": groups.name(product.get("group"), lang),
            "producer_kinds": PRODUCER_KINDS,
            "certificate_status": CERTIFICATE_STATUS,
            "levels": LEVELS,
            "province_name": province_name,
        },
    )


@router.get("/q/{code}", response_class=HTMLResponse)
def short_address(request: Request, code: str, session: DbSession) -> Response:
    """A QR code's short address: a permanent redirect to the product page."""
    product_id = product_for_code(session, code)
    if product_id is None:
        return unknown_product_page(request, "code")
    target = f"/products/{product_id}"
    if request.url.query:
        target += f"?{request.url.query}"
    return RedirectResponse(target, status_code=301)


@router.get("/products/{product_id}/qr.svg")
def product_qr(request: Request, product_id: str, session: DbSession) -> Response:
    """The QR code alone, to print on stamps and packaging: it encodes the short address."""
    backends: Backends = request.app.state.backends
    # Only a product the registry knows gets a code (a 404 here is the error page).
    backends.get_json("registry", f"/v1/products/{product_id}")
    short_url = short_page_url(
        request.app.state.settings.page_base_url, short_code_for(session, product_id)
    )
    svg = qr_svg(short_url, scale=10, inline=False)
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Content-Disposition": f'inline; filename="ocop-{product_id}.svg"'},
    )
