"""Sheet imports for province offices: upload a list to the registry, then follow it until its
products are searchable and listed.

The registry offers no list of past imports, so the page opens an import by its id (the progress
page's address is worth keeping)."""

from __future__ import annotations

import re
import time
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ocop_portal.backends import BackendProblem, Backends, passed_through
from ocop_portal.imports.progress import REFRESH_SECONDS, ImportProgress, plan_refresh
from ocop_portal.staff.auth import Staff, require_staff
from ocop_portal.web import is_htmx, pick_language, render, translator

router = APIRouter(prefix="/imports", tags=["pages"], include_in_schema=False)

MAX_BYTES = 20 * 1024 * 1024  # the registry's own limit: a larger file is refused here, unread
UPLOAD_TIMEOUT_SECONDS = 60.0  # the registry checks a sheet's headers before it answers
SHOWN_ERRORS = 100
IMPORT_ID = re.compile(r"[0-9A-Za-z-]{1,64}")


def _officer(request: Request) -> Staff:
    return require_staff(request, "province_officer")


def _registry_path(import_id: str, tail: str = "") -> str:
    """The registry's address of an import; an id of another shape is no import (404)."""
    if not IMPORT_ID.fullmatch(import_id):
        raise HTTPException(404)
    return f"/v1/imports/{import_id}{tail}"


def _upload_form(
    request: Request, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    return render(request, "imports.html", {"error": error}, status_code)


@router.get("", response_class=HTMLResponse)
def imports_page(request: Request) -> Response:
    """The upload form; `?id=` opens an import's progress page."""
    _officer(request)
    wanted = (request.query_params.get("id") or "").strip()
    if wanted:
        if IMPORT_ID.fullmatch(wanted):
            return RedirectResponse(f"/imports/{wanted}", status_code=303)
        tr = translator(pick_language(request))
        return _upload_form(request, tr("Mã lượt nhập không hợp lệ.", "Not an import id."), 400)
    return _upload_form(request)


@router.post("", response_class=HTMLResponse)
def upload(request: Request, file: Annotated[UploadFile | None, File()] = None) -> Response:
    """Send the chosen sheet to the registry and open its progress page."""
    staff = _officer(request)
    lang = pick_language(request)
    tr = translator(lang)
    if file is None or not file.filename:
        return _upload_form(
            request, tr("Hãy chọn một tệp CSV hoặc XLSX.", "Choose a CSV or XLSX file."), 422
        )
    content = file.file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        return _upload_form(
            request, tr("Tệp lớn hơn 20 MB.", "The file is larger than 20 MB."), 413
        )
    backends: Backends = request.app.state.backends
    try:
        job = backends.request(
            "POST",
            "registry",
            "/v1/imports",
            files={
                "file": (file.filename, content, file.content_type or "application/octet-stream")
            },
            token=staff.token,
            timeout=UPLOAD_TIMEOUT_SECONDS,
        ).json()
    except BackendProblem as problem:
        if problem.status in (401, 403):
            raise
        return _upload_form(request, problem.message(lang), problem.status)
    return RedirectResponse(f"/imports/{job['id']}", status_code=303)


def _progress_context(request: Request, staff: Staff, import_id: str) -> dict[str, Any]:
    backends: Backends = request.app.state.backends
    job = backends.get_json("registry", _registry_path(import_id), token=staff.token)
    progress = ImportProgress.of(job)
    since = request.query_params.get("since", "")
    refresh = plan_refresh(
        progress,
        request.query_params.get("seen"),
        int(since) if since.isdigit() else None,
        int(time.time()),
    )
    return {
        "job": job,
        "progress": progress,
        "refresh": refresh,
        "refresh_seconds": REFRESH_SECONDS,
        "poll_query": f"seen={refresh.seen}&since={refresh.since}",
        "errors": (job.get("errors") or [])[:SHOWN_ERRORS],
        "error_count": len(job.get("errors") or []),
    }


@router.get("/{import_id}", response_class=HTMLResponse)
def progress_page(request: Request, import_id: str) -> HTMLResponse:
    """An import's progress; htmx polls the same address for the progress panel alone."""
    staff = _officer(request)
    context = _progress_context(request, staff, import_id)
    template = "import_progress_panel.html" if is_htmx(request) else "import_progress.html"
    return render(request, template, context)


@router.get("/{import_id}/errors.csv")
def errors_csv(request: Request, import_id: str) -> Response:
    """The registry's report of rejected rows, to fix in the sheet and import again."""
    staff = _officer(request)
    backends: Backends = request.app.state.backends
    return passed_through(
        backends.request(
            "GET", "registry", _registry_path(import_id, "/errors.csv"), token=staff.token
        )
    )
