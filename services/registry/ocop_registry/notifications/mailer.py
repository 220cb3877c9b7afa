"""Producer notices: a record the portal shows, and an e-mail through a pluggable sender."""

from __future__ import annotations

import importlib
import logging
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ocop_kit.db import ServiceDatabase, utc_now
from ocop_registry.certificates.models import Certificate
from ocop_registry.notifications.models import Notification
from ocop_registry.producers.models import Producer
from ocop_registry.products.models import Product

log = logging.getLogger(__name__)


class MailSender(Protocol):
    def __call__(self, to: str, subject: str, body: str) -> None: ...


def log_mail(to: str, subject: str, body: str) -> None:
    """The default sender: writes the e-mail to the log (no mail server is configured)."""
    log.info("e-mail to producer", extra={"to": to, "subject": subject, "body": body})


_sender: MailSender = log_mail


def load_mail_sender(path: str) -> MailSender:
    """The sender named `module:function` (from the OCOP_MAIL_SENDER setting)."""
    module_name, _, attribute = path.partition(":")
    sender: MailSender = getattr(importlib.import_module(module_name), attribute)
    return sender


def use_mail_sender(sender: MailSender) -> None:
    """Replace the e-mail sender (an SMTP or mail-API client in production)."""
    global _sender
    _sender = sender


def _messages(kind: str, product: Product, certificate: Certificate) -> tuple[str, str]:
    expires = certificate.expires_on.strftime("%d/%m/%Y")
    if kind == "certificate_expiring":
        return (
            f"Giấy chứng nhận OCOP {certificate.stars} sao của sản phẩm “{product.name}” hết hạn "
            f"ngày {expires}. Hãy nộp hồ sơ đánh giá lại trước ngày này.",
            f"The {certificate.stars}-star OCOP certificate of “{product.name}” expires on "
            f"{expires}. Apply for re-evaluation before then.",
        )
    return (
        f"Giấy chứng nhận OCOP của sản phẩm “{product.name}” đã hết hạn ngày {expires}; "
        "không được tiếp tục sử dụng logo OCOP.",
        f"The OCOP certificate of “{product.name}” expired on {expires}; the OCOP logo may no "
        "longer be used.",
    )


def notify_producer(
    session: Session, producer: Producer, product: Product, certificate: Certificate, kind: str
) -> Notification:
    """Record a notice for the producer; `send_pending_emails` e-mails it after the commit when the
    producer has an address."""
    message, message_en = _messages(kind, product, certificate)
    notification = Notification(
        producer_id=producer.id,
        product_id=product.id,
        kind=kind,
        message=message,
        message_en=message_en,
        emailed_to=producer.email,
    )
    session.add(notification)
    return notification


def send_pending_emails(db: ServiceDatabase, limit: int = 500) -> int:
    """E-mail the committed notices not e-mailed yet; returns how many went out.

    Runs after the transaction that recorded them, so a rolled-back notice is never e-mailed and
    a slow mail server holds no database lock. Each notice is marked sent on its own, so a crash
    repeats at most one e-mail; one that fails stays pending for the next hourly run."""
    with db.session() as session:
        pending = session.scalars(
            select(Notification)
            .where(Notification.emailed_to.is_not(None), Notification.emailed_at.is_(None))
            .order_by(Notification.id)
            .limit(limit)
        ).all()
        session.expunge_all()
    sent = 0
    for notice in pending:
        assert notice.emailed_to is not None
        try:
            _sender(
                notice.emailed_to,
                "Thông báo OCOP / OCOP notice",
                f"{notice.message}\n\n{notice.message_en}",
            )
        except Exception:
            log.exception("e-mail not sent; tried again next run", extra={"to": notice.emailed_to})
            continue
        with db.session() as session:
            session.execute(
                update(Notification)
                .where(Notification.id == notice.id)
                .values(emailed_at=utc_now())
            )
        sent += 1
    return sent
