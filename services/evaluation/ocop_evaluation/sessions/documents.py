"""The dossier's documents: files under the service's data directory, listed in the database."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_evaluation.sessions.models import Application, Document
from ocop_kit.errors import FieldError, PayloadTooLarge, ValidationFailed
from ocop_kit.history import record_change
from ocop_kit.text import TextRefused, clean_line

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
ALLOWED_TYPES = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/plain",
}


def documents_root(data_dir: Path) -> Path:
    return data_dir / "evaluation" / "documents"


def document_path(data_dir: Path, document: Document) -> Path:
    key = document.file_key or f"{document.application_id}/{document.id}"
    return documents_root(data_dir) / key


def carry_documents(session: Session, previous: Application, application: Application) -> int:
    """List the previous application's dossier in the new one (same stored files; a document
    added later is new), so a re-evaluation or an upgrade does not redo the dossier."""
    carried = 0
    for old in session.scalars(
        select(Document).where(Document.application_id == previous.id).order_by(Document.id)
    ):
        session.add(
            Document(
                application_id=application.id,
                kind=old.kind,
                filename=old.filename,
                content_type=old.content_type,
                size_bytes=old.size_bytes,
                sha256=old.sha256,
                uploaded_by=old.uploaded_by,
                uploaded_at=old.uploaded_at,
                carried_from=old.id,
                file_key=old.file_key or f"{old.application_id}/{old.id}",
            )
        )
        carried += 1
    return carried


def safe_filename(name: str) -> str:
    """Keep the visible name but never a path: `../../x.pdf` → `x.pdf`; a name holding control
    or bidi characters (`hoso` U+202E `fdp.exe` shows as `hosoexe.pdf`) is refused."""
    try:
        base = re.split(r"[\\/]", clean_line(name))[-1].strip() or "tai-lieu"
    except TextRefused as exc:
        raise ValidationFailed(
            "Tên tệp không hợp lệ",
            "Invalid file name",
            errors=[FieldError("file", exc.message_vi, exc.message_en)],
        ) from exc
    return base[:300]


def store_document(
    session: Session,
    data_dir: Path,
    application: Application,
    kind: str,
    filename: str,
    content_type: str,
    content: bytes,
    actor: str,
) -> Document:
    if not content:
        raise ValidationFailed(
            "Tệp rỗng", "The file is empty", errors=[FieldError("file", "Tệp rỗng", "Empty file")]
        )
    if len(content) > MAX_DOCUMENT_BYTES:
        raise PayloadTooLarge("Tệp vượt quá 20 MB", "The file exceeds 20 MB")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in ALLOWED_TYPES:
        raise ValidationFailed(
            "Chỉ nhận tệp PDF, ảnh, Word, Excel hoặc văn bản",
            "Only PDF, image, Word, Excel or text files are accepted",
            errors=[FieldError("file", "Loại tệp không được nhận", "File type not accepted")],
        )
    document = Document(
        application_id=application.id,
        kind=kind,
        filename=safe_filename(filename),
        content_type=media_type,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
    )
    session.add(document)
    session.flush()
    path = document_path(data_dir, document)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written before the commit: a rolled-back row leaves an orphan file, never a row without one.
    path.write_bytes(content)
    record_change(
        session,
        "application",
        application.id,
        "document_added",
        actor,
        None,
        {
            "document_id": document.id,
            "filename": document.filename,
            "kind": kind,
            "sha256": document.sha256,
        },
    )
    return document
