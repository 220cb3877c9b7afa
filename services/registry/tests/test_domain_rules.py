"""The registry's pure rules: addresses, GTIN, certificate expiry and status, groups, sheet rows."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_registry.admin_units import (
    AddressNotUnderstood,
    resolve_address_text,
    resolve_ward_code,
)
from ocop_registry.catalog.groups import match_group, product_groups
from ocop_registry.certificates.rules import certificate_status, expiry_for, notice_due
from ocop_registry.gtin import gtin_check_digit, is_valid_gtin
from ocop_registry.imports.sheet import check_row, parse_date, parse_stars, read_sheet

# --- addresses ---


def test_legacy_address_is_placed_in_the_current_province_and_commune():
    address = resolve_address_text("Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định")
    assert (address.province_code, address.province_name) == ("37", "Ninh Bình")
    assert address.ward_code == "14287" and address.ward_name == "Xã Hải Quang"
    assert address.legacy_commune == "Xã Hải Đông"
    assert address.legacy_district == "Huyện Hải Hậu"
    assert address.legacy_province == "Tỉnh Nam Định"


def test_legacy_address_without_diacritics_resolves_the_same():
    plain = resolve_address_text("xa hai dong, huyen hai hau, nam dinh")
    assert plain.ward_code == "14287"


def test_village_before_the_commune_is_kept_as_street():
    address = resolve_address_text("Thôn 5, Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định")
    assert address.street == "Thôn 5" and address.ward_code == "14287"


def test_current_address_resolves_without_legacy_parts():
    address = resolve_address_text("Xã Hải Quang, Tỉnh Ninh Bình")
    assert address.ward_code == "14287" and address.legacy is None


def test_ward_code_gives_ward_and_province():
    address = resolve_ward_code("14287")
    assert address.province_code == "37" and address.ward_name == "Xã Hải Quang"


def test_ward_missing_from_one_package_is_found_by_name():
    # vietnamadminunits and vietnam-provinces disagree on Bát Tràng's code.
    address = resolve_address_text("Xã Bát Tràng, Huyện Gia Lâm, Thành phố Hà Nội")
    assert address.province_code == "01" and address.ward_name == "Xã Bát Tràng"


@pytest.mark.parametrize(
    ("text", "part", "named"),
    [
        ("Xã Foo, Huyện Hải Hậu, Tỉnh Nam Định", "ward", "Xã Foo"),
        ("Xã Foo, Huyện Bar, Tỉnh Nam Định", "district", "Huyện Bar"),
        ("Xã Foo, Tỉnh Atlantis", "province", "Tỉnh Atlantis"),
        ("Xã Hải Đông, Nam Định", "ward", "Xã Hải Đông"),
    ],
)
def test_unresolvable_address_names_the_part_not_understood(text, part, named):
    with pytest.raises(AddressNotUnderstood) as caught:
        resolve_address_text(text)
    assert caught.value.part == part and caught.value.text == named
    assert named in caught.value.message_vi and named in caught.value.message_en


def test_unknown_ward_code_is_refused():
    with pytest.raises(AddressNotUnderstood):
        resolve_ward_code("99999")


# --- GTIN ---


def test_known_barcodes():
    assert is_valid_gtin("8935049500018")
    assert is_valid_gtin("96385074")
    assert not is_valid_gtin("8935049500017")
    assert not is_valid_gtin("893504950001")  # 12 digits, wrong check digit for UPC-A
    assert not is_valid_gtin("89350495000A8")
    assert not is_valid_gtin("123")


@given(
    st.sampled_from([8, 12, 13, 14]).flatmap(
        lambda n: st.text("0123456789", min_size=n - 1, max_size=n - 1)
    )
)
def test_a_body_with_its_check_digit_is_valid_and_any_other_digit_is_not(body):
    digit = gtin_check_digit(body)
    assert is_valid_gtin(body + str(digit))
    for other in set(range(10)) - {digit}:
        assert not is_valid_gtin(body + str(other))


# --- certificates ---


def test_certificate_lasts_36_months_from_the_decision():
    assert expiry_for(date(2024, 3, 15)) == date(2027, 3, 15)
    assert expiry_for(date(2024, 2, 29)) == date(2027, 2, 28)


decision_dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


@given(decision_dates, st.integers(min_value=-2000, max_value=2000))
def test_status_follows_the_days_left(recognised_on, offset):
    expires_on = expiry_for(recognised_on)
    today = expires_on - timedelta(days=offset)
    status = certificate_status(expires_on, today)
    if offset <= 0:
        assert status == "expired"
    elif offset <= 180:
        assert status == "expiring"
    else:
        assert status == "valid"
    assert certificate_status(expires_on, today, revoked=True) == "revoked"


@given(decision_dates)
def test_status_boundaries_exactly(recognised_on):
    expires_on = expiry_for(recognised_on)
    assert certificate_status(expires_on, expires_on - timedelta(days=181)) == "valid"
    assert certificate_status(expires_on, expires_on - timedelta(days=180)) == "expiring"
    assert certificate_status(expires_on, expires_on - timedelta(days=1)) == "expiring"
    assert certificate_status(expires_on, expires_on) == "expired"


@given(decision_dates, st.integers(min_value=-100, max_value=400))
def test_expiry_notice_is_due_only_in_the_last_30_days(recognised_on, offset):
    expires_on = expiry_for(recognised_on)
    assert notice_due(expires_on, expires_on - timedelta(days=offset)) == (0 < offset <= 30)


# --- product groups ---


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Thực phẩm", "thuc_pham"),
        ("THUC PHAM", "thuc_pham"),
        ("thuc_pham.che", "thuc_pham.che"),
        ("Thảo dược", "duoc_lieu"),
        ("Lưu niệm - nội thất - trang trí", "thu_cong_my_nghe.trang_tri"),
        ("Luu niem – noi that – trang tri", "thu_cong_my_nghe.trang_tri"),
        ("Vải và may mặc", "thu_cong_my_nghe.vai_may_mac"),
        ("Dịch vụ du lịch nông thôn, bán hàng", "du_lich"),
        ("Sinh vật cảnh", "sinh_vat_canh"),
    ],
)
def test_group_matches_codes_and_names_of_both_decisions(text, code):
    assert match_group(text) == code


def test_unknown_group_matches_nothing():
    assert match_group("Đồ điện tử") is None


def test_product_groups_file_has_the_six_groups_and_a_1048_mapping():
    data = product_groups()
    assert len(data.groups) == 6 and len(data.legacy_1048) == 6
    assert all(sub.code.startswith(g.code + ".") for g in data.groups for sub in g.subgroups)


# --- sheet rows ---

GOOD = {
    "producer_name": "HTX Nông nghiệp Hải Đông",
    "producer_kind": "hop tac xa",
    "address": "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định",
    "product_name": "Gạo tám Hải Hậu",
    "group": "THỰC PHẨM",
    "stars": "4 sao",
    "decision_no": "123/QĐ-UBND",
    "recognised_on": "15/03/2025",
    "certifications": "vietgap, Hữu cơ",
    "channels": "Shopee; postmart",
}


def test_forgiving_row_is_read_as_meant():
    row = check_row(2, GOOD)
    assert not isinstance(row, list)
    assert row.producer_kind == "cooperative" and row.group == "thuc_pham"
    assert row.stars == 4 and row.recognised_on == date(2025, 3, 15)
    assert row.level == "provincial"
    assert [c["scheme"] for c in row.certifications] == ["VietGAP", "organic"]
    assert row.channels == ["shopee", "postmart"]
    assert row.address.province_code == "37"


def test_three_star_before_july_2025_defaults_to_district_level():
    row = check_row(2, {**GOOD, "stars": "3", "recognised_on": "2024-06-01"})
    assert not isinstance(row, list) and row.level == "district"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"producer_kind": "công ty ma"}, "producer_kind"),
        ({"group": "Đồ điện tử"}, "group"),
        ({"stars": "6"}, "stars"),
        ({"recognised_on": "31/02/2025"}, "recognised_on"),
        ({"recognised_on": ""}, "recognised_on"),
        ({"channels": "Amazon"}, "channels"),
        ({"address": "Xã Foo, Huyện Hải Hậu, Tỉnh Nam Định"}, "address"),
        ({"product_name": ""}, "product_name"),
    ],
)
def test_bad_row_is_rejected_with_the_field_named(change, field):
    errors = check_row(7, {**GOOD, **change})
    assert isinstance(errors, list)
    assert [(e.row, e.field) for e in errors] == [(7, field)]


def test_dates_and_stars_in_the_forms_people_write():
    assert parse_date("05/01/2025") == date(2025, 1, 5)
    assert parse_date("2025-01-05") == date(2025, 1, 5)
    assert parse_date("5/1/2025") == date(2025, 1, 5)
    assert parse_date(45662) == date(2025, 1, 5)  # Excel serial
    assert parse_stars("★★★★") == 4
    assert parse_stars("5*") == 5


def test_sheet_with_vietnamese_headers_and_semicolons_is_read():
    content = (
        "Tên chủ thể;Loại hình chủ thể;Địa chỉ;Tên sản phẩm;Nhóm sản phẩm\n"
        "HTX A;Hợp tác xã;Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định;Gạo;Thực phẩm\n"
    ).encode("utf-8-sig")
    sheet = read_sheet("a.csv", content)
    assert sheet.columns == ["producer_name", "producer_kind", "address", "product_name", "group"]
    assert sheet.total == 1


def test_every_current_ward_written_with_its_province_resolves_to_itself():
    from vietnam_provinces import Province, Ward

    wards = list(Ward.iter_all())
    assert len(wards) == 3321
    for ward in wards:
        province = Province.from_code(ward.province_code)
        resolved = resolve_address_text(f"{ward.name}, {province.name}")
        assert resolved.ward_code == f"{int(ward.code):05d}", ward.name


def _strip_marks(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


official_names = [(g.name_vi, g.code) for g in product_groups().groups] + [
    (legacy.name_vi, legacy.maps_to) for legacy in product_groups().legacy_1048
]


@given(st.sampled_from(official_names), st.booleans(), st.lists(st.booleans(), max_size=80))
def test_group_names_match_whatever_the_case_and_diacritics(pair, strip, upper):
    name, code = pair
    text = _strip_marks(name) if strip else name
    text = "".join(
        ch.upper() if i < len(upper) and upper[i] else ch.lower() for i, ch in enumerate(text)
    )
    assert match_group(f"  {text} ") == code


def test_listing_details_are_read_from_the_sheet():
    row = check_row(
        2,
        {
            **GOOD,
            "description": "Gạo thơm vụ mùa",
            "weight_grams": "5.000 g",
            "images": "https://a.vn/1.jpg; https://a.vn/2.jpg",
        },
    )
    assert not isinstance(row, list)
    assert row.weight_grams == 5000 and row.description == "Gạo thơm vụ mùa"
    assert row.images == ["https://a.vn/1.jpg", "https://a.vn/2.jpg"]
    errors = check_row(2, {**GOOD, "weight_grams": "nặng", "images": "anh.jpg"})
    assert [e.field for e in errors] == ["weight_grams", "images"]
