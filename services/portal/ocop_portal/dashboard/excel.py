"""An Excel workbook of the dashboard's figures, for when the registry offers none itself."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from ocop_kit.sheets import inert_row
from ocop_portal.dashboard.service import Breakdown


def stats_workbook(
    title: str, kpis: list[tuple[str, object]], breakdowns: list[Breakdown]
) -> bytes:
    """One sheet of headline figures, then one sheet per breakdown (label, count)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Tong hop"
    sheet.append(inert_row([title]))
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in kpis:
        sheet.append(inert_row([label, value]))
    sheet.column_dimensions["A"].width = 50
    for breakdown in breakdowns:
        tab = book.create_sheet(breakdown.key.removeprefix("by_")[:31])
        tab.append([breakdown.title[0], "Số sản phẩm"])
        for cell in tab[1]:
            cell.font = Font(bold=True)
        for label, value in breakdown.rows:
            # Communes and districts come from what offices typed.
            tab.append(inert_row([label, int(value) if value == int(value) else value]))
        tab.column_dimensions["A"].width = 45
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
