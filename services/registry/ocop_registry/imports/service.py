"""Import jobs: check every row, write the good ones in chunks (each row whole or not at all),
report the bad ones. Rows are upserts, so importing the same sheet again duplicates nothing."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ocop_contracts import CertificateIssued, EventBase, ProductChanged
from ocop_kit.dates import today_local
from ocop_kit.db import ServiceDatabase, insert_rows, new_id, upsert_rows, utc_now
from ocop_kit.history import Change, record_changes
from ocop_kit.outbox import publish_many
from ocop_kit.text import matching_key
from ocop_registry.catalog.groups import sets_for_group
from ocop_registry.certificates.models import Certificate
from ocop_registry.certificates.service import prepare_certificate
from ocop_registry.database import Base
from ocop_registry.duplicates.rules import DuplicateIndex, ProductFacts
from ocop_registry.duplicates.service import (
    duplicates_out,
    find_likely_duplicates,
    product_facts,
    record_pairs,
    remember_products,
)
from ocop_registry.events import current_certificates, mark_new, product_event
from ocop_registry.imports.models import ImportedProduct, ImportJob
from ocop_registry.imports.sheet import (
    ImportRow,
    RowError,
    SheetUnreadable,
    cell_text,
    check_row,
    read_sheet,
    row_values,
)
from ocop_registry.producers.models import Producer
from ocop_registry.producers.service import address_key, new_producer, producer_record
from ocop_registry.products.models import MarketListing, Product, SearchVisibility
from ocop_registry.products.service import new_product, product_record

log = logging.getLogger(__name__)
IMPORT_TASK = "ocop.registry.import_sheet"
CHUNK = 500
MAX_REPORTED_ERRORS = 5000


def run_import(db: ServiceDatabase, job_id: str) -> str:
    """Run (or, after a crash, re-run) an import job to the end; returns its final status."""
    with _older_objects_frozen():
        return _run_import(db, job_id)


@contextmanager
def _older_objects_frozen() -> Iterator[None]:
    """Keep the garbage collector's full passes to the objects the import makes. An import
    allocates millions of objects, so Python runs full passes, and each walks every object the
    process holds (address data, modules, caches): a sixth of a 10,000-row import's CPU."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run_import(db: ServiceDatabase, job_id: str) -> str:
    with db.session() as session:
        job = session.get(ImportJob, job_id)
        if job is None or job.status in ("done", "failed"):
            return job.status if job else "missing"
        job.status = "running"
        job.started_at = utc_now()
        job.rows_processed = job.rows_imported = 0
        job.errors = []
        job.warnings = []
        job.rejected = []
        filename, content = job.filename, job.content
        actor = job.actor
        scope = job.province_scope
    try:
        sheet = read_sheet(filename, content)
    except SheetUnreadable as exc:
        _finish(db, job_id, "failed", [RowError(1, "file", exc.message_vi, exc.message_en)], exc)
        return "failed"
    with db.session() as session:
        job = session.get(ImportJob, job_id)
        assert job is not None
        job.rows_total = sheet.total

    errors: list[RowError] = []
    warnings: list[dict[str, Any]] = []
    rejected: dict[int, dict[str, str]] = {}
    imported = processed = 0
    memory = JobMemory()
    chunk: list[ImportRow] = []

    def flush_chunk() -> None:
        nonlocal imported, processed, chunk
        written, failed, warned = _write_chunk(
            db, job_id, chunk, actor, memory, processed + len(chunk), imported
        )
        imported += written
        errors.extend(failed)
        warnings.extend(warned)
        refused = {error.row for error in failed}
        rejected.update({row.row: row.values for row in chunk if row.row in refused})
        processed += len(chunk)
        chunk = []

    for number, cells in sheet.rows:
        raw = row_values(sheet.columns, cells)
        checked = check_row(number, raw)
        if isinstance(checked, list):
            errors.extend(checked)
            if len(rejected) < MAX_REPORTED_ERRORS:
                rejected[number] = {k: cell_text(v) for k, v in raw.items()}
            processed += 1
            continue
        if scope and checked.address.province_code != scope:
            errors.append(
                RowError(
                    number,
                    "address",
                    f"Địa chỉ thuộc {checked.address.province_name}, ngoài tỉnh của bạn",
                    f"The address is in {checked.address.province_name}, outside your province",
                )
            )
            rejected[number] = checked.values
            processed += 1
            continue
        chunk.append(checked)
        if len(chunk) >= CHUNK:
            flush_chunk()
    if chunk:
        flush_chunk()
    _finish(db, job_id, "done", errors, rejected=rejected, warnings=warnings)
    log.info("import finished", extra={"job": job_id, "imported": imported, "errors": len(errors)})
    return "done"


def mark_failed(db: ServiceDatabase, job_id: str, exc: Exception) -> None:
    """Give up on a job that keeps failing (the error is kept for the officer and operators)."""
    _finish(
        db,
        job_id,
        "failed",
        [RowError(0, "file", "Lỗi hệ thống khi nhập; hãy thử lại", "Import failed; try again")],
        exc,
    )


def _finish(
    db: ServiceDatabase,
    job_id: str,
    status: str,
    errors: list[RowError],
    failure: Exception | None = None,
    rejected: dict[int, dict[str, str]] | None = None,
    warnings: list[dict[str, Any]] | None = None,
) -> None:
    with db.session() as session:
        job = session.get(ImportJob, job_id)
        assert job is not None
        job.status = status
        job.errors = [e.as_dict() for e in errors[:MAX_REPORTED_ERRORS]]
        job.warnings = (warnings or [])[:MAX_REPORTED_ERRORS]
        job.rejected = [{"row": n, "values": v} for n, v in sorted((rejected or {}).items())]
        job.failure = str(failure)[:1000] if failure else None
        job.rows_processed = job.rows_total
        job.finished_at = utc_now()


def _write_chunk(
    db: ServiceDatabase,
    job_id: str,
    rows: list[ImportRow],
    actor: str,
    memory: JobMemory,
    processed: int,
    imported_before: int,
) -> tuple[int, list[RowError], list[dict[str, Any]]]:
    """Write a chunk in one transaction, with the job's progress; if the database refuses it,
    row by row with savepoints so one bad row costs only itself. Returns the rows written,
    the rows refused and the rows' duplicate warnings."""

    def record_progress(session: Session, written: int) -> None:
        job = session.get(ImportJob, job_id)
        assert job is not None
        job.rows_processed = processed
        job.rows_imported = imported_before + written

    try:
        with db.session() as session:
            outcome = write_rows(session, rows, actor, memory)
            record_imported(session, job_id, outcome.product_ids)
            record_progress(session, len(rows))
        remember_products(db.engine, outcome.new_products)
        return len(rows), [], outcome.warnings
    except SQLAlchemyError:
        log.warning("chunk refused by the database; retrying row by row", exc_info=True)
    memory.producers.clear()
    written = 0
    failed: list[RowError] = []
    warnings: list[dict[str, Any]] = []
    new_products: list[tuple[str, ProductFacts]] = []
    with db.session() as session:
        for row in rows:
            try:
                with session.begin_nested():
                    outcome = write_rows(session, [row], actor, memory)
                    record_imported(session, job_id, outcome.product_ids)
                written += 1
                warnings.extend(outcome.warnings)
                new_products.extend(outcome.new_products)
            except SQLAlchemyError as exc:
                memory.producers.clear()
                failed.append(
                    RowError(
                        row.row,
                        "row",
                        "Không ghi được dòng này",
                        f"The row could not be written: {exc.__class__.__name__}",
                    )
                )
        record_progress(session, written)
    remember_products(db.engine, new_products)
    return written, failed, warnings


def record_imported(session: Session, job_id: str, product_ids: list[str]) -> None:
    """Note the products this import wrote or confirmed (a product may come twice)."""
    upsert_rows(
        session,
        ImportedProduct.__table__,
        [{"import_id": job_id, "product_id": i} for i in dict.fromkeys(product_ids)],
        key=["import_id", "product_id"],
    )


def _producer_key(row: ImportRow) -> tuple[str, str]:
    return matching_key(row.producer_name), address_key(row.address)


@dataclass
class _ChunkWrites:
    """What a chunk writes, gathered while its rows are decided and then sent at once a table
    (`insert_rows`): an ORM object and a unit-of-work pass per producer, product,
    certificate, history entry and event cost about four times the CPU, most of an import."""

    inserts: dict[type[Base], list[Any]] = field(
        default_factory=lambda: {Producer: [], Product: [], Certificate: []}
    )
    changes: list[Change] = field(default_factory=list)
    events: list[EventBase] = field(default_factory=list)
    # New products, for the duplicate check of the rows after them.
    new_products: DuplicateIndex = field(default_factory=DuplicateIndex)
    new_facts: list[tuple[str, ProductFacts]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def insert(self, entity: Producer | Product | Certificate) -> None:
        self.inserts[type(entity)].append(entity)

    def write(self, session: Session) -> None:
        # Rows the chunk changed that were already in the database (a product edited, a
        # certificate replaced) go through the session as usual.
        session.flush()
        # In this order: products refer to producers, certificates to products.
        for model, entities in self.inserts.items():
            insert_rows(session, model.__table__, [_columns(entity) for entity in entities])
        record_changes(session, self.changes)
        publish_many(session, self.events)


def _columns(entity: Base) -> dict[str, Any]:
    """The column values set on a new (never added) entity; unset columns take their defaults."""
    values = entity.__dict__
    return {
        attribute.key: values[attribute.key]
        for attribute in sa_inspect(type(entity)).column_attrs
        if attribute.key in values
    }


@dataclass
class ChunkOutcome:
    """What a written chunk leaves for the job: its rows' duplicate warnings, its new products
    (filed in the duplicate index once committed) and the ids of its rows' products."""

    warnings: list[dict[str, Any]]
    new_products: list[tuple[str, ProductFacts]]
    product_ids: list[str]


@dataclass
class JobMemory:
    """What an import job remembers from chunk to chunk: the ids of its producers by key, and
    the provinces whose duplicate index it caught up with (it files its own products after)."""

    producers: dict[tuple[str, str], str] = field(default_factory=dict)
    caught_up: set[str] = field(default_factory=set)


def write_rows(
    session: Session,
    rows: list[ImportRow],
    actor: str,
    memory: JobMemory,
) -> ChunkOutcome:
    """Upsert the rows' producers, products and certificates and announce what changed; a new
    product that looks like a registered one is imported with a warning and queued for review.

    Everything the rows refer to is read up front in a few queries and everything new is
    written at the end with one statement a table, so a chunk costs a handful of round trips
    rather than several per row.
    """
    writes = _ChunkWrites()
    product_ids: list[str] = []
    today = today_local()
    with session.no_autoflush:
        by_key = _load_producers(session, rows, memory.producers)
        products = _load_products(session, [p.id for p in by_key.values()])
        certificates = current_certificates(session, [p.id for p in products.values()])
    for row in rows:
        producer = by_key.get(_producer_key(row))
        if producer is None:
            producer = new_producer(
                row.producer_name,
                row.producer_kind,
                row.address,
                row.tax_code,
                row.phone,
                row.email,
            )
            producer.id = new_id()
            writes.insert(producer)
            writes.changes.append(
                Change("producer", producer.id, "imported", actor, None, producer_record(producer))
            )
            by_key[_producer_key(row)] = producer
        product, changed = _upsert_product(
            session, writes, row, producer, products, actor, memory.caught_up
        )
        product_ids.append(product.id)
        _apply_certificate(
            session, writes, row, producer, product, changed, certificates, actor, today
        )
    writes.write(session)
    for key, producer in by_key.items():
        memory.producers[key] = producer.id
    return ChunkOutcome(writes.warnings, writes.new_facts, product_ids)


def _load_producers(
    session: Session, rows: list[ImportRow], known: dict[tuple[str, str], str]
) -> dict[tuple[str, str], Producer]:
    keys = {_producer_key(row) for row in rows}
    found: dict[tuple[str, str], Producer] = {}
    ids = [known[k] for k in keys if k in known]
    if ids:
        for producer in session.scalars(select(Producer).where(Producer.id.in_(ids))):
            found[(producer.name_key, producer.address_key)] = producer
    unknown = {k for k in keys if k not in found}
    if unknown:
        names = {name for name, _ in unknown}
        query = select(Producer).where(Producer.name_key.in_(names))
        for producer in session.scalars(query):
            key = (producer.name_key, producer.address_key)
            if key in unknown:
                found[key] = producer
    return found


def _load_products(session: Session, producer_ids: list[str]) -> dict[tuple[str, str], Product]:
    if not producer_ids:
        return {}
    query = select(Product).where(Product.producer_id.in_(producer_ids))
    return {(p.producer_id, p.name_key): p for p in session.scalars(query)}


def _upsert_product(
    session: Session,
    writes: _ChunkWrites,
    row: ImportRow,
    producer: Producer,
    products: dict[tuple[str, str], Product],
    actor: str,
    caught_up: set[str],
) -> tuple[Product, bool]:
    name_key = matching_key(row.product_name)
    product = products.get((producer.id, name_key))
    if product is None:
        product = new_product(
            producer,
            row.product_name,
            row.group,
            row.product_set,
            certifications=row.certifications,
            channels=row.channels,
            price_vnd=row.price_vnd,
            unit=row.unit,
            barcode=row.barcode,
            description=row.description,
            weight_grams=row.weight_grams,
            images=row.images,
        )
        writes.insert(product)
        mark_new(session, product)
        products[(producer.id, name_key)] = product
        _check_duplicates(session, writes, row, product, producer, caught_up)
        writes.changes.append(
            Change("product", product.id, "imported", actor, None, product_record(product))
        )
        return product, True
    before = product_record(product)
    updates: dict[str, Any] = {"group": row.group}
    # A sheet that names no set keeps the one chosen in the registry if it still fits the group.
    if row.product_set or product.product_set not in sets_for_group(row.group):
        updates["product_set"] = row.product_set
    # A blank optional cell keeps what the registry already holds.
    for name in (
        "certifications",
        "channels",
        "price_vnd",
        "unit",
        "barcode",
        "description",
        "weight_grams",
        "images",
    ):
        value = getattr(row, name)
        if value:
            updates[name] = value
    for name, value in updates.items():
        setattr(product, name, value)
    after = product_record(product)
    if after == before and product.deleted_at is None:
        return product, False
    # A withdrawn product listed again in a province's sheet is back in the registry.
    product.deleted_at = None
    product.updated_at = utc_now()
    writes.changes.append(Change("product", product.id, "imported", actor, before, after))
    return product, True


def _check_duplicates(
    session: Session,
    writes: _ChunkWrites,
    row: ImportRow,
    product: Product,
    producer: Producer,
    caught_up: set[str],
) -> None:
    """Warn of a new product that looks like a registered one or an earlier row's (the row is
    imported all the same) and queue the pairs for the province's review."""
    catch_up = product.province_code not in caught_up
    caught_up.add(product.province_code)
    facts = product_facts(product, producer)
    found = find_likely_duplicates(session, product, facts, writes.new_products, catch_up)
    writes.new_products.add(facts)
    writes.new_facts.append((product.province_code, facts))
    if not found:
        return
    record_pairs(session, product, found, "import")
    names = "; ".join(f"{other.name} ({likeness.score:.0%})" for other, likeness in found)
    writes.warnings.append(
        {
            "row": row.row,
            "field": "product_name",
            "message": f"Có thể trùng sản phẩm đã có: {names}",
            "message_en": f"Likely a duplicate of: {names}",
            "likely_duplicates": duplicates_out(found),
        }
    )


def _apply_certificate(
    session: Session,
    writes: _ChunkWrites,
    row: ImportRow,
    producer: Producer,
    product: Product,
    changed: bool,
    certificates: dict[str, Certificate],
    actor: str,
    today: date,
) -> None:
    """Issue the row's certificate unless the product already holds that one or a newer one
    (an old sheet imported again must not undo a later evaluation); announce."""
    current = certificates.get(product.id)
    if row.stars is not None and row.recognised_on is not None and row.level is not None:
        same = current is not None and (
            current.stars,
            current.recognised_on,
            current.decision_no or None,
        ) == (row.stars, row.recognised_on, row.decision_no)
        older = current is not None and row.recognised_on < current.recognised_on
        if not same and not older:
            # issue_certificate, with the writes left to the chunk.
            certificate, changes = prepare_certificate(
                product,
                current,
                stars=row.stars,
                level=row.level,
                decision_no=row.decision_no,
                recognised_on=row.recognised_on,
                source="import",
                actor=actor,
                today=today,
            )
            writes.insert(certificate)
            writes.changes.extend(changes)
            writes.events.append(
                product_event(session, CertificateIssued, product, producer, certificate, today)
            )
            certificates[product.id] = certificate
            return
    if changed:
        writes.events.append(product_event(session, ProductChanged, product, producer, current))


def import_job_out(session: Session, job: ImportJob) -> dict[str, Any]:
    """An import's status, with how far its products have gone: how many shoppers can find
    and how many are listed on at least one marketplace, so far."""
    products = select(ImportedProduct.product_id).where(ImportedProduct.import_id == job.id)
    searchable = session.scalar(
        select(func.count())
        .select_from(SearchVisibility)
        .where(SearchVisibility.product_id.in_(products), SearchVisibility.searchable)
    )
    listed = session.scalar(
        select(func.count(distinct(MarketListing.product_id))).where(
            MarketListing.product_id.in_(products), MarketListing.status == "listed"
        )
    )
    return {
        "products": session.scalar(select(func.count()).select_from(products.subquery())),
        "searchable": searchable,
        "listed": listed,
        "id": job.id,
        "filename": job.filename,
        "status": job.status,
        "rows_total": job.rows_total,
        "rows_processed": job.rows_processed,
        "rows_imported": job.rows_imported,
        "errors": job.errors,
        "warnings": job.warnings or [],
        "failure": job.failure,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }
