"""Certificate rules: validity (36 months), status against a date, the expiry notice."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from dateutil.relativedelta import relativedelta

from ocop_contracts import CERTIFICATE_EXPIRING_WITHIN_DAYS, VIETNAM_TZ

VALIDITY_MONTHS = 36
NOTICE_DAYS = 30

CertificateStatus = Literal["valid", "expiring", "expired", "revoked"]
CertificateLevel = Literal["district", "commune", "provincial", "central"]
CERTIFICATE_LEVELS: tuple[CertificateLevel, ...] = ("district", "commune", "provincial", "central")


def today_local() -> date:
    """Today's date in Vietnam, the date certificates are judged against."""
    return datetime.now(VIETNAM_TZ).date()


def expiry_for(recognised_on: date) -> date:
    """A certificate is valid for 36 months from its decision date (31 Jan → 31 Jan, 29 Feb →
    28 Feb three years later)."""
    return recognised_on + relativedelta(months=VALIDITY_MONTHS)


def certificate_status(expires_on: date, today: date, revoked: bool = False) -> CertificateStatus:
    """`expired` from the expiry date on, `expiring` within 180 days before it, else `valid`."""
    if revoked:
        return "revoked"
    if today >= expires_on:
        return "expired"
    if (expires_on - today).days <= CERTIFICATE_EXPIRING_WITHIN_DAYS:
        return "expiring"
    return "valid"


def notice_due(expires_on: date, today: date) -> bool:
    """The producer's expiry notice is due from 30 days before expiry until the expiry date."""
    return today < expires_on and (expires_on - today).days <= NOTICE_DAYS
