"""The hourly job moves certificates along as days pass: the 180-day window, the producer's
notice 30 days before expiry (once, with an e-mail), and expiry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ocop_kit.dates import today_local
from ocop_registry.certificates.rules import expiry_for
from ocop_registry.certificates.service import refresh_certificate_statuses
from ocop_registry.notifications.mailer import log_mail, send_pending_emails, use_mail_sender


def certified_a_year_ago(registry) -> tuple[dict, dict, date]:  # type: ignore[no-untyped-def]
    """A producer with an e-mail address, its product, and the certificate's expiry date."""
    producer = registry.producer(email="htx@example.vn")
    product = registry.product(producer["id"])
    recognised = today_local() - timedelta(days=365)
    registry.client.post(
        f"/v1/products/{product['id']}/certificate",
        json={"stars": 4, "level": "provincial", "recognised_on": recognised.isoformat()},
        headers=registry.officer(),
    )
    return producer, product, expiry_for(recognised)


def test_certificate_goes_expiring_then_notice_once_then_expired(registry):
    producer, product, expires = certified_a_year_ago(registry)
    sent: list[tuple[str, str]] = []
    use_mail_sender(lambda to, subject, body: sent.append((to, body)))
    try:

        def refresh(days_before_expiry: int):
            with registry.db.session() as session:
                return refresh_certificate_statuses(
                    session, expires - timedelta(days=days_before_expiry)
                )

        assert refresh(200).__dict__ == {"expiring": 0, "notices": 0, "expired": 0}
        assert refresh(170).__dict__ == {"expiring": 1, "notices": 0, "expired": 0}
        assert refresh(169).__dict__ == {"expiring": 0, "notices": 0, "expired": 0}
        assert refresh(30).__dict__ == {"expiring": 0, "notices": 1, "expired": 0}
        assert sent == []  # e-mails leave after the commit, not inside the transaction
        assert send_pending_emails(registry.db) == 1
        assert refresh(29).__dict__ == {"expiring": 0, "notices": 0, "expired": 0}
        assert refresh(0).__dict__ == {"expiring": 0, "notices": 0, "expired": 1}
        assert refresh(-5).__dict__ == {"expiring": 0, "notices": 0, "expired": 0}
        assert send_pending_emails(registry.db) == 1
        assert send_pending_emails(registry.db) == 0  # each notice is e-mailed once
    finally:
        use_mail_sender(log_mail)

    events = registry.events(product["id"])
    assert [
        (e["type"], e["payload"]["certificate"] and e["payload"]["certificate"]["status"])
        for e in events
    ] == [
        ("product.changed", None),
        ("certificate.issued", "valid"),
        ("product.changed", "expiring"),
        ("certificate.expiring", "expiring"),
        ("certificate.expired", "expired"),
    ]
    assert [e["version"] for e in events] == [1, 2, 3, 4, 5]
    assert [to for to, _ in sent] == ["htx@example.vn", "htx@example.vn"]
    notices = registry.client.get(
        f"/v1/notifications?producer_id={producer['id']}", headers=registry.officer()
    ).json()["items"]
    assert [n["kind"] for n in notices] == ["certificate_expiring", "certificate_expired"]
    assert expires.strftime("%d/%m/%Y") in notices[0]["message"]


def test_revoked_certificate_is_left_alone(registry):
    product = registry.product(registry.producer()["id"])
    recognised = today_local() - timedelta(days=1000)
    registry.client.post(
        f"/v1/products/{product['id']}/certificate",
        json={"stars": 3, "level": "provincial", "recognised_on": recognised.isoformat()},
        headers=registry.officer(),
    )
    registry.client.post(
        f"/v1/products/{product['id']}/certificate/revoke",
        json={"reason": "Vi phạm"},
        headers=registry.officer(),
    )
    with registry.db.session() as session:
        result = refresh_certificate_statuses(session, expiry_for(recognised))
    assert result.__dict__ == {"expiring": 0, "notices": 0, "expired": 0}


def test_mail_sender_is_configured_by_dotted_name():
    from ocop_registry.notifications.mailer import load_mail_sender

    assert load_mail_sender("ocop_registry.notifications.mailer:log_mail") is log_mail


def test_notice_whose_e_mail_fails_is_sent_at_the_next_run_and_a_rolled_back_one_never(registry):
    notice_day = certified_a_year_ago(registry)[2] - timedelta(days=30)
    sent: list[str] = []

    def mail_server_down(to: str, subject: str, body: str) -> None:
        raise ConnectionError("SMTP server unreachable")

    try:
        use_mail_sender(lambda to, subject, body: sent.append(to))
        with pytest.raises(RuntimeError), registry.db.session() as session:
            assert refresh_certificate_statuses(session, notice_day).notices == 1
            raise RuntimeError("the run fails before it commits")
        assert send_pending_emails(registry.db) == 0 and sent == []

        with registry.db.session() as session:
            assert refresh_certificate_statuses(session, notice_day).notices == 1
        use_mail_sender(mail_server_down)
        assert send_pending_emails(registry.db) == 0
        use_mail_sender(lambda to, subject, body: sent.append(to))
        assert send_pending_emails(registry.db) == 1
        assert sent == ["htx@example.vn"]
    finally:
        use_mail_sender(log_mail)
