"""The public product page: certificate, producer, addresses, where to buy and a QR code."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ocop_kit.auth import issue_token
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


def _base_url(request: Request) -> str:
    configured = request.app.state.settings.public_base_url
    return str(configured or request.base_url)


def _listings(payload: Any) -> list[dict[str, Any]]:
    items = payload.get("items", []) if isinstance(payload, dict) else payload
    return [item for item in items or [] if isinstance(item, dict)]


def _service_token(request: Request) -> str:
    """A short-lived read token the portal signs for itself: marketplace-sync lists listings only
    to operators, while shoppers must see where a product is sold. It never leaves the server."""
    cached: tuple[float, str] | None = getattr(request.app.state, "service_token", None)
    now = time.monotonic()
    if cached is None or now - cached[0] > 240:
        token = issue_token(
            request.app.state.settings, "sync_operator", subject="portal", ttl_seconds=300
        )
        cached = (now, token)
        request.app.state.service_token = cached
    return cached[1]


def _listings_of(
    request: Request, product_id: str, staff_token: str | None
) -> list[dict[str, Any]]:
    backends: Backends = request.app.state.backends
    params: dict[str, str | int | float | None] = {"product_id": product_id}
    try:
        return _listings(backends.get_json("marketplace_sync", "/v1/listings", params, staff_token))
    except BackendProblem as problem:
        if problem.status not in (401, 403):
            raise
    return _listings(
        backends.get_json("marketplace_sync", "/v1/listings", params, _service_token(request))
    )


def where_to_buy(listings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The channels a shopper can buy on now: listed rows only, one per channel."""
    seen: set[str] = set()
    shops: list[dict[str, Any]] = []
    for listing in listings:
        channel = str(listing.get("channel") or "")
        if listing.get("status") != "listed" or not channel or channel in seen:
            continue
        seen.add(channel)
        link = listing.get("url") or listing.get("product_url") or listing.get("external_url")
        shops.append(
            {
                "channel": channel,
                "name": CHANNELS.get(channel, channel),
                "url": link if isinstance(link, str) and link.startswith("http") else None,
                "external_id": listing.get("external_id"),
            }
        )
    return shops


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
        shops = where_to_buy(_listings_of(request, product_id, token))
    except (BackendUnavailable, BackendProblem):
        shops = None  # shown as "not available right now", the rest of the page still renders
    url = product_page_url(_base_url(request), product_id)
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
    svg = qr_svg(product_page_url(_base_url(request), product_id), scale=10, inline=False)
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Content-Disposition": f'inline; filename="ocop-{product_id}.svg"'},
    )
