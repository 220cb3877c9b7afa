"""Selling online, both ways: what producers declare and what OCOP Hub listed, and the to-do
list of the gap with what each product lacks."""

from __future__ import annotations

from datetime import timedelta

from ocop_contracts import ListingChanged
from ocop_kit.consumer import consume
from ocop_kit.dates import today_local
from ocop_registry.consumers import handlers
from ocop_registry.stats.listing_rules import ListingFacts, lacks_for_channel

from .conftest import HA_NOI, NINH_BINH

COMPLETE = ListingFacts(
    group="thuc_pham",
    public=True,
    images=["https://anh.example/1.jpg"],
    weight_grams=500,
    description="Gạo thơm",
    price_vnd=90_000,
)


def test_a_complete_certified_product_lacks_nothing_anywhere():
    for channel in ("postmart", "voso", "shopee", "lazada", "tiki", "sendo", "provincial"):
        assert lacks_for_channel(COMPLETE, channel) == []


def test_what_a_product_lacks_follows_each_channels_requirements():
    bare = ListingFacts("thuc_pham", False, [], None, None, 0)
    assert lacks_for_channel(bare, "shopee") == [
        "certificate",
        "images",
        "weight_grams",
        "description",
        "price_vnd",
    ]
    assert lacks_for_channel(bare, "provincial") == ["certificate", "price_vnd"]
    tour = ListingFacts("du_lich", True, ["x"], 1, "d", 1)
    assert lacks_for_channel(tour, "shopee") == ["category"]


def listed(registry, product_id: str, channel: str, status: str = "listed") -> None:
    consume(
        registry.db,
        ListingChanged(
            aggregate_id=f"{product_id}:{channel}",
            version=1,
            payload={"product_id": product_id, "channel": channel, "status": status},
        ),
        handlers,
    )


def test_stats_show_declared_and_listed_by_channel_and_the_gap_as_a_to_do_list(registry):
    producer = registry.producer()
    ready = registry.product(
        producer["id"],
        "Gạo tám Hải Hậu",
        channels=["shopee", "postmart"],
        images=["https://anh.example/gao.jpg"],
        weight_grams=1000,
        description="Gạo tám thơm",
        price_vnd=60_000,
    )
    bare = registry.product(producer["id"], "Nước mắm Hải Hậu", channels=["shopee"])
    registry.product(producer["id"], "Chiếu cói Kim Sơn", group="thu_cong_my_nghe")
    for product in (ready, bare):
        registry.client.post(
            f"/v1/products/{product['id']}/certificate",
            json={
                "stars": 3,
                "level": "provincial",
                "recognised_on": (today_local() - timedelta(days=30)).isoformat(),
            },
            headers=registry.headers(),
        )
    listed(registry, ready["id"], "shopee")
    listed(registry, bare["id"], "shopee", "blocked")

    stats = registry.client.get(f"/v1/stats?province_code={NINH_BINH}").json()
    assert stats["declared_online"] == {
        "count": 2,
        "share": 0.6667,
        "by_channel": {"shopee": 2, "postmart": 1},
    }
    assert stats["listed_via_hub"] == {"count": 1, "share": 0.3333, "by_channel": {"shopee": 1}}
    assert stats["on_ecommerce"] == {"count": 1, "share": 0.3333}
    assert stats["declared_not_listed"] == 2

    gaps = registry.client.get(
        "/v1/stats/listing-gaps", headers=registry.officer(), params={"limit": 1}
    ).json()
    todo = gaps["items"]
    while gaps["next_cursor"]:
        gaps = registry.client.get(
            "/v1/stats/listing-gaps",
            headers=registry.officer(),
            params={"limit": 1, "cursor": gaps["next_cursor"]},
        ).json()
        todo += gaps["items"]
    by_id = {item["id"]: item for item in todo}
    assert set(by_id) == {ready["id"], bare["id"]}
    assert by_id[ready["id"]]["not_listed"] == [
        {"channel": "postmart", "status": None, "lacks": []}
    ]
    assert by_id[ready["id"]]["listed_channels"] == ["shopee"]
    assert by_id[bare["id"]]["not_listed"] == [
        {
            "channel": "shopee",
            "status": "blocked",
            "lacks": ["images", "weight_grams", "description", "price_vnd"],
        }
    ]
    only_postmart = registry.client.get(
        "/v1/stats/listing-gaps", headers=registry.officer(), params={"channel": "postmart"}
    ).json()
    assert [item["id"] for item in only_postmart["items"]] == [ready["id"]]


def test_the_to_do_list_is_for_the_provinces_officers(registry):
    assert registry.client.get("/v1/stats/listing-gaps").status_code == 401
    other = registry.client.get(
        "/v1/stats/listing-gaps",
        params={"province_code": NINH_BINH},
        headers=registry.officer(HA_NOI),
    )
    assert other.status_code == 403
