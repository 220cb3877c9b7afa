"""A producer's own page: its products, their certificates and expiry, and each listing's state."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ocop_portal.backends import BackendProblem, Backends, BackendUnavailable
from ocop_portal.catalog import CERTIFICATE_STATUS, CHANNELS
from ocop_portal.staff.auth import require_staff
from ocop_portal.sync.service import STATUS_NAMES, items_of
from ocop_portal.web import render

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/my-products", response_class=HTMLResponse)
def my_products(request: Request) -> HTMLResponse:
    staff = require_staff(request, "producer", "province_officer")
    backends: Backends = request.app.state.backends
    producer_id = staff.principal.producer_id or request.query_params.get("producer_id")
    products, _ = items_of(
        backends.get_json(
            "registry",
            "/v1/products",
            {"producer_id": producer_id, "limit": 200},
            staff.token,
        )
    )

    def listings_of(product_id: str) -> tuple[str, list[dict[str, Any]] | None]:
        try:
            rows, _ = items_of(
                backends.get_json(
                    "marketplace_sync", "/v1/listings", {"product_id": product_id}, staff.token
                )
            )
        except (BackendUnavailable, BackendProblem):
            return product_id, None
        return product_id, rows

    with ThreadPoolExecutor(max_workers=8) as pool:
        listings = dict(pool.map(listings_of, [str(p.get("id")) for p in products[:100]]))
    return render(
        request,
        "my_products.html",
        {
            "products": products,
            "listings": listings,
            "certificate_status": CERTIFICATE_STATUS,
            "status_names": STATUS_NAMES,
            "channel_names": CHANNELS,
        },
    )
