"""A sync operator reads listings by channel and status; the shopper sees where to buy."""

from __future__ import annotations

from typing import Any

from ocop_kit.testing import wait_for


def test_operator_sees_listing_by_channel_and_shopper_sees_where_to_buy(
    page: Any,
    system: Any,
    certified_product: dict[str, Any],
    signed_in: Any,
    shot: Any,
    check_labels: Any,
) -> None:
    portal = system.urls["portal"]
    sync = system.client("marketplace_sync", "sync_operator")

    def listed() -> bool:
        answer = sync.get("/v1/listings", params={"product_id": certified_product["id"]})
        return any(row["status"] == "listed" for row in answer.json().get("items", []))

    wait_for(listed, timeout=90, interval=1.0, message="the product to be listed on a channel")
    listings = sync.get("/v1/listings", params={"product_id": certified_product["id"]}).json()
    channel = next(row["channel"] for row in listings["items"] if row["status"] == "listed")

    signed_in(page, portal, "sync_operator", name="van-hanh")
    page.goto(portal + "/sync")
    check_labels(page)
    matrix = page.locator("#status-matrix")
    assert matrix.count() == 1
    cell = matrix.locator(f"td[data-channel='{channel}'][data-status='listed']")
    assert int(cell.inner_text()) >= 1
    shot(page, "sync-status")

    page.goto(f"{portal}/products/{certified_product['id']}")
    shops = page.locator("#where-to-buy").inner_text()
    names = {"postmart": "Postmart", "provincial": "Sàn TMĐT tỉnh"}
    assert names.get(channel, channel) in shops
