"""HTTP: products, their certificates and history, the product groups, the full export."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select

from ocop_kit.app import DbSession
from ocop_kit.auth import CurrentPrincipal, OptionalPrincipal
from ocop_kit.dates import today_local
from ocop_kit.etag import check_if_match, set_etag
from ocop_kit.pagination import Page, paginate
from ocop_kit.text import Line
from ocop_registry import access
from ocop_registry.access import Admin, Officer
from ocop_registry.certificates.models import Certificate
from ocop_registry.certificates.service import issue_certificate, revoke_certificate
from ocop_registry.events import certificate_document
from ocop_registry.producers.models import Producer
from ocop_registry.products.models import Product
from ocop_registry.products.schemas import (
    CertificateIssue,
    CertificateRecord,
    CertificateRevoke,
    HistoryEntry,
    ProductCreate,
    ProductOut,
    ProductUpdate,
)
from ocop_registry.products.service import (
    create_product,
    ensure_may_read_records,
    get_product,
    list_query,
    product_documents,
    product_history,
    read_product,
    update_product,
    withdraw_product,
)

router = APIRouter(tags=["products"])
StatusFilter = Literal["valid", "expiring", "expired", "revoked", "none"]


def _out(document: dict[str, Any]) -> ProductOut:
    return ProductOut.model_validate(document)


LIKELY_DUPLICATE_RESPONSE: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "Nothing stored: the product looks like a registered one. The problem "
        "document (code `likely_duplicate`) lists `likely_duplicates: [{id, name, score, "
        "reason, reason_en}]`; send the request again with `confirm_not_duplicate: true` to "
        "store it (the confirmation is kept in the history and the pairs go to "
        "GET /v1/duplicates)."
    }
}


@router.post(
    "/v1/products",
    status_code=201,
    summary="Register a product (409 with likely_duplicates unless confirmed)",
    responses=LIKELY_DUPLICATE_RESPONSE,
)
def post_product(
    data: ProductCreate, session: DbSession, principal: CurrentPrincipal, response: Response
) -> ProductOut:
    product = create_product(session, data, principal)
    session.commit()
    set_etag(response, product.id, product.version)
    return _out(read_product(session, product.id, principal))


@router.get("/v1/products", summary="Products (certified ones for everyone; more for officers)")
def list_products(
    session: DbSession,
    principal: OptionalPrincipal,
    province_code: str | None = None,
    stars: Annotated[int | None, Query(ge=1, le=5)] = None,
    group: str | None = None,
    status: StatusFilter | None = None,
    producer_id: str | None = None,
    product_set: Annotated[
        str | None, Query(description="A product set code, or `none` for those awaiting one")
    ] = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[ProductOut]:
    query = list_query(
        principal, province_code, stars, group, status, producer_id, today_local(), product_set
    )
    rows, next_cursor = paginate(session, query, Product.id, cursor, limit)
    return Page(items=[_out(d) for d in product_documents(session, rows)], next_cursor=next_cursor)


@router.get(
    "/v1/products/{product_id}",
    summary="One product with producer and certificate",
    responses={
        308: {
            "description": "The product was merged into another (a problem document): "
            "`Location` and `merged_into` name the product kept"
        }
    },
)
def get_one(
    product_id: str, session: DbSession, principal: OptionalPrincipal, response: Response
) -> ProductOut:
    document = read_product(session, product_id, principal)
    set_etag(response, product_id, document["version"])
    return _out(document)


@router.patch(
    "/v1/products/{product_id}",
    summary="Change a product (If-Match with its ETag); a rename is checked for duplicates",
    responses=LIKELY_DUPLICATE_RESPONSE,
)
def patch_product(
    product_id: str,
    data: ProductUpdate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
) -> ProductOut:
    product = get_product(session, product_id)
    ensure_may_read_records(session, product, principal)
    check_if_match(request, product.id, product.version)
    update_product(session, product, data, principal)
    session.commit()
    set_etag(response, product.id, product.version)
    return _out(read_product(session, product.id, principal))


@router.delete(
    "/v1/products/{product_id}",
    status_code=204,
    summary="Withdraw a product (kept with its history; search and marketplaces drop it)",
)
def delete_product(
    product_id: str,
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    reason: Annotated[Line, Query(min_length=3, max_length=500)] = "withdrawn",
) -> Response:
    product = get_product(session, product_id)
    ensure_may_read_records(session, product, principal)
    check_if_match(request, product.id, product.version)
    withdraw_product(session, product, reason, principal)
    session.commit()
    return Response(status_code=204)


@router.get("/v1/products/{product_id}/history", summary="Every change to a product")
def get_history(
    product_id: str, session: DbSession, principal: CurrentPrincipal
) -> list[HistoryEntry]:
    product = get_product(session, product_id)
    ensure_may_read_records(session, product, principal)
    return [
        HistoryEntry.model_validate(r, from_attributes=True)
        for r in product_history(session, product)
    ]


@router.get(
    "/v1/products/{product_id}/certificates",
    summary="Every certificate the product has held, newest first (replaced ones included)",
)
def list_certificates(
    product_id: str, session: DbSession, principal: OptionalPrincipal
) -> list[CertificateRecord]:
    read_product(session, product_id, principal)  # same visibility as the product
    rows = session.scalars(
        select(Certificate)
        .where(Certificate.product_id == product_id)
        .order_by(Certificate.recognised_on.desc(), Certificate.created_at.desc())
    )
    today = today_local()
    return [
        CertificateRecord.model_validate(
            {
                **certificate_document(c, today),
                "current": c.current,
                "source": c.source,
                "replaced_at": c.replaced_at,
                "revoked_reason": c.revoked_reason,
            }
        )
        for c in rows
    ]


@router.post(
    "/v1/products/{product_id}/certificate",
    status_code=201,
    summary="Enter a certificate decided outside this system (replaces the current one)",
)
def post_certificate(
    product_id: str, data: CertificateIssue, session: DbSession, principal: Officer
) -> ProductOut:
    product = get_product(session, product_id)
    producer = session.get(Producer, product.producer_id)
    assert producer is not None
    access.ensure_may_write_producer(principal, producer)
    issue_certificate(
        session,
        product,
        stars=data.stars,
        level=data.level,
        decision_no=data.decision_no,
        recognised_on=data.recognised_on,
        source="manual",
        actor=principal.subject,
        producer=producer,
    )
    session.commit()
    return _out(read_product(session, product.id, principal))


@router.post("/v1/products/{product_id}/certificate/revoke", summary="Revoke the certificate")
def post_revoke(
    product_id: str, data: CertificateRevoke, session: DbSession, principal: Officer
) -> ProductOut:
    product = get_product(session, product_id)
    producer = session.get(Producer, product.producer_id)
    assert producer is not None
    access.ensure_may_write_producer(principal, producer)
    revoke_certificate(session, product, data.reason, principal.subject)
    session.commit()
    return _out(read_product(session, product.id, principal))


class ExportItem(ProductOut):
    """A product snapshot plus its version, for consumers rebuilding their read models."""


@router.get(
    "/v1/export/products", summary="Every product (public or not) as snapshots, for reindexing"
)
def export_products(
    session: DbSession, _: Admin, cursor: str | None = None, limit: int | None = None
) -> Page[ExportItem]:
    rows, next_cursor = paginate(session, select(Product), Product.id, cursor, limit)
    return Page(
        items=[ExportItem.model_validate(d) for d in product_documents(session, rows)],
        next_cursor=next_cursor,
    )
