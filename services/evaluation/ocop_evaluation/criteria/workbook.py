"""Criteria sets as Excel workbooks an office fills from the official appendix: the template
written from a set, and an upload read back and checked cell by cell. Pure: bytes in, bytes or
a set document (or the errors) out.

Two sheets. `Thông tin`: the set's facts, one per row (label in A, value in B). `Phiếu chấm`: one
row per answer option, carrying its card (product set), part, section and criterion; a name or
maximum needs writing once per element (repeated, it must agree).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from ocop_contracts import PRODUCT_SETS
from ocop_evaluation.criteria.schemas import CriteriaSet
from ocop_kit.sheets import inert_cell, inert_row, restore_cell
from ocop_kit.text import TextRefused, clean_text, matching_key, nfc

INFO_SHEET = "Thông tin"
CARDS_SHEET = "Phiếu chấm"
# The parts every card of the current law has (Decision 148 and 26/2026: A 40, B 25, C 35).
PART_MAXIMA = {"A": 40.0, "B": 25.0, "C": 35.0}

# field → header of the cards sheet, in column order.
CARD_COLUMNS: dict[str, str] = {
    "card": "Bộ sản phẩm (mã)",
    "card_name": "Tên phiếu chấm",
    "part": "Phần",
    "part_name": "Tên phần",
    "part_max": "Điểm tối đa phần",
    "section": "Nhóm tiêu chí (mã)",
    "section_name": "Tên nhóm tiêu chí",
    "section_max": "Điểm tối đa nhóm",
    "criterion": "Mã tiêu chí",
    "criterion_name": "Tên tiêu chí",
    "criterion_max": "Điểm tối đa tiêu chí",
    "mandatory_from": "Bắt buộc (*) từ hạng sao",
    "option_points": "Điểm của phương án",
    "option_text": "Nội dung phương án trả lời",
}
COLUMN = {name: get_column_letter(i + 1) for i, name in enumerate(CARD_COLUMNS)}
# field → label of the information sheet.
INFO_LABELS: dict[str, str] = {
    "id": "Mã bộ tiêu chí",
    "decision_no": "Số quyết định",
    "title_vi": "Tên bộ tiêu chí",
    "title_en": "Tên tiếng Anh",
    "issued_on": "Ngày ban hành (dd/mm/yyyy)",
    "effective_from": "Áp dụng cho phiên họp từ ngày (dd/mm/yyyy)",
    "confirmed": "Đã đối chiếu với văn bản chính thức (có/không)",
    "threshold_5": "Điểm tối thiểu 5 sao",
    "threshold_4": "Điểm tối thiểu 4 sao",
    "threshold_3": "Điểm tối thiểu 3 sao",
    "threshold_2": "Điểm tối thiểu 2 sao",
    "source": "Nguồn (căn cứ pháp lý; mỗi nguồn một dòng)",
}
_SET_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,31}$")
_YES = {"co", "yes", "x", "true", "1", "da"}
_NO = {"khong", "no", "false", "0", "chua", ""}


@dataclass(frozen=True)
class CellError:
    sheet: str
    cell: str
    message: str
    message_en: str


# --- writing -------------------------------------------------------------------------------------


def template_workbook(criteria_set: CriteriaSet) -> bytes:
    """The set as a workbook to fill in: its facts, and one card per product set (each set's
    card as the set has it, so a set still scored per product group shows that card 26 times)."""
    workbook = Workbook()
    info = workbook.active
    assert info is not None
    info.title = INFO_SHEET
    thresholds = criteria_set.thresholds()
    values: dict[str, Any] = {
        "id": criteria_set.id,
        "decision_no": criteria_set.decision_no,
        "title_vi": criteria_set.title_vi,
        "title_en": criteria_set.title_en,
        "issued_on": criteria_set.issued_on.strftime("%d/%m/%Y"),
        "effective_from": criteria_set.in_force_from.strftime("%d/%m/%Y"),
        "confirmed": "có" if criteria_set.confirmed else "không",
        **{f"threshold_{s}": thresholds[s] for s in (5, 4, 3, 2)},
    }
    info.append(["Mục", "Giá trị"])
    for name, label in INFO_LABELS.items():
        if name != "source":
            info.append(inert_row([label, values[name]]))
    for source in criteria_set.sources:
        info.append(inert_row([INFO_LABELS["source"], source]))
    info.column_dimensions["A"].width = 48
    info.column_dimensions["B"].width = 90

    cards = workbook.create_sheet(CARDS_SHEET)
    cards.append(list(CARD_COLUMNS.values()))
    for set_code, (group, set_name) in PRODUCT_SETS.items():
        card = criteria_set.score_card_for(group, set_code)
        if card is None:
            continue
        names = {c.code: c for c in criteria_set.card_criteria(card)}
        for part in criteria_set.card_parts(card):
            for section in part.sections:
                for shared in section.criteria:
                    criterion = names[shared.code]
                    options = [(o.points, o.text_vi) for o in criterion.options] or [
                        (points, "") for points in criterion.allowed_points
                    ]
                    for points, text in options:
                        row = {
                            "card": set_code,
                            "card_name": set_name,
                            "part": part.code,
                            "part_name": part.name_vi,
                            "part_max": part.max_points,
                            "section": section.code,
                            "section_name": section.name_vi,
                            "section_max": section.max_points,
                            "criterion": criterion.code,
                            "criterion_name": criterion.name_vi,
                            "criterion_max": criterion.max_points,
                            "mandatory_from": criterion.mandatory_from_stars,
                            "option_points": points,
                            "option_text": text,
                        }
                        cards.append([inert_cell(row[name]) for name in CARD_COLUMNS])
    for name, letter in COLUMN.items():
        cards.column_dimensions[letter].width = 40 if name.endswith(("name", "text")) else 14
    cards.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- reading -------------------------------------------------------------------------------------


@dataclass
class _Node:
    """A part, section or criterion met in the rows, with the cells its values came from."""

    code: str
    cell: str
    name: str = ""
    maximum: float | None = None
    maximum_cell: str = ""
    mandatory_from: int | None = None
    children: dict[str, _Node] = field(default_factory=dict)
    options: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Card:
    code: str
    cell: str
    name: str = ""
    parts: dict[str, _Node] = field(default_factory=dict)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return restore_cell(nfc(str(value)).strip())


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


class _Reader:
    def __init__(self) -> None:
        self.errors: list[CellError] = []

    def bad(self, sheet: str, cell: str, vi: str, en: str) -> None:
        self.errors.append(CellError(sheet, cell, vi, en))

    def clean(self, sheet: str, cell: str, text: str) -> str:
        """The cell's text by the kit's text rules (no control, bidi or invisible-only text);
        refused, it is reported and read as empty."""
        try:
            return clean_text(text)
        except TextRefused as exc:
            self.bad(sheet, cell, exc.message_vi, exc.message_en)
            return ""

    # -- information sheet --

    def info(self, rows: list[tuple[Any, ...]]) -> dict[str, Any]:
        by_label = {matching_key(label): name for name, label in INFO_LABELS.items()}
        found: dict[str, tuple[Any, str]] = {}
        sources: list[str] = []
        for number, row in enumerate(rows, start=1):
            label = matching_key(_text(row[0] if row else ""))
            name = by_label.get(label)
            value = row[1] if len(row) > 1 else None
            cell = f"B{number}"
            if name == "source":
                source = self.clean(INFO_SHEET, cell, _text(value))
                if source:
                    sources.append(source)
            elif name is not None:
                found[name] = (value, cell)
        result: dict[str, Any] = {"sources": sources}
        for name in ("id", "decision_no", "title_vi", "title_en"):
            value, cell = found.get(name, (None, "B1"))
            result[name] = self.clean(INFO_SHEET, cell, _text(value))
            if not result[name]:
                self.bad(INFO_SHEET, cell, f"Thiếu «{INFO_LABELS[name]}»", f"Missing {name}")
        if result["id"] and not _SET_ID.match(result["id"]):
            self.bad(
                INFO_SHEET,
                found["id"][1],
                "Mã bộ tiêu chí chỉ gồm chữ thường không dấu, số và gạch nối (3–32 ký tự)",
                "The set id takes lower-case letters, digits and hyphens (3–32 characters)",
            )
        for name in ("issued_on", "effective_from"):
            value, cell = found.get(name, (None, "B1"))
            result[name] = _day(value)
            if result[name] is None:
                self.bad(
                    INFO_SHEET,
                    cell,
                    f"«{INFO_LABELS[name]}» phải là ngày dd/mm/yyyy",
                    f"{name} must be a date (dd/mm/yyyy)",
                )
        value, cell = found.get("confirmed", (None, "B1"))
        answer = matching_key(_text(value))
        if answer not in _YES | _NO:
            self.bad(INFO_SHEET, cell, "Ghi «có» hoặc «không»", "Write “có” (yes) or “không” (no)")
        result["confirmed"] = answer in _YES
        thresholds: dict[int, float] = {1: 0.0}
        for stars in (2, 3, 4, 5):
            value, cell = found.get(f"threshold_{stars}", (None, "B1"))
            minimum = _number(_text(value))
            if minimum is None or not 0 < minimum <= 100:
                self.bad(
                    INFO_SHEET,
                    cell,
                    f"Điểm tối thiểu {stars} sao phải là số từ 0 đến 100",
                    f"The minimum for {stars} stars must be a minimum from 0 to 100",
                )
            else:
                thresholds[stars] = minimum
            if minimum is not None and stars > 2 and thresholds.get(stars - 1, 0) >= minimum:
                self.bad(
                    INFO_SHEET,
                    cell,
                    f"Điểm tối thiểu {stars} sao phải lớn hơn của {stars - 1} sao",
                    f"The minimum for {stars} stars must exceed that for {stars - 1}",
                )
        result["thresholds"] = thresholds
        if not sources:
            self.bad(
                INFO_SHEET,
                "A1",
                "Cần ít nhất một nguồn (căn cứ pháp lý)",
                "At least one source (the legal basis) is needed",
            )
        return result

    # -- cards sheet --

    def _agree(
        self, node: Any, attribute: str, value: Any, cell: str, what_vi: str, what_en: str
    ) -> None:
        """A value written again must be the one written first."""
        current = getattr(node, attribute)
        if value in ("", None):
            return
        if current in ("", None):
            setattr(node, attribute, value)
            if attribute == "maximum":
                node.maximum_cell = cell
        elif current != value:
            self.bad(
                CARDS_SHEET,
                cell,
                f"{what_vi} khác với dòng trên ({current})",
                f"{what_en} differs from the row above ({current})",
            )

    def _max(self, text: str, cell: str) -> float | None:
        if not text:
            return None
        number = _number(text)
        if number is None or number < 0:
            self.bad(CARDS_SHEET, cell, "Phải là số điểm không âm", "Must be a non-negative number")
            return None
        return number

    def cards(self, rows: list[tuple[Any, ...]]) -> dict[str, _Card]:
        cards: dict[str, _Card] = {}
        seen_criteria: dict[tuple[str, str], str] = {}
        for number, raw in enumerate(rows[1:], start=2):
            row = {
                name: self.clean(
                    CARDS_SHEET, f"{COLUMN[name]}{number}", _text(raw[i] if i < len(raw) else None)
                )
                for i, name in enumerate(COLUMN)
            }
            if not any(row.values()):
                continue

            def at(name: str, number: int = number) -> str:
                return f"{COLUMN[name]}{number}"

            missing = [n for n in ("card", "part", "section", "criterion") if not row[n]]
            if row["mandatory_from"] and not row["criterion"]:
                self.bad(
                    CARDS_SHEET,
                    at("mandatory_from"),
                    "Dấu (*) chỉ đặt ở dòng có mã tiêu chí",
                    "A (*) mark belongs only on a row with a criterion code",
                )
            for name in missing:
                self.bad(
                    CARDS_SHEET,
                    at(name),
                    f"Thiếu «{CARD_COLUMNS[name]}»",
                    f"Missing {name.replace('_', ' ')}",
                )
            if missing:
                continue
            if row["card"] not in PRODUCT_SETS:
                self.bad(
                    CARDS_SHEET,
                    at("card"),
                    f"«{row['card']}» không phải mã bộ sản phẩm",
                    f"{row['card']!r} is not a product set code",
                )
                continue
            card = cards.setdefault(row["card"], _Card(row["card"], at("card")))
            self._agree(card, "name", row["card_name"], at("card_name"), "Tên phiếu", "Card name")
            part = card.parts.setdefault(row["part"], _Node(row["part"], at("part")))
            self._agree(part, "name", row["part_name"], at("part_name"), "Tên phần", "Part name")
            self._agree(
                part,
                "maximum",
                self._max(row["part_max"], at("part_max")),
                at("part_max"),
                "Điểm phần",
                "Part maximum",
            )
            section = part.children.setdefault(row["section"], _Node(row["section"], at("section")))
            self._agree(
                section, "name", row["section_name"], at("section_name"), "Tên nhóm", "Name"
            )
            self._agree(
                section,
                "maximum",
                self._max(row["section_max"], at("section_max")),
                at("section_max"),
                "Điểm nhóm",
                "Section maximum",
            )
            key = (card.code, row["criterion"])
            place = f"{part.code}/{section.code}"
            if seen_criteria.setdefault(key, place) != place:
                self.bad(
                    CARDS_SHEET,
                    at("criterion"),
                    f"Tiêu chí {row['criterion']} đã có ở nhóm khác của phiếu này",
                    f"Criterion {row['criterion']} is already under another section of this card",
                )
                continue
            criterion = section.children.setdefault(
                row["criterion"], _Node(row["criterion"], at("criterion"))
            )
            self._agree(
                criterion,
                "name",
                row["criterion_name"],
                at("criterion_name"),
                "Tên tiêu chí",
                "Criterion name",
            )
            self._agree(
                criterion,
                "maximum",
                self._max(row["criterion_max"], at("criterion_max")),
                at("criterion_max"),
                "Điểm tối đa tiêu chí",
                "Criterion maximum",
            )
            if row["mandatory_from"]:
                stars = _number(row["mandatory_from"])
                if stars is None or stars not in (3.0, 4.0, 5.0):
                    self.bad(
                        CARDS_SHEET,
                        at("mandatory_from"),
                        "Hạng sao của dấu (*) phải là 3, 4 hoặc 5",
                        "The star level of a (*) mark must be 3, 4 or 5",
                    )
                else:
                    self._agree(
                        criterion,
                        "mandatory_from",
                        int(stars),
                        at("mandatory_from"),
                        "Hạng sao bắt buộc",
                        "Mandatory level",
                    )
            points = self._max(row["option_points"], at("option_points"))
            if points is None and not row["option_points"]:
                self.bad(
                    CARDS_SHEET,
                    at("option_points"),
                    "Thiếu điểm của phương án",
                    "Missing the option's points",
                )
            if not row["option_text"]:
                self.bad(
                    CARDS_SHEET,
                    at("option_text"),
                    "Thiếu nội dung phương án trả lời (chép từ phụ lục chính thức)",
                    "Missing the answer's wording (copy it from the official appendix)",
                )
            if points is not None:
                criterion.options.append(
                    {"points": points, "text_vi": row["option_text"], "cell": at("option_points")}
                )
        return cards

    def check_sums(self, cards: dict[str, _Card]) -> None:
        for card in cards.values():
            codes = list(card.parts)
            if sorted(codes) != sorted(PART_MAXIMA):
                self.bad(
                    CARDS_SHEET,
                    card.cell,
                    f"Phiếu {card.code} phải có đúng các phần A, B, C "
                    f"(đang có: {', '.join(codes)})",
                    f"Card {card.code} must have exactly parts A, B and C (has {', '.join(codes)})",
                )
            for part in card.parts.values():
                expected = PART_MAXIMA.get(part.code)
                if expected is not None and part.maximum != expected:
                    self.bad(
                        CARDS_SHEET,
                        part.maximum_cell or part.cell,
                        f"Phần {part.code} tối đa {expected:g} điểm",
                        f"Part {part.code} is worth {expected:g} points",
                    )
                self._sum(part, "phần", "part", card.code)
                for section in part.children.values():
                    self._sum(section, "nhóm", "section", card.code)
                    for criterion in section.children.values():
                        self._options(criterion, card.code)

    def _sum(self, node: _Node, kind_vi: str, kind_en: str, card: str) -> None:
        parts = [child.maximum or 0.0 for child in node.children.values()]
        if node.maximum is None:
            self.bad(
                CARDS_SHEET,
                node.cell,
                f"Thiếu điểm tối đa của {kind_vi} {node.code} ({card})",
                f"Missing the maximum of {kind_en} {node.code} ({card})",
            )
        elif abs(sum(parts) - node.maximum) > 1e-9:
            self.bad(
                CARDS_SHEET,
                node.maximum_cell,
                f"Tổng điểm trong {kind_vi} {node.code} ({card}) là {sum(parts):g}, "
                f"không bằng {node.maximum:g}",
                f"The {kind_en} {node.code} ({card}) adds up to {sum(parts):g}, "
                f"not {node.maximum:g}",
            )

    def _options(self, criterion: _Node, card: str) -> None:
        maximum = criterion.maximum
        if maximum is None:
            self.bad(
                CARDS_SHEET,
                criterion.cell,
                f"Thiếu điểm tối đa của tiêu chí {criterion.code} ({card})",
                f"Missing the maximum of criterion {criterion.code} ({card})",
            )
            return
        for option in criterion.options:
            if option["points"] > maximum:
                self.bad(
                    CARDS_SHEET,
                    option["cell"],
                    f"Điểm phương án {option['points']:g} vượt điểm tối đa {maximum:g} "
                    f"của tiêu chí {criterion.code}",
                    f"{option['points']:g} points exceed the {maximum:g} of {criterion.code}",
                )
        if criterion.options and max(o["points"] for o in criterion.options) != maximum:
            self.bad(
                CARDS_SHEET,
                criterion.maximum_cell,
                f"Không phương án nào của tiêu chí {criterion.code} đạt điểm tối đa {maximum:g}",
                f"No answer of {criterion.code} gives its maximum of {maximum:g}",
            )


def _parts(card: _Card) -> list[dict[str, Any]]:
    return [
        {
            "code": part.code,
            "name_vi": part.name or part.code,
            "name_en": {"A": "Product and community strength", "B": "Marketing capability"}.get(
                part.code, "Product quality"
            ),
            "max_points": part.maximum,
            "sections": [
                {
                    "code": section.code,
                    "name_vi": section.name or section.code,
                    "max_points": section.maximum,
                    "criteria": [
                        {
                            "code": criterion.code,
                            "name_vi": criterion.name or criterion.code,
                            "options": [
                                {"points": o["points"], "text_vi": o["text_vi"]}
                                for o in criterion.options
                            ],
                            "mandatory_from_stars": criterion.mandatory_from,
                        }
                        for criterion in section.children.values()
                    ],
                }
                for section in part.children.values()
            ],
        }
        for part in card.parts.values()
    ]


def read_workbook(data: bytes, version: int) -> dict[str, Any] | list[CellError]:
    """The set document of an uploaded workbook (numbered `version`), or every error found,
    each with its sheet and cell. Checks: parts A 40 / B 25 / C 35, sections adding up to their
    part and criteria to their section, every answer within its criterion's maximum (and one
    reaching it), (*) marks only on criteria, a card for every one of the 26 product sets."""
    reader = _Reader()
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises many kinds on a file that is not a workbook
        return [CellError("", "", "Tệp không phải bảng tính Excel (.xlsx)", "Not an .xlsx file")]
    sheets = {matching_key(name): name for name in workbook.sheetnames}
    missing = [s for s in (INFO_SHEET, CARDS_SHEET) if matching_key(s) not in sheets]
    if missing:
        return [
            CellError(s, "", f"Thiếu trang «{s}» của mẫu", f"The template's sheet {s!r} is missing")
            for s in missing
        ]
    info_rows = list(workbook[sheets[matching_key(INFO_SHEET)]].iter_rows(values_only=True))
    card_rows = list(workbook[sheets[matching_key(CARDS_SHEET)]].iter_rows(values_only=True))
    info = reader.info(info_rows)
    cards = reader.cards(card_rows)
    reader.check_sums(cards)
    absent = [code for code in PRODUCT_SETS if code not in cards]
    if absent:
        reader.bad(
            CARDS_SHEET,
            "A1",
            f"Chưa có phiếu chấm cho {len(absent)} bộ sản phẩm: {', '.join(absent)}",
            f"No card for {len(absent)} product sets: {', '.join(absent)}",
        )
    if reader.errors:
        return reader.errors
    thresholds = info["thresholds"]
    confirmed = info["confirmed"]
    return {
        "id": info["id"],
        "version": version,
        "decision_no": info["decision_no"],
        "title_vi": info["title_vi"],
        "title_en": info["title_en"],
        "issued_on": info["issued_on"].isoformat(),
        "effective_from": info["effective_from"].isoformat(),
        "sources": info["sources"],
        "confirmation": {
            "confirmed": ["Phiếu chấm được đối chiếu với văn bản chính thức khi nạp"]
            if confirmed
            else [],
            "not_confirmed": []
            if confirmed
            else ["Phiếu chấm chưa được đối chiếu với văn bản chính thức"],
        },
        "star_thresholds": [{"stars": s, "min_total": thresholds[s]} for s in (5, 4, 3, 2, 1)],
        "score_cards": [
            {
                "code": card.code,
                "name_vi": card.name or PRODUCT_SETS[card.code][1],
                "product_sets": [card.code],
                "parts": _parts(card),
            }
            for card in cards.values()
        ],
    }
