"""Near-duplicates at the door: creates and renames answer likely duplicates, the review queue,
dismissing a pair and merging one product into another."""

from __future__ import annotations

from typing import Any

from .conftest import HA_NOI, NAM_DINH_LEGACY, NINH_BINH
from .test_imports import import_sheet, sheet_csv


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


def test_import_keeps_a_likely_duplicate_row_with_a_warning_and_queues_the_pair(registry):
    producer = registry.producer("HTX Hải Đông")
    first = registry.product(producer["id"], "Gạo tám Hải Hậu")
    row = ["HTX Giao Hải", "Hợp tác xã", NAM_DINH_LEGACY, "Gạo tám Hải Hậu túi 5kg", "Thực phẩm"]
    twin = ["HTX Hải Đông", "Hợp tác xã", NAM_DINH_LEGACY, "Gao tam Hai Hau 2kg", "Thực phẩm"]
    other = ["HTX Hải Đông", "Hợp tác xã", NAM_DINH_LEGACY, "Nước mắm Hải Hậu", "Thực phẩm"]
    job = import_sheet(registry, sheet_csv([r + [""] * 5 for r in (row, twin, other)]))
    assert job["rows_imported"] == 3 and job["errors"] == []
    warned = {w["row"]: w for w in job["warnings"]}
    assert set(warned) == {2, 3}
    assert [d["id"] for d in warned[2]["likely_duplicates"]] == [first["id"]]
    # The second row is also like the first row of the same sheet.
    assert len(warned[3]["likely_duplicates"]) == 2
    queue = registry.client.get(
        "/v1/duplicates", params={"province_code": NINH_BINH}, headers=registry.officer()
    ).json()
    assert len(queue["items"]) == 3


def queued_pair(registry, first_name: str, second_name: str) -> tuple[dict, dict, dict]:
    """Two products of one producer, the second confirmed by the producer itself (so the
    pair waits in the queue)."""
    producer = registry.producer()
    first = registry.product(producer["id"], first_name)
    response = registry.client.post(
        "/v1/products",
        json={
            "producer_id": producer["id"],
            "name": second_name,
            "group": "thuc_pham",
            "confirm_not_duplicate": True,
        },
        headers=registry.headers("producer", producer_id=producer["id"]),
    )
    assert response.status_code == 201, response.text
    [pair] = registry.client.get("/v1/duplicates", headers=registry.officer()).json()["items"]
    return first, response.json(), pair


def test_queue_lists_the_pair_with_score_and_reason_to_its_province_only(registry):
    first, second, pair = queued_pair(registry, "Mắm tôm Hải Hậu", "Mắm tôm Hải Hậu hũ 250g")
    assert (pair["product"]["id"], pair["other"]["id"]) == (second["id"], first["id"])
    assert pair["score"] >= 0.8 and "cùng chủ thể" in pair["reason"]
    assert pair["source"] == "create" and pair["status"] == "open"
    elsewhere = registry.client.get("/v1/duplicates", headers=registry.officer(HA_NOI)).json()
    assert elsewhere["items"] == []
    refused = registry.client.get(
        "/v1/duplicates", params={"province_code": NINH_BINH}, headers=registry.officer(HA_NOI)
    )
    assert refused.status_code == 403
    page = registry.client.get("/v1/duplicates", params={"limit": 1}, headers=registry.headers())
    assert [p["id"] for p in page.json()["items"]] == [pair["id"]]


def test_a_pair_marked_not_duplicate_is_never_shown_or_warned_of_again(registry):
    _first, second, pair = queued_pair(registry, "Chè xanh Hải Hậu", "Chè xanh Hải Hậu 200g")
    response = registry.client.post(
        f"/v1/duplicates/{pair['id']}/not-duplicate", headers=registry.officer()
    )
    assert response.status_code == 200 and response.json()["status"] == "not_duplicate"
    assert registry.client.get("/v1/duplicates", headers=registry.officer()).json()["items"] == []
    # Renaming one of them closer to the other warns of nothing now.
    url = f"/v1/products/{second['id']}"
    etag = registry.client.get(url, headers=registry.officer()).headers["etag"]
    renamed = registry.client.patch(
        url,
        json={"name": "Chè xanh Hải Hậu 500g"},
        headers={**registry.officer(), "If-Match": etag},
    )
    assert renamed.status_code == 200, renamed.text
    again = registry.client.post(
        f"/v1/duplicates/{pair['id']}/not-duplicate", headers=registry.officer()
    )
    assert again.status_code == 409


def test_merge_moves_certificates_channels_and_history_and_the_merged_id_points_to_the_kept(
    registry,
):
    first, second, pair = queued_pair(registry, "Nước mắm Hải Hậu", "Nuoc mam Hai Hau 1 lit")
    for product, stars, day, channels in (
        (first, 3, "2024-05-01", ["shopee"]),
        (second, 4, "2025-03-01", ["postmart"]),
    ):
        issued = registry.client.post(
            f"/v1/products/{product['id']}/certificate",
            json={"stars": stars, "level": "provincial", "recognised_on": day},
            headers=registry.officer(),
        )
        assert issued.status_code == 201, issued.text
        url = f"/v1/products/{product['id']}"
        etag = registry.client.get(url, headers=registry.officer()).headers["etag"]
        registry.client.patch(
            url, json={"channels": channels}, headers={**registry.officer(), "If-Match": etag}
        )
    response = registry.client.post(
        f"/v1/duplicates/{pair['id']}/merge",
        json={"keep_id": first["id"]},
        headers=registry.officer(),
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "merged"

    kept = registry.client.get(f"/v1/products/{first['id']}").json()
    assert kept["certificate"]["stars"] == 4  # the newer decision stays current
    assert kept["channels"] == ["shopee", "postmart"]
    certificates = registry.client.get(f"/v1/products/{first['id']}/certificates").json()
    assert len(certificates) == 2
    moved = registry.client.get(f"/v1/products/{second['id']}", follow_redirects=False)
    assert moved.status_code == 308
    assert moved.headers["location"] == f"/v1/products/{first['id']}"
    assert moved.json()["merged_into"] == first["id"]
    history = registry.client.get(
        f"/v1/products/{first['id']}/history", headers=registry.officer()
    ).json()
    actions = [(h["entity_id"], h["action"]) for h in history]
    assert (second["id"], "created") in actions and (first["id"], "merged") in actions

    [merged_event] = [e for e in registry.events(second["id"]) if e["type"] == "product.merged"]
    assert merged_event["merged_into"] == first["id"] and merged_event["payload"]["deleted"]
    kept_event = registry.events(first["id"])[-1]
    assert kept_event["type"] == "product.changed"
    assert kept_event["payload"]["certificate"]["stars"] == 4
    listed = registry.client.get("/v1/products", headers=registry.officer()).json()["items"]
    assert [p["id"] for p in listed] == [first["id"]]
