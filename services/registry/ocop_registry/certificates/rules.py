"""Certificate rules: validity (36 months), status against a date, the expiry notice."""

from __future__ import annotations

from datetime import date
from typing import Literal

from dateutil.relativedelta import relativedelta

from ocop_contracts import CERTIFICATE_EXPIRING_WITHIN_DAYS

VALIDITY_MONTHS = 36
NOTICE_DAYS = 30

CertificateStatus = Literal["valid", "expiring", "expired", "revoked"]
CertificateLevel = Literal["district", "commune", "provincial", "central"]
CERTIFICATE_LEVELS: tuple[CertificateLevel, ...] = ("district", "commune", "provincial", "central")
# District councils recognised 3-star products until the reorganisation of 1 July 2025 (no
# district level since; Decision 1489/QĐ-TTg moved 3★ to the province).
DISTRICT_LEVEL_ENDS = date(2025, 7, 1)


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


def default_level(stars: int, recognised_on: date) -> CertificateLevel:
    """Who recognised a certificate when the record does not say: 5★ the central council, 3★
    before July 2025 the district, otherwise the province."""
    if stars == 5:
        return "central"
    if stars == 3 and recognised_on < DISTRICT_LEVEL_ENDS:
        return "district"
    return "provincial"
