"""From the registry's product snapshot to the search document."""

from __future__ import annotations

from datetime import date

from search_factories import snapshot

from ocop_search.documents import (
    certification_code,
    day_number,
    document_from_snapshot,
    group_codes,
)


def test_only_products_with_a_valid_or_expiring_certificate_become_documents() -> None:
    assert document_from_snapshot(snapshot("A", status="valid")) is not None
    assert document_from_snapshot(snapshot("A", status="expiring")) is not None
    assert document_from_snapshot(snapshot("A", status="expired")) is None
    assert document_from_snapshot(snapshot("A", status="revoked")) is None
    assert document_from_snapshot(snapshot("A", stars=None)) is None
    assert document_from_snapshot(snapshot("A", deleted=True)) is None


def test_document_carries_codes_for_filters_and_names_for_search() -> None:
    document = document_from_snapshot(
        snapshot(
            "Gạo tám xoan",
            group="thuc_pham.lua_gao",
            province_code="37",
            province_name="Tỉnh Ninh Bình",
            legacy_district="Huyện Hải Hậu",
            legacy_province="Tỉnh Nam Định",
            certifications=("VietGAP", "ISO 22000"),
            stars=4,
            expires_on=date(2028, 3, 1),
        )
    )
    assert document is not None
    assert document.group_top == "thuc_pham"
    assert document.group_codes == ["thuc_pham", "thuc_pham.lua_gao"]
    assert document.group_name == "Thực phẩm"
    assert document.group_top_name == "Thực phẩm"
    assert document.certification_codes == ["vietgap", "iso22000"]
    assert document.places() == ["Tỉnh Ninh Bình", "Huyện Hải Hậu", "Tỉnh Nam Định"]
    assert document.expires_day == day_number(date(2028, 3, 1))


def test_text_is_stored_composed() -> None:
    document = document_from_snapshot(snapshot("Ke\u0323o du\u031b\u0300a"))
    assert document is not None
    assert document.name == "Kẹo dừa"


def test_codes_for_filters() -> None:
    assert certification_code("ISO 22000") == "iso22000"
    assert certification_code("Hữu cơ") == "huuco"
    assert group_codes("a.b.c") == ["a", "a.b", "a.b.c"]
