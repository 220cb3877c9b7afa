"""Reading the sheets provinces keep (CSV or XLSX, Vietnamese or English headers) into checked
rows. Pure: no database. People fill these by hand, so where the meaning is clear we accept it
(names for codes, any case, with or without diacritics, dd/mm/yyyy dates, `;` or `,` lists)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from charset_normalizer import from_bytes

from ocop_contracts import CHANNEL_CODES
from ocop_kit.dates import DateOutOfRange, check_programme_date
from ocop_kit.sheets import ILLEGAL_IN_SHEETS, restore_cell
from ocop_kit.text import (
    TextRefused,
    check_web_url,
    clean_line,
    clean_multiline,
    clean_name,
    matching_key,
    nfc,
)
from ocop_registry.admin_units import AddressNotUnderstood, ResolvedAddress, resolve_address_text
from ocop_registry.catalog.groups import (
    infer_product_set,
    match_group,
    match_product_set,
    product_set_name,
    sets_for_group,
    subgroup_of_set,
)
from ocop_registry.certificates.rules import default_level
from ocop_registry.gtin import is_valid_gtin
from ocop_registry.products.schemas import canonical_scheme

# Column → the header spellings accepted for it (compared folded).
COLUMNS: dict[str, tuple[str, ...]] = {
    "producer_name": ("producer_name", "ten chu the", "chu the", "ten chu the ocop", "ten co so"),
    "producer_kind": ("producer_kind", "loai hinh chu the", "loai hinh", "loai chu the"),
    "address": ("address", "dia chi", "dia chi chu the"),
    "product_name": ("product_name", "ten san pham", "san pham", "ten san pham ocop"),
    "group": ("group", "nhom san pham", "nhom", "phan nhom", "nhom nganh"),
    "product_set": ("product_set", "bo san pham", "bo tieu chi", "bo san pham ocop"),
    "stars": ("stars", "so sao", "hang sao", "xep hang", "sao", "hang"),
    "level": ("level", "cap cong nhan", "cap danh gia", "cap"),
    "decision_no": ("decision_no", "so quyet dinh", "quyet dinh", "so qd"),
    "recognised_on": ("recognised_on", "ngay quyet dinh", "ngay cong nhan", "ngay qd"),
    "certifications": ("certifications", "chung nhan chat luong", "chung nhan"),
    "channels": ("channels", "kenh ban hang", "kenh thuong mai dien tu", "kenh phan phoi"),
    "price_vnd": ("price_vnd", "gia ban", "gia", "gia vnd", "gia (vnd)", "gia ban (vnd)"),
    "unit": ("unit", "don vi tinh", "dvt", "quy cach"),
    "barcode": ("barcode", "ma vach", "ma gtin"),
    "description": ("description", "mo ta", "mo ta san pham"),
    "weight_grams": (
        "weight_grams",
        "khoi luong (g)",
        "khoi luong",
        "trong luong (g)",
        "trong luong",
    ),
    "images": ("images", "anh", "hinh anh", "anh san pham"),
    "tax_code": ("tax_code", "ma so thue", "mst"),
    "phone": ("phone", "dien thoai", "so dien thoai"),
    "email": ("email", "thu dien tu"),
}
# The header each column gets in sheets we write (the error report), in COLUMNS order.
VI_HEADERS = {
    "producer_name": "Tên chủ thể",
    "producer_kind": "Loại hình chủ thể",
    "address": "Địa chỉ",
    "product_name": "Tên sản phẩm",
    "group": "Nhóm sản phẩm",
    "product_set": "Bộ sản phẩm",
    "stars": "Số sao",
    "level": "Cấp công nhận",
    "decision_no": "Số quyết định",
    "recognised_on": "Ngày quyết định",
    "certifications": "Chứng nhận chất lượng",
    "channels": "Kênh bán hàng",
    "price_vnd": "Giá bán (VNĐ)",
    "unit": "Đơn vị tính",
    "barcode": "Mã vạch",
    "description": "Mô tả",
    "weight_grams": "Khối lượng (g)",
    "images": "Ảnh",
    "tax_code": "Mã số thuế",
    "phone": "Điện thoại",
    "email": "Email",
}
REQUIRED_COLUMNS = ("producer_name", "producer_kind", "address", "product_name", "group")
_HEADER_LOOKUP = {
    matching_key(alias): column for column, aliases in COLUMNS.items() for alias in aliases
}

_KINDS = {
    "enterprise": "enterprise",
    "doanh nghiep": "enterprise",
    "dn": "enterprise",
    "cong ty": "enterprise",
    "cong ty tnhh": "enterprise",
    "cong ty co phan": "enterprise",
    "doanh nghiep tu nhan": "enterprise",
    "cooperative": "cooperative",
    "hop tac xa": "cooperative",
    "htx": "cooperative",
    "hop tac xa nong nghiep": "cooperative",
    "cooperative group": "cooperative_group",
    "to hop tac": "cooperative_group",
    "tht": "cooperative_group",
    "household": "household",
    "ho kinh doanh": "household",
    "hkd": "household",
    "ho kd": "household",
    "ho gia dinh": "household",
    "ho san xuat": "household",
    "ho san xuat kinh doanh": "household",
}
_CHANNELS = {code: code for code in CHANNEL_CODES} | {
    "viettel post": "voso",
    "vietnam post": "postmart",
    "san tmdt tinh": "provincial",
    "san thuong mai dien tu tinh": "provincial",
    "san tinh": "provincial",
}
_LEVELS = {
    "district": "district",
    "huyen": "district",
    "cap huyen": "district",
    "commune": "commune",
    "xa": "commune",
    "cap xa": "commune",
    "provincial": "provincial",
    "tinh": "provincial",
    "cap tinh": "provincial",
    "central": "central",
    "trung uong": "central",
    "cap trung uong": "central",
    "quoc gia": "central",
}
# Longest values the registry keeps (longer ones are almost always two cells run together).
_MAX_LENGTHS = {
    "producer_name": 300,
    "product_name": 300,
    "address": 500,
    "decision_no": 100,
    "unit": 50,
    "description": 10_000,
    "tax_code": 20,
    "phone": 30,
    "email": 200,
}
# How a column's text is checked (the API's rules): names, text where a line break is allowed
# (lists take it as a separator), and single-line text for the rest.
_NAME_COLUMNS = ("producer_name", "product_name")
_MULTILINE_COLUMNS = ("description", "certifications", "channels", "images")
_LIST_SPLIT = re.compile(r"[;,\n]")
# Delimiters a CSV sheet may use, and how much of it the sniffer reads to tell which.
_DELIMITERS = ",;\t"
_SNIFF_LINES = 20
_SNIFF_CHARS = 64 * 1024


class SheetUnreadable(ValueError):
    def __init__(self, message_vi: str, message_en: str) -> None:
        self.message_vi = message_vi
        self.message_en = message_en
        super().__init__(f"{message_vi} / {message_en}")


@dataclass
class Sheet:
    """A sheet's columns (ours, by position) and its data rows with their sheet row numbers."""

    columns: list[str | None]
    rows: Iterator[tuple[int, list[Any]]]
    total: int


@dataclass
class RowError:
    row: int
    field: str
    message: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "field": self.field,
            "message": self.message,
            "message_en": self.message_en,
        }


@dataclass
class ImportRow:
    """One checked row: everything needed to write it, nothing left to fail on."""

    row: int
    producer_name: str
    producer_kind: str
    address: ResolvedAddress
    product_name: str
    group: str
    # None: the group does not tell which of its sets, and the sheet did not say.
    product_set: str | None = None
    stars: int | None = None
    level: str | None = None
    decision_no: str | None = None
    recognised_on: date | None = None
    certifications: list[dict[str, Any]] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    price_vnd: int | None = None
    unit: str | None = None
    barcode: str | None = None
    description: str | None = None
    weight_grams: int | None = None
    images: list[str] = field(default_factory=list)
    tax_code: str | None = None
    phone: str | None = None
    email: str | None = None
    # The cells as written, for the error report should the database refuse the row.
    values: dict[str, str] = field(default_factory=dict)


def read_sheet(filename: str, content: bytes) -> Sheet:
    """Open a CSV or XLSX sheet and map its headers to our columns."""
    if filename.lower().endswith((".xlsx", ".xlsm")) or content[:2] == b"PK":
        return _read_xlsx(content)
    return _read_csv(content)


def _map_headers(headers: list[Any]) -> list[str | None]:
    columns = [_HEADER_LOOKUP.get(matching_key(str(h or ""))) for h in headers]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise SheetUnreadable(
            f"Thiếu cột bắt buộc: {', '.join(missing)}",
            f"Missing required columns: {', '.join(missing)}",
        )
    return columns


def _decode(content: bytes) -> str:
    """The sheet's text in the encoding charset-normalizer finds: UTF-8 (with or without BOM),
    UTF-16 with its BOM, or an older Vietnamese Windows export (Windows-1258)."""
    found = from_bytes(content).best()
    if found is None:
        raise SheetUnreadable(
            "Tệp không phải bảng tính CSV hay Excel (.xlsx)",
            "The file is not a CSV or Excel (.xlsx) sheet",
        )
    return str(found)


def _delimiter(text: str) -> str:
    """The delimiter csv.Sniffer finds in the first lines (Excel in Vietnamese writes `;`,
    others `,` or a tab), else in the header line alone; `,` for a single column."""
    lines = text[:_SNIFF_CHARS].splitlines()
    # The sniffer reads line ends as `\n` only: a `\r` before it would hide quoted cells.
    for sample in ("\n".join(lines[:_SNIFF_LINES]), lines[0] if lines else ""):
        try:
            return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
        except csv.Error:
            continue
    return ","


def _read_csv(content: bytes) -> Sheet:
    if b"\x00" in content and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Text never holds NUL bytes (but UTF-16 does): a program, an image, an archive.
        raise SheetUnreadable(
            "Tệp không phải bảng tính CSV hay Excel (.xlsx)",
            "The file is not a CSV or Excel (.xlsx) sheet",
        )
    text = _decode(content)
    delimiter = _delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        limit = csv.field_size_limit()
        raise SheetUnreadable(
            f"Không đọc được tệp CSV: có ô dài quá {limit} ký tự hoặc sai định dạng",
            f"The CSV file could not be read: a cell longer than {limit} characters "
            "or a broken format",
        ) from exc
    if not records:
        raise SheetUnreadable("Tệp trống", "The file is empty")
    columns = _map_headers(records[0])
    data = [(i, r) for i, r in enumerate(records[1:], start=2) if any(c.strip() for c in r)]
    return Sheet(columns, iter(data), len(data))


def _read_xlsx(content: bytes) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise SheetUnreadable(
            "Không đọc được tệp Excel", "The Excel file could not be read"
        ) from exc
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header = next(values, None)
    if header is None:
        raise SheetUnreadable("Tệp trống", "The file is empty")
    columns = _map_headers(list(header))
    data = [
        (i, list(r))
        for i, r in enumerate(values, start=2)
        if any(c is not None and str(c).strip() for c in r)
    ]
    workbook.close()
    return Sheet(columns, iter(data), len(data))


def cell_text(value: Any) -> str:
    """A cell as text for the error report (spreadsheet numbers without a trailing .0, dates as
    dd/mm/yyyy, without the control characters no sheet or database holds)."""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return ILLEGAL_IN_SHEETS.sub("", _text(value))


def clean_cell(column: str, text: str) -> str:
    """A cell's text by the rules the API applies to the same field (TextRefused if none take
    it); a leading quote our own reports added (`'=…`) is taken away."""
    text = restore_cell(text)
    if column in _NAME_COLUMNS:
        return clean_name(text)
    if column in _MULTILINE_COLUMNS:
        return clean_multiline(text)
    return clean_line(text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value)).strip()


def parse_date(value: Any) -> date:
    """`15/03/2024`, `15-03-2024`, `2024-03-15`, a spreadsheet date or an Excel serial."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if text.isdigit() and 36_526 <= int(text) <= 73_050:
        # An Excel date serial (days since 30 Dec 1899) in a cell not formatted as a date.
        return date(1899, 12, 30) + timedelta(days=int(text))
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_stars(value: Any) -> int:
    """`4`, `4 sao`, `4*`, `★★★★`."""
    text = _text(value)
    if text and set(text) <= {"★", "*", " "}:
        return text.count("★") + text.count("*")
    match = re.fullmatch(r"(\d)\s*(sao|\*|★|stars?)?", matching_key(text))
    if not match:
        raise ValueError(text)
    return int(match.group(1))


def split_list(value: Any) -> list[str]:
    return [p.strip() for p in _LIST_SPLIT.split(_text(value)) if p.strip()]


def check_row(number: int, raw: dict[str, Any]) -> ImportRow | list[RowError]:
    """Check one row completely; it is written only if this finds nothing wrong."""
    errors: list[RowError] = []

    def bad(column: str, vi: str, en: str) -> None:
        errors.append(RowError(number, column, vi, en))

    values: dict[str, str] = {}
    for column, cell in raw.items():
        text = _text(cell)
        try:
            values[column] = clean_cell(column, text) if text else ""
        except TextRefused as refused:
            bad(column, refused.message_vi, refused.message_en)
    if errors:
        # The other checks would only repeat that the cell is unusable.
        return errors
    for column in REQUIRED_COLUMNS:
        if not values.get(column):
            bad(column, "Thiếu giá trị bắt buộc", "Required value missing")

    for column, limit in _MAX_LENGTHS.items():
        if len(values.get(column, "")) > limit:
            bad(column, f"Dài quá {limit} ký tự", f"Longer than {limit} characters")

    kind = _KINDS.get(matching_key(values.get("producer_kind", "")).replace("_", " "))
    if values.get("producer_kind") and kind is None:
        bad(
            "producer_kind",
            f"Loại hình chủ thể “{values['producer_kind']}” không rõ",
            f"Unknown producer kind “{values['producer_kind']}”",
        )

    address: ResolvedAddress | None = None
    if values.get("address"):
        try:
            address = resolve_address_text(values["address"])
        except AddressNotUnderstood as exc:
            bad("address", exc.message_vi, exc.message_en)

    group = match_group(values["group"]) if values.get("group") else None
    # A set's name written where the group goes (`Rượu trắng`) says both.
    named_set = None if group or not values.get("group") else match_product_set(values["group"])
    if named_set is not None:
        group = subgroup_of_set(named_set)
    if values.get("group") and group is None:
        bad(
            "group",
            f"Nhóm sản phẩm “{values['group']}” không có trong danh mục",
            f"Unknown product group “{values['group']}”",
        )
    product_set = named_set
    if values.get("product_set"):
        product_set = match_product_set(values["product_set"])
        if product_set is None:
            bad(
                "product_set",
                f"Bộ sản phẩm “{values['product_set']}” không có trong danh mục",
                f"Unknown product set “{values['product_set']}”",
            )
        elif group is not None and product_set not in sets_for_group(group):
            bad(
                "product_set",
                f"Bộ sản phẩm “{product_set_name(product_set)}” "
                f"không thuộc nhóm “{values['group']}”",
                f"Product set “{product_set}” is not in group “{values['group']}”",
            )
    elif group is not None and product_set is None:
        product_set = infer_product_set(group)

    stars = level = recognised_on = None
    if values.get("stars"):
        try:
            stars = parse_stars(raw.get("stars"))
            if not 3 <= stars <= 5:
                raise ValueError
        except ValueError:
            bad("stars", "Số sao phải từ 3 đến 5", "Stars must be 3 to 5")
            stars = None
        if not values.get("recognised_on"):
            bad(
                "recognised_on",
                "Có số sao thì cần ngày quyết định",
                "A star rating needs its decision date",
            )
    if values.get("recognised_on"):
        try:
            recognised_on = check_programme_date(parse_date(raw.get("recognised_on")))
        except DateOutOfRange as out_of_range:
            bad("recognised_on", out_of_range.message_vi, out_of_range.message_en)
            recognised_on = None
        except ValueError:
            bad(
                "recognised_on",
                f"Ngày “{values['recognised_on']}” không hợp lệ (dd/mm/yyyy)",
                f"Invalid date “{values['recognised_on']}” (dd/mm/yyyy)",
            )
    if values.get("level"):
        level = _LEVELS.get(matching_key(values["level"]))
        if level is None:
            bad(
                "level",
                f"Cấp công nhận “{values['level']}” không rõ",
                f"Unknown level “{values['level']}”",
            )

    channels: list[str] = []
    for name in split_list(raw.get("channels")):
        code = _CHANNELS.get(matching_key(name))
        if code is None:
            bad(
                "channels",
                f"Kênh “{name}” không có; dùng: {', '.join(CHANNEL_CODES)}",
                f"Unknown channel “{name}”; use: {', '.join(CHANNEL_CODES)}",
            )
        elif code not in channels:
            channels.append(code)

    price = None
    if values.get("price_vnd"):
        digits = re.sub(r"[.\s,đ₫]|vnd", "", matching_key(values["price_vnd"]))
        if digits.isdigit():
            price = int(digits)
        else:
            bad("price_vnd", "Giá phải là số đồng", "Price must be a whole number of đồng")
    weight = None
    if values.get("weight_grams"):
        digits = re.sub(r"[.\s,]|g$|gram$", "", matching_key(values["weight_grams"]))
        if digits.isdigit() and 0 < int(digits) <= 10_000_000:
            weight = int(digits)
        else:
            bad("weight_grams", "Khối lượng phải là số gam", "Weight must be a number of grams")
    images = [u for u in re.split(r"[;\s]+", values.get("images", "")) if u]
    try:
        images = [check_web_url(url) for url in images]
    except TextRefused as refused:
        bad("images", f"Ảnh: {refused.message_vi}", f"Images: {refused.message_en}")
    barcode = values.get("barcode") or None
    if barcode and not is_valid_gtin(barcode):
        bad(
            "barcode",
            "Mã vạch không hợp lệ (sai số kiểm tra GTIN)",
            "Invalid barcode (GTIN check digit)",
        )

    if errors:
        return errors
    assert kind is not None and address is not None and group is not None
    if stars is not None and recognised_on is not None and level is None:
        level = default_level(stars, recognised_on)
    return ImportRow(
        row=number,
        producer_name=values["producer_name"],
        producer_kind=kind,
        address=address,
        product_name=values["product_name"],
        group=group,
        product_set=product_set,
        stars=stars,
        level=level if stars else None,
        decision_no=values.get("decision_no") or None,
        recognised_on=recognised_on if stars else None,
        certifications=[
            {"scheme": canonical_scheme(s)}
            for s in dict.fromkeys(split_list(raw.get("certifications")))
        ],
        channels=channels,
        price_vnd=price,
        unit=values.get("unit") or None,
        barcode=barcode,
        description=values.get("description") or None,
        weight_grams=weight,
        images=images[:20],
        tax_code=values.get("tax_code") or None,
        phone=values.get("phone") or None,
        email=values.get("email") or None,
        values={k: cell_text(v) for k, v in raw.items()},
    )


def row_values(columns: list[str | None], cells: list[Any]) -> dict[str, Any]:
    """Our column → the cell value (unknown columns ignored)."""
    return {col: cells[i] for i, col in enumerate(columns) if col and i < len(cells)}
