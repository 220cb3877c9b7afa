"""The 26 product sets (bộ sản phẩm, Decision 26/2026): the data file, how old groups and sheet
cells land in a set (or in "choose a set"), and the API, events and figures that carry it."""

from __future__ import annotations

import pytest

from ocop_contracts import PRODUCT_GROUP_CODES, ProductSnapshot
from ocop_registry.catalog.groups import (
    infer_product_set,
    match_group,
    match_product_set,
    product_groups,
    sets_for_group,
)
from ocop_registry.imports.sheet import check_row

from .conftest import NINH_BINH

ROW = {
    "producer_name": "HTX Nông nghiệp Hải Đông",
    "producer_kind": "hop tac xa",
    "address": "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định",
    "product_name": "Rượu nếp Hải Hậu",
}


def test_the_tree_has_six_groups_seventeen_subgroups_and_twenty_six_sets_each_in_one_place():
    data = product_groups()
    assert tuple(g.code for g in data.groups) == PRODUCT_GROUP_CODES
    assert sum(len(g.subgroups) for g in data.groups) == 17
    codes = [s.code for g in data.groups for sub in g.subgroups for s in sub.product_sets]
    assert len(codes) == len(set(codes)) == 26
    assert any("26/2026/QĐ-TTg" in source for source in data.sources)


@pytest.mark.parametrize(
    ("group", "product_set"),
    [
        ("sinh_vat_canh.hoa", "hoa"),
        ("thuc_pham.ca_phe_ca_cao", "ca_phe_ca_cao"),
        ("du_lich", "du_lich_cong_dong"),
        ("duoc_lieu.duoc_lieu", "tinh_dau_duoc_lieu_khac"),  # a retired code
        ("thu_cong_my_nghe.gia_dung_noi_that", "thu_cong_my_nghe_gia_dung_trang_tri"),
        ("thuc_pham", None),  # thirteen sets: someone must choose
        ("thuc_pham.gia_vi", None),
        ("do_uong.co_con", None),
        ("thuc_pham.nong_san_tuoi_song", None),
    ],
)
def test_a_group_implies_a_set_only_when_it_holds_exactly_one(group, product_set):
    assert infer_product_set(group) == product_set
    if product_set is None:
        assert len(sets_for_group(group)) > 1


def test_old_1048_names_land_in_the_right_group_and_set():
    group = match_group("Luu niem - noi that - trang tri")
    assert group == "thu_cong_my_nghe.trang_tri"
    assert infer_product_set(group) == "thu_cong_my_nghe_gia_dung_trang_tri"
    assert infer_product_set(match_group("Vải và may mặc") or "") == "vai_may_mac"
    assert infer_product_set(match_group("Thảo dược") or "") is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("RUOU TRANG", "ruou_trang"),
        ("Gia vị khác (muối, hành, tỏi, tiêu)", "gia_vi_khac"),
        ("san pham tra tu thuc vat khac", "tra_thuc_vat_khac"),
        ("nuoc_khoang_nuoc_dong_chai", "nuoc_khoang_nuoc_dong_chai"),
        ("Đồ điện tử", None),
    ],
)
def test_product_sets_match_by_code_name_or_other_spelling_ignoring_case_and_marks(text, code):
    assert match_product_set(text) == code


def test_a_sheet_row_naming_a_set_as_its_group_gets_both():
    row = check_row(2, {**ROW, "group": "ruou trang"})
    assert not isinstance(row, list)
    assert (row.group, row.product_set) == ("do_uong.co_con", "ruou_trang")


def test_a_sheet_row_with_a_broad_group_waits_for_a_set_unless_the_sheet_names_one():
    row = check_row(2, {**ROW, "group": "Đồ uống"})
    assert not isinstance(row, list) and row.product_set is None
    row = check_row(2, {**ROW, "group": "Đồ uống", "product_set": "Đồ uống có cồn khác"})
    assert not isinstance(row, list) and row.product_set == "do_uong_co_con_khac"


def test_a_sheet_row_whose_set_is_outside_its_group_or_unknown_is_refused():
    errors = check_row(2, {**ROW, "group": "Đồ uống", "product_set": "Hoa"})
    assert isinstance(errors, list) and [e.field for e in errors] == ["product_set"]
    errors = check_row(2, {**ROW, "group": "Đồ uống", "product_set": "Bia hơi"})
    assert isinstance(errors, list) and [e.field for e in errors] == ["product_set"]


def test_the_api_serves_the_tree_down_to_the_sets(registry):
    data = registry.client.get("/v1/product-groups").json()
    sub = data["groups"][1]["subgroups"][0]
    assert sub["code"] == "do_uong.co_con"
    assert sub["product_sets"][0] == {
        "code": "ruou_trang",
        "name_vi": "Rượu trắng",
        "name_en": "White spirits",
        "aliases": [],
    }


def test_a_product_gets_its_set_from_its_group_or_awaits_a_choice(registry):
    producer = registry.producer()
    flower = registry.product(producer["id"], "Hoa lan Hải Hậu", group="sinh_vat_canh.hoa")
    assert flower["product_set"] == "hoa" and flower["product_set_name"] == "Hoa"
    rice = registry.product(producer["id"])  # group thuc_pham
    assert rice["product_set"] is None
    listed = registry.client.get("/v1/products?product_set=none", headers=registry.headers()).json()
    assert [p["id"] for p in listed["items"]] == [rice["id"]]

    etag = registry.client.get(f"/v1/products/{rice['id']}", headers=registry.headers())
    chosen = registry.client.patch(
        f"/v1/products/{rice['id']}",
        json={"product_set": "Gạo, ngũ cốc, hạt sơ chế khác"},
        headers={**registry.headers(), "If-Match": etag.headers["etag"]},
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["product_set"] == "gao_ngu_coc_hat_so_che"
    event = registry.events(rice["id"])[-1]
    assert ProductSnapshot.model_validate(event["payload"]).product_set == "gao_ngu_coc_hat_so_che"

    stats = registry.client.get(f"/v1/stats?province_code={NINH_BINH}").json()
    assert stats["by_product_set"] == {"hoa": 1, "gao_ngu_coc_hat_so_che": 1}


def test_a_set_outside_the_products_group_is_refused_and_nothing_is_stored(registry):
    producer = registry.producer()
    response = registry.client.post(
        "/v1/products",
        json={
            "producer_id": producer["id"],
            "name": "Hoa lan",
            "group": "do_uong",
            "product_set": "hoa",
        },
        headers=registry.headers(),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "product_set"
    assert registry.client.get("/v1/products", headers=registry.headers()).json()["items"] == []


def test_an_event_from_before_product_sets_still_reads():
    old = {
        "id": "p1",
        "name": "Gạo",
        "group": "thuc_pham",
        "producer": {"id": "x", "name": "HTX", "kind": "cooperative"},
        "address": {"province_code": "37", "province_name": "Ninh Bình"},
    }
    assert ProductSnapshot.model_validate(old).product_set is None
