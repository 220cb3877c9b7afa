"""HTTP: sheet imports (a background job with progress and a per-row error report)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from celery import Celery
from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ocop_contracts import jobs_queue_for
from ocop_kit.app import DbSession
from ocop_kit.auth import Principal
from ocop_kit.errors import FieldError, Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from ocop_kit.sheets import csv_document
from ocop_kit.text import TextRefused, clean_line
from ocop_registry import SERVICE
from ocop_registry.access import Officer
from ocop_registry.imports.models import ImportJob
from ocop_registry.imports.service import IMPORT_TASK, import_job_out
from ocop_registry.imports.sheet import VI_HEADERS, SheetUnreadable, read_sheet

router = APIRouter(prefix="/v1/imports", tags=["imports"])
MAX_BYTES = 20 * 1024 * 1024


class ImportErrorOut(BaseModel):
    row: int
    field: str
    message: str
    message_en: str | None = None


class LikelyDuplicateOut(BaseModel):
    id: str
    name: str
    score: float
    reason: str
    reason_en: str


class ImportWarningOut(ImportErrorOut):
    """A row imported with a warning: its product looks like a registered one."""

    likely_duplicates: list[LikelyDuplicateOut]


class ImportJobOut(BaseModel):
    id: str
    filename: str
    status: str  # queued | running | done | failed
    rows_total: int
    rows_processed: int
    rows_imported: int
    products: int = Field(description="Products the import wrote or confirmed")
    searchable: int = Field(description="Of those, how many shoppers can find in search so far")
    listed: int = Field(
        description="Of those, how many are listed on at least one marketplace so far"
    )
    errors: list[ImportErrorOut]
    warnings: list[ImportWarningOut] = Field(
        default=[],
        description="Rows imported whose product looks like a registered one (queued for "
        "review at /v1/duplicates).",
    )
    failure: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def _job(session: Any, job_id: str, principal: Principal) -> ImportJob:
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound("Không có lượt nhập này", "No such import")
    if not principal.is_admin and job.province_scope != principal.province_code:
        raise Forbidden("Lượt nhập của tỉnh khác", "This import belongs to another province")
    return job


@router.post("", status_code=202, summary="Import a sheet (CSV or XLSX) in the background")
def post_import(
    request: Request,
    session: DbSession,
    principal: Officer,
    file: Annotated[UploadFile, File(description="CSV or XLSX, Vietnamese headers accepted")],
) -> ImportJobOut:
    content = file.file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise PayloadTooLarge("Tệp lớn hơn 20 MB", "The file is larger than 20 MB")
    try:
        filename = clean_line(file.filename or "") or "sheet.csv"
        # Check the headers now, so a wrong file is refused at once.
        read_sheet(filename, content)
    except (SheetUnreadable, TextRefused) as exc:
        raise ValidationFailed(
            exc.message_vi,
            exc.message_en,
            errors=[FieldError("file", exc.message_vi, exc.message_en)],
        ) from exc
    job = ImportJob(
        filename=filename,
        content=content,
        status="queued",
        actor=principal.subject,
        province_scope=None if principal.is_admin else principal.province_code,
    )
    session.add(job)
    session.commit()
    celery: Celery = request.app.state.celery
    celery.send_task(IMPORT_TASK, args=[job.id], queue=jobs_queue_for(SERVICE))
    return ImportJobOut.model_validate(import_job_out(session, job))


@router.get("/{job_id}", summary="An import's progress and error report")
def get_import(job_id: str, session: DbSession, principal: Officer) -> ImportJobOut:
    return ImportJobOut.model_validate(import_job_out(session, _job(session, job_id, principal)))


@router.get(
    "/{job_id}/errors.csv",
    summary="The rejected rows with their errors: fix them in the sheet and import it again",
)
def get_import_errors(job_id: str, session: DbSession, principal: Officer) -> Response:
    job = _job(session, job_id, principal)
    messages: dict[int, list[str]] = {}
    for error in job.errors:
        label = VI_HEADERS.get(error["field"], error["field"])
        messages.setdefault(error["row"], []).append(f"{label}: {error['message']}")
    used = {column for entry in job.rejected for column in entry["values"]}
    columns = [column for column in VI_HEADERS if column in used]
    # Unknown columns ("Dòng gốc", "Lỗi") are ignored when the sheet is imported again.
    rows = [["Dòng gốc", *(VI_HEADERS[c] for c in columns), "Lỗi"]]
    for entry in job.rejected:
        values = entry["values"]
        rows.append(
            [
                entry["row"],
                *(values.get(c, "") for c in columns),
                "; ".join(messages.get(entry["row"], [])),
            ]
        )
    return Response(
        csv_document(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{job.id}-errors.csv"'},
    )
