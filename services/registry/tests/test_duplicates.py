"""Near-duplicates at the door: creates and renames answer likely duplicates, the review queue,
dismissing a pair and merging one product into another."""

from __future__ import annotations

from typing import Any

from .conftest import HA_NOI


def post_product(registry, producer_id: str, name: str, **fields: Any):
    body = {"producer_id": producer_id, "name": name, "group": "thuc_pham", **fields}
    return registry.client.post("/v1/products", json=body, headers=registry.officer())


def test_create_like_a_registered_product_is_409_with_its_likely_duplicates_and_stores_nothing(
    registry,
):
    producer = registry.producer()
    first = registry.product(producer["id"], "Nước mắm Hải Hậu chai 500ml")
    response = post_product(registry, producer["id"], "Đặc sản nước mắm Hải Hậu 1 lít")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "likely_duplicate"
    [duplicate] = problem["likely_duplicates"]
    assert duplicate["id"] == first["id"] and duplicate["name"] == first["name"]
    assert duplicate["score"] >= 0.8 and "cùng chủ thể" in duplicate["reason"]
    listed = registry.client.get(
        "/v1/products", params={"producer_id": producer["id"]}, headers=registry.officer()
    ).json()
    assert [p["id"] for p in listed["items"]] == [first["id"]]


def test_confirmed_create_is_stored_and_the_confirmation_is_in_its_history(registry):
    producer = registry.producer()
    first = registry.product(producer["id"], "Tôm khô Hải Hậu 500g")
    response = post_product(
        registry, producer["id"], "Tôm khô Hải Hậu loại 1", confirm_not_duplicate=True
    )
    assert response.status_code == 201, response.text
    created = response.json()
    history = registry.client.get(
        f"/v1/products/{created['id']}/history", headers=registry.officer()
    ).json()
    confirmed = [h for h in history if h["action"] == "confirmed_not_duplicate"]
    assert [d["id"] for d in confirmed[0]["after"]["likely_duplicates"]] == [first["id"]]


def test_another_fish_sauce_grade_is_not_a_duplicate(registry):
    producer = registry.producer()
    registry.product(producer["id"], "Nước mắm Hải Hậu 30 độ đạm")
    response = post_product(registry, producer["id"], "Nước mắm Hải Hậu 40 độ đạm")
    assert response.status_code == 201, response.text


def test_renaming_a_product_into_another_ones_name_is_checked_too(registry):
    producer = registry.producer()
    registry.product(producer["id"], "Miến dong Hải Hậu")
    other = registry.product(producer["id"], "Gạo tám Hải Hậu")
    url = f"/v1/products/{other['id']}"
    etag = registry.client.get(url, headers=registry.officer()).headers["etag"]
    headers = {**registry.officer(), "If-Match": etag}
    refused = registry.client.patch(url, json={"name": "Mien dong Hai Hau 500g"}, headers=headers)
    assert refused.status_code == 409
    assert registry.client.get(url, headers=registry.officer()).json()["name"] == "Gạo tám Hải Hậu"
    confirmed = registry.client.patch(
        url, json={"name": "Mien dong Hai Hau 500g", "confirm_not_duplicate": True}, headers=headers
    )
    assert confirmed.status_code == 200, confirmed.text


def test_a_family_members_product_is_caught_by_the_shared_phone(registry):
    first = registry.producer("Hộ kinh doanh Trần Văn An", kind="household", phone="0912345678")
    second = registry.producer(
        "Hộ kinh doanh Trần Thị Bình", kind="household", phone="+84 912 345 678"
    )
    original = registry.product(first["id"], "Bánh tráng Hải Hậu")
    response = post_product(registry, second["id"], "Bánh tráng phơi sương Hải Hậu")
    assert response.status_code == 409
    [duplicate] = response.json()["likely_duplicates"]
    assert duplicate["id"] == original["id"] and "điện thoại" in duplicate["reason"]


def test_a_product_of_another_province_is_not_a_duplicate(registry):
    here = registry.producer()
    there = registry.producer(
        "HTX Gốm Bát Tràng", address={"legacy": "Xã Bát Tràng, Huyện Gia Lâm, Thành phố Hà Nội"}
    )
    registry.product(here["id"], "Chè xanh đặc sản")
    response = registry.client.post(
        "/v1/products",
        json={"producer_id": there["id"], "name": "Chè xanh đặc sản", "group": "thuc_pham"},
        headers=registry.officer(HA_NOI),
    )
    assert response.status_code == 201, response.text


def test_a_producer_with_a_registered_tax_code_is_created_with_a_warning(registry):
    first = registry.producer("Công ty TNHH Hải Hậu Xanh", kind="enterprise", tax_code="0601234567")
    second = registry.producer("Cty Hải Hậu Xanh", kind="enterprise", tax_code="0601234567")
    assert [d["id"] for d in second["likely_duplicates"]] == [first["id"]]
    assert second["likely_duplicates"][0]["reason"] == "trùng mã số thuế"
    assert registry.producer("HTX Khác", phone="0987000111")["likely_duplicates"] == []
