"""Reading a CSV sheet as offices save it: UTF-8 with or without BOM, UTF-16 (Excel's "Unicode
text"), Windows-1258 (older Vietnamese Windows exports), with commas, semicolons (Excel in
Vietnamese) or tabs between cells. The encoding is charset-normalizer's finding, the delimiter
csv.Sniffer's; every cell arrives as it was written, in NFC."""

from __future__ import annotations

import csv
import io
import unicodedata

import pytest

from ocop_registry.imports.sheet import SheetUnreadable, read_sheet

from .test_imports import HEADERS as IMPORT_HEADERS

# The import tests' headers, without those of the certificate.
HEADERS = [*IMPORT_HEADERS[:5], IMPORT_HEADERS[-1]]
ROWS = [
    [
        "HTX Hải Đông",
        "Hợp tác xã",
        "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định",
        "Gạo tám Hải Hậu",
        "Thực phẩm",
        "Shopee; Postmart",
    ],
    [
        "Công ty TNHH Giao Châu",
        "Doanh nghiệp",
        "Xã Giao Thịnh, Huyện Giao Thủy, Tỉnh Nam Định",
        "Nước mắm Giao Châu",
        "Thực phẩm",
        "tiki",
    ],
    ["Hộ kinh doanh Bà Tư", "Hộ kinh doanh", "Xã Hải Hậu, Tỉnh Ninh Bình", "Mắm tôm", "", ""],
]


def windows_1258(text: str) -> bytes:
    """Text as Windows-1258 stores it: a letter it lacks is written as the nearest letter it has
    followed by a combining tone mark (`ậ` → `â` + dot below)."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        for i, mark in enumerate(marks):
            rest = "".join(marks[:i] + marks[i + 1 :])
            try:
                letter = unicodedata.normalize("NFC", base + rest).encode("cp1258")
                out += letter + mark.encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
        else:  # pragma: no cover - every Vietnamese letter has a form
            raise ValueError(char)
    return bytes(out)


ENCODINGS = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8 with BOM": lambda text: text.encode("utf-8-sig"),
    "utf-16 little-endian with BOM": lambda text: text.encode("utf-16"),
    "utf-16 big-endian with BOM": lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
    "windows-1258": windows_1258,
}


def sheet_text(delimiter: str, rows: list[list[str]] = ROWS) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue()


def cells(content: bytes) -> list[list[str]]:
    sheet = read_sheet("danh-sach.csv", content)
    assert sheet.columns[:4] == ["producer_name", "producer_kind", "address", "product_name"]
    return [[unicodedata.normalize("NFC", c) for c in row] for _, row in sheet.rows]


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_a_sheet_reads_the_same_in_every_encoding_and_delimiter(encoding, delimiter):
    content = ENCODINGS[encoding](sheet_text(delimiter))
    assert cells(content) == ROWS


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_a_one_row_sheet_is_read_as_well(encoding, delimiter):
    content = ENCODINGS[encoding](sheet_text(delimiter, ROWS[:1]))
    assert cells(content) == ROWS[:1]


def test_a_semicolon_sheet_with_commas_in_its_addresses_is_read_by_semicolons():
    # Excel in Vietnamese quotes nothing here: the addresses' commas stand bare.
    text = "Tên chủ thể;Loại hình chủ thể;Địa chỉ;Tên sản phẩm;Nhóm sản phẩm\r\n"
    text += "HTX A;Hợp tác xã;Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định;Mật ong;Thực phẩm\r\n"
    text += "HTX B;Hợp tác xã;Xã Hải Đông, Tỉnh Ninh Bình;Nước mắm;Thực phẩm\r\n"
    sheet = read_sheet("ds.csv", text.encode("utf-8"))
    assert [row for _, row in sheet.rows] == [
        [
            "HTX A",
            "Hợp tác xã",
            "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định",
            "Mật ong",
            "Thực phẩm",
        ],
        ["HTX B", "Hợp tác xã", "Xã Hải Đông, Tỉnh Ninh Bình", "Nước mắm", "Thực phẩm"],
    ]


def test_random_bytes_are_no_sheet():
    with pytest.raises(SheetUnreadable):
        read_sheet("ds.csv", bytes(range(1, 256)) * 16)
