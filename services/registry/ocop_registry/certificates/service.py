"""Certificate operations: issue (replacing the previous one), revoke, and move statuses along
as days pass, with the events and producer notices that go with them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ocop_contracts import (
    CERTIFICATE_EXPIRING_WITHIN_DAYS,
    CertificateExpired,
    CertificateExpiring,
    CertificateIssued,
    CertificateRevoked,
    ProductChanged,
)
from ocop_kit.dates import today_local
from ocop_kit.db import new_id, utc_now
from ocop_kit.errors import Conflict
from ocop_kit.history import Change, record_change
from ocop_registry.certificates.models import Certificate
from ocop_registry.certificates.rules import (
    NOTICE_DAYS,
    certificate_status,
    expiry_for,
    notice_due,
)
from ocop_registry.events import announce, current_certificate
from ocop_registry.notifications.mailer import notify_producer
from ocop_registry.producers.models import Producer
from ocop_registry.products.models import Product

log = logging.getLogger(__name__)


def certificate_record(certificate: Certificate) -> dict[str, Any]:
    return {
        "product_id": certificate.product_id,
        "stars": certificate.stars,
        "level": certificate.level,
        "decision_no": certificate.decision_no,
        "recognised_on": certificate.recognised_on.isoformat(),
        "expires_on": certificate.expires_on.isoformat(),
        "status": certificate.status,
        "source": certificate.source,
    }


def issue_certificate(
    session: Session,
    product: Product,
    *,
    stars: int,
    level: str,
    decision_no: str | None,
    recognised_on: date,
    source: str,
    actor: str,
    application_id: str | None = None,
    producer: Producer | None = None,
    today: date | None = None,
    previous: Certificate | bool | None = True,
) -> Certificate:
    """Give the product a new star certificate, valid 36 months from the decision; the previous
    one is kept in history as replaced. Publishes CertificateIssued. `previous=True` looks the
    current certificate up."""
    today = today or today_local()
    if previous is True:
        previous = current_certificate(session, product.id)
    certificate, changes = prepare_certificate(
        product,
        previous if isinstance(previous, Certificate) else None,
        stars=stars,
        level=level,
        decision_no=decision_no,
        recognised_on=recognised_on,
        source=source,
        actor=actor,
        application_id=application_id,
        today=today,
    )
    session.add(certificate)
    for change in changes:
        record_change(session, *change)
    announce(session, CertificateIssued, product, producer, certificate, today)
    return certificate


def prepare_certificate(
    product: Product,
    previous: Certificate | None,
    *,
    stars: int,
    level: str,
    decision_no: str | None,
    recognised_on: date,
    source: str,
    actor: str,
    application_id: str | None = None,
    today: date,
) -> tuple[Certificate, list[Change]]:
    """Everything `issue_certificate` does short of writing: the new certificate (not added to
    the session), `previous` marked replaced, the product's `updated_at` moved, and the history
    entries. Sheet imports write many of these in bulk; they must still announce it."""
    changes = []
    if previous is not None:
        before = certificate_record(previous)
        previous.current = False
        previous.replaced_at = utc_now()
        changes.append(
            Change(
                "certificate", previous.id, "replaced", actor, before, {**before, "current": False}
            )
        )
    expires_on = expiry_for(recognised_on)
    certificate = Certificate(
        id=new_id(),
        product_id=product.id,
        stars=stars,
        level=level,
        decision_no=decision_no,
        recognised_on=recognised_on,
        expires_on=expires_on,
        status=certificate_status(expires_on, today),
        current=True,
        source=source,
        evaluation_application_id=application_id,
        created_at=utc_now(),
    )
    changes.append(
        Change(
            "certificate", certificate.id, "issued", actor, None, certificate_record(certificate)
        )
    )
    product.updated_at = utc_now()
    return certificate, changes


def revoke_certificate(session: Session, product: Product, reason: str, actor: str) -> Certificate:
    """Revoke the product's certificate (the logo may no longer be used); CertificateRevoked."""
    certificate = current_certificate(session, product.id)
    if certificate is None or certificate.status == "revoked":
        raise Conflict(
            "Sản phẩm không có giấy chứng nhận còn hiệu lực để thu hồi",
            "The product holds no certificate that can be revoked",
        )
    before = certificate_record(certificate)
    certificate.status = "revoked"
    certificate.revoked_reason = reason
    record_change(
        session,
        "certificate",
        certificate.id,
        "revoked",
        actor,
        before,
        {**certificate_record(certificate), "reason": reason},
    )
    announce(session, CertificateRevoked, product, None, certificate)
    return certificate


@dataclass
class RefreshResult:
    expiring: int = 0
    notices: int = 0
    expired: int = 0


def refresh_certificate_statuses(session: Session, today: date | None = None) -> RefreshResult:
    """Announce what the passing days changed: certificates entering the 180-day window
    (ProductChanged), the producer's notice 30 days before expiry (CertificateExpiring, once),
    and expiry (CertificateExpired). Safe to run as often as wanted."""
    today = today or today_local()
    soon = today + timedelta(days=CERTIFICATE_EXPIRING_WITHIN_DAYS)
    notice_from = today + timedelta(days=NOTICE_DAYS)
    query = (
        select(Certificate)
        .where(
            Certificate.current,
            Certificate.status != "revoked",
            or_(
                and_(Certificate.status == "valid", Certificate.expires_on <= soon),
                and_(Certificate.status != "expired", Certificate.expires_on <= today),
                and_(
                    Certificate.notice_sent_on.is_(None),
                    Certificate.expires_on > today,
                    Certificate.expires_on <= notice_from,
                ),
            ),
        )
        .order_by(Certificate.expires_on)
    )
    result = RefreshResult()
    for certificate in session.scalars(query).all():
        product = session.get(Product, certificate.product_id)
        assert product is not None
        producer = session.get(Producer, product.producer_id)
        assert producer is not None
        status = certificate_status(certificate.expires_on, today)
        if status == "expired":
            certificate.status = "expired"
            record_change(
                session,
                "certificate",
                certificate.id,
                "expired",
                "system",
                None,
                certificate_record(certificate),
            )
            notify_producer(session, producer, product, certificate, "certificate_expired")
            announce(session, CertificateExpired, product, producer, certificate, today)
            result.expired += 1
            continue
        if notice_due(certificate.expires_on, today) and certificate.notice_sent_on is None:
            certificate.status = status
            certificate.notice_sent_on = today
            notify_producer(session, producer, product, certificate, "certificate_expiring")
            announce(session, CertificateExpiring, product, producer, certificate, today)
            result.notices += 1
            continue
        if status != certificate.status:
            certificate.status = status
            announce(session, ProductChanged, product, producer, certificate, today)
            result.expiring += 1
    log.info("certificate statuses refreshed", extra=result.__dict__)
    return result
