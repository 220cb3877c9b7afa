"""The sync status screen for marketplace operators: counts, failures with their errors, retry."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ocop_portal.backends import BackendProblem, Backends, BackendUnavailable, passed_through
from ocop_portal.catalog import CHANNELS
from ocop_portal.staff.auth import require_staff
from ocop_portal.sync.service import (
    STATUS_NAMES,
    STATUSES,
    count_by_channel_and_status,
    field_names,
    items_of,
    product_names,
    read_sync_stats,
)
from ocop_portal.web import pick_language, render

router = APIRouter(prefix="/sync", tags=["pages"], include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def sync_page(request: Request) -> HTMLResponse:
    staff = require_staff(request, "sync_operator")
    backends: Backends = request.app.state.backends
    channel = request.query_params.get("channel", "")
    status = request.query_params.get("status", "")
    cursor = request.query_params.get("cursor") or None
    truncated = False
    failures_last_day: dict[str, int] = {}
    headline: dict[str, object] = {}
    try:
        counts, failures_last_day, headline = read_sync_stats(
            backends.get_json("marketplace_sync", "/v1/sync/stats", token=staff.token)
        )
    except BackendProblem:
        # A sync service without the summary: count the listings page by page.
        counts, truncated = count_by_channel_and_status(backends, staff.token)
    try:
        channel_rows = backends.get_json("marketplace_sync", "/v1/channels", token=staff.token)
    except (BackendProblem, BackendUnavailable):
        channel_rows = []
    modes = {
        str(c["code"]): str(c.get("mode", "api"))
        for c in channel_rows or []
        if isinstance(c, dict) and "code" in c
    }
    failures, _ = items_of(
        backends.get_json(
            "marketplace_sync",
            "/v1/listings",
            {"status": "failed", "channel": channel, "limit": 100},
            staff.token,
        )
    )
    listings, next_cursor = items_of(
        backends.get_json(
            "marketplace_sync",
            "/v1/listings",
            {"status": status, "channel": channel, "limit": 50, "cursor": cursor},
            staff.token,
        )
    )
    channels = sorted(set(CHANNELS) | set(counts) | set(modes))
    names = product_names(
        backends,
        {str(row.get("product_id")) for row in failures + listings if row.get("product_id")},
        staff.token,
    )
    return render(
        request,
        "sync.html",
        {
            "counts": counts,
            "failures_last_day": failures_last_day,
            "headline": headline,
            "modes": modes,
            "truncated": truncated,
            "channels": channels,
            "channel_names": CHANNELS,
            "statuses": STATUSES,
            "status_names": STATUS_NAMES,
            "field_names": lambda fields: field_names(fields, pick_language(request)),
            "names": names,
            "failures": failures,
            "listings": listings,
            "next_cursor": next_cursor,
            "channel": channel,
            "status": status,
            "flash": request.query_params.get("retried"),
            "done": request.query_params.get("done"),
            "flash_error": request.query_params.get("retry_error"),
        },
    )


@router.post("/listings/{listing_id}/retry")
def retry(request: Request, listing_id: str, back: Annotated[str, Form()] = "/sync") -> Response:
    staff = require_staff(request, "sync_operator")
    backends: Backends = request.app.state.backends
    target = back if back.startswith("/sync") else "/sync"
    joiner = "&" if "?" in target else "?"
    try:
        backends.send_json(
            "POST", "marketplace_sync", f"/v1/listings/{listing_id}/retry", None, staff.token
        )
        query = urlencode({"retried": listing_id})
    except BackendProblem as problem:
        query = urlencode({"retry_error": problem.message(pick_language(request))})
    return RedirectResponse(f"{target}{joiner}{query}", status_code=303)


CHANNEL_ACTIONS = {"sync", "reconcile", "uploaded"}


@router.post("/channels/{code}/{action}")
def channel_action(request: Request, code: str, action: str) -> Response:
    """Run a channel's sync or reconciliation now, or mark its upload sheet as uploaded."""
    staff = require_staff(request, "sync_operator")
    if action not in CHANNEL_ACTIONS or code not in CHANNELS:
        return RedirectResponse("/sync", status_code=303)
    backends: Backends = request.app.state.backends
    body: dict[str, object] | None = {} if action == "uploaded" else None
    try:
        backends.send_json(
            "POST", "marketplace_sync", f"/v1/channels/{code}/{action}", body, staff.token
        )
        query = urlencode({"done": f"{action}:{code}"})
    except BackendProblem as problem:
        query = urlencode({"retry_error": problem.message(pick_language(request))})
    return RedirectResponse(f"/sync?{query}", status_code=303)


@router.get("/channels/{code}/upload-sheet")
def upload_sheet(request: Request, code: str) -> Response:
    """The seller centre's upload sheet of a bulk-file channel (Voso), passed through."""
    staff = require_staff(request, "sync_operator")
    backends: Backends = request.app.state.backends
    return passed_through(
        backends.request(
            "GET", "marketplace_sync", f"/v1/channels/{code}/upload-sheet", token=staff.token
        )
    )
