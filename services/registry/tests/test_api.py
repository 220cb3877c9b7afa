"""The Registry HTTP API against PostgreSQL: contract, events, authorisation, validation."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import load_workbook

from ocop_contracts import PRODUCT_GROUP_CODES, EvaluationDecided, ListingChanged, parse_event
from ocop_kit.consumer import consume
from ocop_kit.dates import today_local
from ocop_registry.certificates.rules import expiry_for
from ocop_registry.consumers import handlers
from ocop_registry.stats.service import stats_workbook

from .conftest import HA_NOI, NINH_BINH


def test_producer_with_legacy_address_gets_current_units(registry):
    producer = registry.producer()
    address = producer["address"]
    assert address["province_code"] == NINH_BINH and address["province_name"] == "Ninh Bình"
    assert address["ward_code"] == "14287" and address["ward_name"] == "Xã Hải Quang"
    assert address["legacy"] == "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định"
    assert address["legacy_district"] == "Huyện Hải Hậu"


def test_producer_by_ward_code(registry):
    response = registry.client.post(
        "/v1/producers",
        json={"name": "HTX Gốm", "kind": "cooperative", "address": {"ward_code": "00070"}},
        headers=registry.officer(HA_NOI),
    )
    assert response.status_code == 201
    assert response.json()["address"]["ward_name"] == "Phường Hoàn Kiếm"


def test_unresolvable_address_is_422_naming_the_part_and_writes_nothing(registry):
    response = registry.client.post(
        "/v1/producers",
        json={
            "name": "HTX X",
            "kind": "household",
            "address": {"legacy": "Xã Foo, Huyện Bar, Tỉnh Nam Định"},
        },
        headers=registry.headers(),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == "address.legacy" and "Huyện Bar" in error["message"]
    listed = registry.client.get("/v1/producers", headers=registry.headers()).json()
    assert listed["items"] == []


def test_invalid_product_is_422_with_every_field_and_no_event(registry):
    producer = registry.producer()
    response = registry.client.post(
        "/v1/products",
        json={
            "producer_id": producer["id"],
            "name": "Gạo",
            "group": "khong_co",
            "barcode": "8935049500017",
            "channels": ["amazon"],
            "price_vnd": -5,
        },
        headers=registry.headers(),
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"group", "barcode", "channels", "price_vnd"}
    assert registry.events() == []


def test_product_create_publishes_full_snapshot_with_version_1(registry):
    producer = registry.producer()
    product = registry.product(
        producer["id"],
        group="Thảo dược",
        barcode="8935049500018",
        channels=["shopee", "voso"],
        certifications=[{"scheme": "viet gap", "number": "VG-01"}],
        price_vnd=120000,
        unit="hộp",
    )
    assert product["group"] == "duoc_lieu" and product["certificate"] is None
    [event] = registry.events(product["id"])
    parsed = parse_event(event)
    assert parsed.type == "product.changed" and parsed.version == 1
    snapshot = parsed.payload
    assert snapshot.producer.name == "HTX Nông nghiệp Hải Đông"
    assert snapshot.address.legacy_district == "Huyện Hải Hậu"
    assert snapshot.group_name == "Dược liệu và sản phẩm từ dược liệu"
    assert snapshot.certifications[0].scheme == "VietGAP"
    assert snapshot.channels == ["shopee", "voso"] and snapshot.price_vnd == 120000


def sync_reports_listing(registry, product_id: str, status: str) -> None:
    """The sync service's `listing.changed` for the product on Shopee, through the consumer."""
    payload = {"product_id": product_id, "channel": "shopee", "status": status}
    consume(registry.db, ListingChanged(aggregate_id="l1", version=1, payload=payload), handlers)


def test_uncertified_product_is_hidden_from_the_public_but_not_its_officer(registry):
    product = registry.product(registry.producer()["id"])
    assert registry.client.get(f"/v1/products/{product['id']}").status_code == 404
    assert registry.client.get("/v1/products").json()["items"] == []
    officer = registry.client.get(f"/v1/products/{product['id']}", headers=registry.officer())
    assert officer.status_code == 200


def test_council_members_and_sync_operators_do_not_read_unpublished_products_nationwide(
    registry,
):
    product = registry.product(registry.producer()["id"])
    url = f"/v1/products/{product['id']}"
    for role in ("council_member", "sync_operator"):
        headers = registry.headers(role)
        assert registry.client.get(url, headers=headers).status_code == 404, role
        assert registry.client.get(f"{url}/history", headers=headers).status_code == 403, role
        assert registry.client.get("/v1/products", headers=headers).json()["items"] == [], role
    # Once the sync service has a listing of it, the product is sync's business.
    sync_reports_listing(registry, product["id"], "delisted")
    operator = registry.headers("sync_operator")
    assert registry.client.get(url, headers=operator).status_code == 200
    listed = registry.client.get("/v1/products", headers=operator).json()["items"]
    assert [p["id"] for p in listed] == [product["id"]]
    council = registry.headers("council_member")
    assert registry.client.get(url, headers=council).status_code == 404
    assert registry.client.get(url, headers=registry.headers()).status_code == 200


def test_officer_of_another_province_gets_403(registry):
    producer = registry.producer()
    product = registry.product(producer["id"])
    other = registry.officer(HA_NOI)
    assert (
        registry.client.post(
            "/v1/products",
            json={"producer_id": producer["id"], "name": "Mắm", "group": "thuc_pham"},
            headers=other,
        ).status_code
        == 403
    )
    assert (
        registry.client.patch(
            f"/v1/products/{product['id']}", json={"price_vnd": 1}, headers=other
        ).status_code
        == 403
    )
    assert (
        registry.client.post(
            "/v1/producers",
            json={
                "name": "HTX Y",
                "kind": "household",
                "address": {"legacy": "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định"},
            },
            headers=other,
        ).status_code
        == 403
    )
    assert registry.client.post(
        f"/v1/products/{product['id']}/certificate/revoke",
        json={"reason": "sai"},
        headers=other,
    ).status_code in (403, 409)


def test_producer_acts_only_on_its_own_products(registry):
    mine = registry.producer()
    theirs = registry.producer("HTX Khác")
    product = registry.product(theirs["id"])
    own = registry.headers("producer", producer_id=mine["id"])
    assert (
        registry.client.post(
            "/v1/products",
            json={"producer_id": mine["id"], "name": "Nếp", "group": "thuc_pham"},
            headers=own,
        ).status_code
        == 201
    )
    assert (
        registry.client.patch(
            f"/v1/products/{product['id']}", json={"price_vnd": 1}, headers=own
        ).status_code
        == 403
    )


def test_writes_need_a_token(registry):
    response = registry.client.post("/v1/producers", json={})
    assert response.status_code == 401


def test_update_with_stale_etag_is_412_and_current_etag_succeeds(registry):
    product = registry.product(registry.producer()["id"])
    read = registry.client.get(f"/v1/products/{product['id']}", headers=registry.headers())
    etag = read.headers["etag"]
    first = registry.client.patch(
        f"/v1/products/{product['id']}",
        json={"price_vnd": 50000},
        headers={**registry.headers(), "If-Match": etag},
    )
    assert first.status_code == 200 and first.json()["price_vnd"] == 50000
    assert first.headers["etag"] != etag
    stale = registry.client.patch(
        f"/v1/products/{product['id']}",
        json={"price_vnd": 1},
        headers={**registry.headers(), "If-Match": etag},
    )
    assert stale.status_code == 412
    assert (
        registry.client.get(f"/v1/products/{product['id']}", headers=registry.headers()).json()[
            "price_vnd"
        ]
        == 50000
    )
    versions = [e["version"] for e in registry.events(product["id"])]
    assert versions == [1, 2]


def test_history_keeps_who_when_before_and_after(registry):
    product = registry.product(registry.producer()["id"])
    registry.client.patch(
        f"/v1/products/{product['id']}",
        json={"name": "Gạo tám xoan Hải Hậu"},
        headers=registry.officer(),
    )
    registry.client.post(
        f"/v1/products/{product['id']}/certificate",
        json={"stars": 3, "level": "district", "recognised_on": "2024-05-01"},
        headers=registry.officer(),
    )
    history = registry.client.get(
        f"/v1/products/{product['id']}/history", headers=registry.officer()
    ).json()
    assert [h["action"] for h in history] == ["created", "updated", "issued"]
    assert history[1]["before"]["name"] == "Gạo tám Hải Hậu"
    assert history[1]["after"]["name"] == "Gạo tám xoan Hải Hậu"
    assert history[1]["actor"] == "province_officer"
    assert (
        registry.client.get(
            f"/v1/products/{product['id']}/history", headers=registry.officer(HA_NOI)
        ).status_code
        == 403
    )


def test_producer_change_fans_out_to_its_products(registry):
    producer = registry.producer()
    first = registry.product(producer["id"], name="Gạo")
    second = registry.product(producer["id"], name="Nếp")
    response = registry.client.patch(
        f"/v1/producers/{producer['id']}",
        json={"name": "HTX Hải Đông mới"},
        headers=registry.officer(),
    )
    assert response.status_code == 200
    for product in (first, second):
        events = registry.events(product["id"])
        assert [e["version"] for e in events] == [1, 2]
        assert events[-1]["payload"]["producer"]["name"] == "HTX Hải Đông mới"


def _decision(
    product_id: str, outcome: str, stars: int, decided_on: date, application: str = "a1"
) -> EvaluationDecided:
    return EvaluationDecided(
        aggregate_id=application,
        version=1,
        payload={
            "session_id": "s1",
            "application_id": application,
            "product_id": product_id,
            "level": "provincial",
            "province_code": NINH_BINH,
            "criteria_set": "148/2023",
            "total": 75.5,
            "stars": stars,
            "outcome": outcome,
            "decision_no": "88/QĐ-UBND",
            "decided_on": decided_on.isoformat(),
        },
    )


def test_recognised_evaluation_issues_certificate_and_upgrade_keeps_the_old_one(registry):
    product = registry.product(registry.producer()["id"])
    decided = today_local() - timedelta(days=10)
    assert (
        consume(registry.db, _decision(product["id"], "not_recognised", 2, decided, "a0"), handlers)
        == "applied"
    )
    assert registry.events(product["id"])[-1]["version"] == 1  # nothing issued
    consume(registry.db, _decision(product["id"], "recognised", 3, decided), handlers)
    upgrade = _decision(product["id"], "recognised", 4, decided + timedelta(days=5), "a2")
    consume(registry.db, upgrade, handlers)
    public = registry.client.get(f"/v1/products/{product['id']}").json()
    certificate = public["certificate"]
    assert certificate["stars"] == 4 and certificate["level"] == "provincial"
    assert certificate["status"] == "valid"
    assert certificate["expires_on"] == expiry_for(decided + timedelta(days=5)).isoformat()
    events = registry.events(product["id"])
    assert [e["type"] for e in events] == [
        "product.changed",
        "certificate.issued",
        "certificate.issued",
    ]
    assert [e["version"] for e in events] == [1, 2, 3]
    history = registry.client.get(
        f"/v1/products/{product['id']}/history", headers=registry.headers()
    ).json()
    assert [h["action"] for h in history].count("replaced") == 1
    held = registry.client.get(f"/v1/products/{product['id']}/certificates").json()
    assert [(c["stars"], c["current"], c["source"]) for c in held] == [
        (4, True, "evaluation"),
        (3, False, "evaluation"),
    ]
    assert held[1]["replaced_at"] is not None


def test_revoked_certificate_hides_product_and_publishes_revoked(registry):
    product = registry.product(registry.producer()["id"])
    registry.client.post(
        f"/v1/products/{product['id']}/certificate",
        json={"stars": 4, "level": "provincial", "recognised_on": "2025-09-01"},
        headers=registry.officer(),
    )
    assert registry.client.get(f"/v1/products/{product['id']}").status_code == 200
    response = registry.client.post(
        f"/v1/products/{product['id']}/certificate/revoke",
        json={"reason": "Vi phạm an toàn thực phẩm"},
        headers=registry.officer(),
    )
    assert response.status_code == 200 and response.json()["certificate"]["status"] == "revoked"
    assert registry.client.get(f"/v1/products/{product['id']}").status_code == 404
    last = registry.events(product["id"])[-1]
    assert last["type"] == "certificate.revoked" and last["payload"]["certificate"]["status"] == (
        "revoked"
    )


def test_product_list_filters_by_province_stars_group_and_status(registry):
    producer = registry.producer()
    for name, stars, group in (
        ("AA", 3, "thuc_pham.che"),
        ("BB", 4, "do_uong"),
        ("CC", 4, "thuc_pham"),
    ):
        product = registry.product(producer["id"], name=name, group=group)
        registry.client.post(
            f"/v1/products/{product['id']}/certificate",
            json={"stars": stars, "level": "provincial", "recognised_on": "2025-09-01"},
            headers=registry.headers(),
        )
    get = registry.client.get
    assert {p["name"] for p in get("/v1/products?stars=4").json()["items"]} == {"BB", "CC"}
    assert {p["name"] for p in get("/v1/products?group=thuc_pham").json()["items"]} == {"AA", "CC"}
    assert len(get(f"/v1/products?province_code={NINH_BINH}&status=valid").json()["items"]) == 3
    assert get(f"/v1/products?province_code={HA_NOI}").json()["items"] == []
    page = get("/v1/products?limit=2").json()
    rest = get(f"/v1/products?limit=2&cursor={page['next_cursor']}").json()
    assert len(page["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None


def test_export_gives_every_product_with_version_to_admins_only(registry):
    producer = registry.producer()
    registry.product(producer["id"], name="AA")
    registry.product(producer["id"], name="BB")
    assert registry.client.get("/v1/export/products", headers=registry.officer()).status_code == (
        403
    )
    page = registry.client.get("/v1/export/products?limit=1", headers=registry.headers()).json()
    assert len(page["items"]) == 1 and page["items"][0]["version"] == 1
    assert page["items"][0]["certificate"] is None and page["next_cursor"]


def test_stats_and_excel_report(registry):
    producer = registry.producer()
    for name in ("AA", "BB"):
        product = registry.product(producer["id"], name=name)
        registry.client.post(
            f"/v1/products/{product['id']}/certificate",
            json={
                "stars": 3,
                "level": "district",
                "recognised_on": (today_local() - timedelta(days=1000)).isoformat(),
            },
            headers=registry.headers(),
        )
    sync_reports_listing(registry, product["id"], "listed")
    stats = registry.client.get(f"/v1/stats?province_code={NINH_BINH}").json()
    assert stats["products_total"] == 2
    assert stats["by_stars"] == {"3": 2, "4": 0, "5": 0}
    assert stats["by_group"] == {"thuc_pham": 2}
    assert stats["by_producer_kind"] == {"cooperative": 2}
    assert stats["by_legacy_district"] == {"Huyện Hải Hậu, Tỉnh Nam Định": 2}
    assert stats["by_province"] == {NINH_BINH: 2}
    assert stats["on_ecommerce"] == {"count": 1, "share": 0.5}
    assert stats["expiring_within_180_days"] == 2
    assert stats["by_status"] == {"valid": 0, "expiring": 2, "expired": 0, "revoked": 0, "none": 0}
    assert registry.client.get(f"/v1/stats?province_code={HA_NOI}").json()["products_total"] == 0
    assert registry.client.get("/v1/stats?province_code=99").status_code == 422
    response = registry.client.get(f"/v1/stats.xlsx?province_code={NINH_BINH}")
    workbook = load_workbook(io.BytesIO(response.content))
    summary = {row[0]: row[1] for row in workbook["Tổng hợp"].iter_rows(values_only=True)}
    assert summary["Tổng số sản phẩm"] == 2 and summary["Tỉnh/thành phố"] == "Ninh Bình"
    assert list(workbook["Theo hạng sao"].iter_rows(values_only=True))[1] == ("3 sao", 2)


def test_stats_workbook_cells_cannot_carry_formulas():
    counts = {'=HYPERLINK("http://evil.example","Click")': 3}
    stats = {
        "province_name": "@SUM(A1:A9)",
        "as_of": "2026-06-01",
        "products_total": 3,
        "certified_total": 3,
        "on_ecommerce": {"count": 1, "share": 0.3333},
        "declared_online": {"count": 2, "share": 0.6667, "by_channel": counts},
        "listed_via_hub": {"count": 1, "share": 0.3333, "by_channel": {}},
        "declared_not_listed": 1,
        "expiring_within_180_days": 0,
        **{
            key: {}
            for key in ("by_stars", "by_status", "by_group", "by_product_set", "by_producer_kind")
        },
        **{key: counts for key in ("by_commune", "by_legacy_district", "by_province")},
    }
    workbook = load_workbook(io.BytesIO(stats_workbook(stats)))
    assert workbook["Tổng hợp"]["B2"].value == "'@SUM(A1:A9)"
    for title in ("Theo xã phường", "Theo huyện cũ", "Theo tỉnh"):
        label, count = workbook[title]["A2"], workbook[title]["B2"]
        assert label.data_type == "s" and label.value.startswith("'=HYPERLINK(")
        assert count.value == 3


def test_nul_in_a_query_path_or_body_is_a_422_not_a_database_error(registry):
    producer = registry.producer()
    for url in ("/v1/products?province_code=%00", "/v1/producers/%00", "/v1/products?group=a%00"):
        response = registry.client.get(url, headers=registry.headers())
        assert response.status_code == 422, (url, response.text)
    body = {"producer_id": "\x00", "name": "Gạo", "group": "thuc_pham"}
    response = registry.client.post("/v1/products", json=body, headers=registry.headers())
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "producer_id"
    body = {"producer_id": producer["id"], "name": "Gạo", "group": "thuc_pham", "unit": "\x00"}
    response = registry.client.post("/v1/products", json=body, headers=registry.headers())
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "unit"
    response = registry.client.post("/v1/auth/token", json={"username": "\x00", "password": "x"})
    assert response.status_code == 422


def test_product_groups_are_served_with_names_and_the_1048_mapping(registry):
    data = registry.client.get("/v1/product-groups").json()
    assert tuple(g["code"] for g in data["groups"]) == PRODUCT_GROUP_CODES
    assert data["groups"][0]["name_en"] == "Food"
    assert {"name_vi": "Thảo dược", "maps_to": "duoc_lieu"} in data["legacy_1048"]


def test_two_transactions_changing_one_product_publish_increasing_versions(registry):
    from ocop_contracts import ProductChanged
    from ocop_registry.events import announce
    from ocop_registry.products.models import Product

    product = registry.product(registry.producer()["id"])
    first = registry.db.sessions()
    second = registry.db.sessions()
    try:
        # Both read version 1 before either writes.
        in_first = first.get(Product, product["id"])
        in_second = second.get(Product, product["id"])
        assert in_first.version == in_second.version == 1
        announce(first, ProductChanged, in_first)
        first.commit()
        announce(second, ProductChanged, in_second)
        second.commit()
    finally:
        first.close()
        second.close()
    assert [e["version"] for e in registry.events(product["id"])] == [1, 2, 3]


def test_admin_units_lists_and_resolves(registry):
    provinces = registry.client.get("/v1/admin-units/provinces").json()
    assert len(provinces) == 34 and {"code": "37", "name": "Ninh Bình"} in provinces
    wards = registry.client.get("/v1/admin-units/provinces/37/wards").json()
    assert {"code": "14287", "name": "Xã Hải Quang"} in wards
    resolved = registry.client.get(
        "/v1/admin-units/resolve", params={"address": "Xã Hải Đông, Huyện Hải Hậu, Nam Định"}
    ).json()
    assert resolved["ward_code"] == "14287" and resolved["legacy_district"] == "Huyện Hải Hậu"
    bad = registry.client.get("/v1/admin-units/resolve", params={"address": "Xã Foo, Ninh Bình"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["part"] == "ward"


def test_withdrawn_product_leaves_lists_and_stats_and_announces_deleted(registry):
    product = registry.product(registry.producer()["id"])
    registry.client.post(
        f"/v1/products/{product['id']}/certificate",
        json={"stars": 4, "level": "provincial", "recognised_on": "2025-09-01"},
        headers=registry.officer(),
    )
    assert (
        registry.client.delete(
            f"/v1/products/{product['id']}", headers=registry.officer(HA_NOI)
        ).status_code
        == 403
    )
    response = registry.client.delete(
        f"/v1/products/{product['id']}",
        params={"reason": "Ngừng sản xuất"},
        headers=registry.officer(),
    )
    assert response.status_code == 204
    assert registry.client.get(f"/v1/products/{product['id']}").status_code == 404
    assert registry.client.get("/v1/products").json()["items"] == []
    assert registry.client.get("/v1/stats").json()["products_total"] == 0
    last = registry.events(product["id"])[-1]
    assert last["type"] == "product.changed" and last["payload"]["deleted"] is True
    exported = registry.client.get("/v1/export/products", headers=registry.headers()).json()
    assert exported["items"][0]["deleted"] is True


def test_renaming_a_producer_onto_another_is_422_and_changes_nothing(registry):
    registry.producer("HTX Một")
    other = registry.producer("HTX Hai")
    response = registry.client.patch(
        f"/v1/producers/{other['id']}", json={"name": "htx mot"}, headers=registry.headers()
    )
    assert response.status_code == 422
    again = registry.client.get(f"/v1/producers/{other['id']}", headers=registry.headers())
    assert again.json()["name"] == "HTX Hai" and again.json()["version"] == 1


def test_renaming_a_product_onto_a_sibling_is_422(registry):
    producer = registry.producer()
    registry.product(producer["id"], name="Gạo tám")
    other = registry.product(producer["id"], name="Gạo nếp")
    response = registry.client.patch(
        f"/v1/products/{other['id']}", json={"name": "GẠO TÁM"}, headers=registry.headers()
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "name"
    assert [e["version"] for e in registry.events(other["id"])] == [1]
