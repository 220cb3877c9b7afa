"""Cells of the sheets and CSV files the system writes, made inert.

A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` as a formula (tab and
carriage return can hide such a start), so a product named `=HYPERLINK(…)` would become a live
link in an office's sheet. Following OWASP's rule on CSV injection, such a text cell gets a
leading single quote; numbers stay numbers. Every writer of a CSV or XLSX goes through
`inert_row`, and the sheet import takes the quote away again (`restore_cell`), so a report
edited and imported again reads as written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XLSX cannot hold (openpyxl raises IllegalCharacterError on them): one bad cell
# must not break a whole export of data stored before text was checked.
ILLEGAL_IN_SHEETS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def inert_cell(value: Any) -> Any:
    """A text cell that a spreadsheet shows as text; any other value unchanged."""
    if not isinstance(value, str):
        return value
    text = ILLEGAL_IN_SHEETS.sub("", value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def inert_row(row: Iterable[Any]) -> list[Any]:
    """`inert_cell` of each cell of `row`."""
    return [inert_cell(value) for value in row]


def restore_cell(text: str) -> str:
    """Undo `inert_cell` on a cell read back from one of our sheets."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def csv_document(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as a UTF-8 CSV file with inert cells, with a BOM so spreadsheet programs read the
    Vietnamese as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(inert_row(row) for row in rows)
    return out.getvalue().encode("utf-8-sig")
