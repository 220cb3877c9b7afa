"""Dates of the OCOP programme's records: decisions, recognitions and assessments happen within
the programme's years, so a date outside them is a typing error (and 9999-12-31 plus 36 months
does not exist)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator

from ocop_contracts import VIETNAM_TZ

# Decision 490/QĐ-TTg of 7 May 2018 approved the national OCOP programme; its records start in
# 2018.
PROGRAMME_START = date(2018, 1, 1)
# A decision may be dated a little ahead (signed for the start of next month, or read in
# another time zone).
FUTURE_MARGIN = timedelta(days=31)


def today_local() -> date:
    """Today's date in Vietnam: the day people see on decisions, certificates and sheets (the
    server's clock runs in UTC, seven hours behind at Vietnam's morning)."""
    return datetime.now(VIETNAM_TZ).date()


class DateOutOfRange(ValueError):
    """A date outside the programme's years; the message is "tiếng Việt / English"."""

    def __init__(self, day: date, latest: date) -> None:
        self.message_vi = (
            f"Ngày {day:%d/%m/%Y} nằm ngoài thời gian của Chương trình OCOP "
            f"(từ {PROGRAMME_START:%d/%m/%Y} đến {latest:%d/%m/%Y})"
        )
        self.message_en = (
            f"The date {day.isoformat()} is outside the OCOP programme's years "
            f"({PROGRAMME_START.isoformat()} to {latest.isoformat()})"
        )
        super().__init__(f"{self.message_vi} / {self.message_en}")


def check_programme_date(day: date, today: date | None = None) -> date:
    """`day` if it lies from the programme's start to a month after `today`, else
    DateOutOfRange."""
    latest = (today or date.today()) + FUTURE_MARGIN
    if not PROGRAMME_START <= day <= latest:
        raise DateOutOfRange(day, latest)
    return day


# The date of a decision, recognition or assessment.
ProgrammeDate = Annotated[date, AfterValidator(check_programme_date)]
