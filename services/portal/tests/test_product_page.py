"""Product page rendering (STUB BACKENDS: see conftest.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ocop_portal.app import create_app
from ocop_portal.settings import Settings

PRODUCT = {
    "id": "p1",
    "name": "Nước mắm cá cơm Hải Đông",
    "group": "thuc_pham",
    "price_vnd": 85000,
    "unit": "chai 500 ml",
    "images": ["http://testserver/static/no-photo.svg"],
    "certifications": [{"scheme": "VietGAP", "number": "VG-1", "valid_until": "2027-01-31"}],
    "producer": {"id": "pr1", "name": "HTX Hải Đông", "kind": "cooperative"},
    "address": {
        "province_code": "37",
        "province_name": "Ninh Bình",
        "ward_name": "Xã Hải Quang",
        "legacy": "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định",
    },
    "certificate": {
        "stars": 4,
        "level": "provincial",
        "decision_no": "104/QĐ-UBND",
        "recognised_on": "2025-10-01",
        "expires_on": "2028-10-01",
        "status": "valid",
    },
}


def test_product_page_shows_certificate_addresses_where_to_buy_and_qr(
    client: TestClient, stubs: Any
) -> None:
    stubs.on("registry", "GET", "/v1/products/p1", PRODUCT)
    stubs.on(
        "marketplace_sync",
        "GET",
        "/v1/products/p1/where-to-buy",
        [
            {
                "channel": "postmart",
                "channel_name": "Postmart (Bưu điện)",
                "external_id": "PM-9",
                "price_vnd": 82000,
                "listing_url": "https://postmart.vn/p/nuoc-mam-PM-9.html",
            },
            {"channel": "voso", "channel_name": "Voso", "external_id": "p1", "price_vnd": 85000},
        ],
    )
    page = client.get("/products/p1")
    assert page.status_code == 200
    html = page.text
    assert "4 sao OCOP" in html and "Còn hiệu lực" in html and "01/10/2028" in html
    assert "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định" in html
    assert "Xã Hải Quang, Ninh Bình" in html
    assert "85.000 ₫ / chai 500 ml" in html
    assert "Hợp tác xã" in html and "VietGAP" in html
    where = html.split('id="where-to-buy"')[1].split("</ul>")[0]
    # A button per marketplace to its listing page, with the price there; no internal codes.
    assert 'href="https://postmart.vn/p/nuoc-mam-PM-9.html"' in where
    assert "Mua trên <strong>Postmart</strong>" in where and "82.000 ₫" in where
    assert "Voso" in where and "85.000 ₫" in where and "mã" not in where
    # Public: asked without a token, even by a signed-in reader.
    asked = stubs.requests_to("marketplace_sync", "/v1/products/p1/where-to-buy")
    assert "authorization" not in asked[0].headers
    assert "<svg" in html and "http://127.0.0.1:8000/products/p1" in html  # canonical, og:url
    assert "http://127.0.0.1:8000/q/" in html  # what the QR code encodes
    qr = client.get("/products/p1/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")


def test_product_links_come_from_the_configured_address_never_the_host_header(
    settings: Any, stubs: Any
) -> None:
    stubs.on("registry", "GET", "/v1/products/p1", PRODUCT)
    stubs.on("marketplace_sync", "GET", "/v1/products/p1/where-to-buy", [])
    public = settings.model_copy(update={"public_base_url": "https://ocop.example.vn/"})
    with TestClient(create_app(public, httpx.MockTransport(stubs))) as client:
        html = client.get("/products/p1", headers={"Host": "evil.example"}).text
        assert "https://ocop.example.vn/products/p1" in html
        assert "evil.example" not in html
        plain = client.get("/products/p1/qr.svg", headers={"Host": "evil.example"})
        assert "https://ocop.example.vn/q/" in plain.text  # the SVG's title: the short address
        assert "evil.example" not in plain.text
    fields = settings.model_dump(exclude={"public_base_url", "environment", "dev_sign_in"})
    with pytest.raises(ValueError, match="OCOP_PUBLIC_BASE_URL"):
        Settings(**fields, environment="production")
    with pytest.raises(ValueError):
        Settings(**fields, public_base_url="javascript:alert(1)")


def test_product_page_survives_marketplace_sync_being_down(client: TestClient, stubs: Any) -> None:
    stubs.on("registry", "GET", "/v1/products/p1", PRODUCT)
    stubs.down.add("marketplace_sync")
    page = client.get("/products/p1")
    assert page.status_code == 200
    assert "Tạm thời chưa xem được danh sách sàn bán" in page.text


def test_unknown_product_is_a_404_page_not_an_error(client: TestClient, stubs: Any) -> None:
    stubs.on(
        "registry",
        "GET",
        "/v1/products/nope",
        {"detail": "Không có sản phẩm này", "detail_en": "No such product"},
        status=404,
    )
    page = client.get("/products/nope")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    assert "Không có sản phẩm này" in page.text
    stubs.down.add("registry")
    down = client.get("/products/nope", params={"lang": "en"})
    assert down.status_code == 503 and "Could not reach the product registry" in down.text


def test_pages_carry_security_headers(client: TestClient) -> None:
    page = client.get("/sign-in")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["server-timing"].startswith("app;dur=")


def test_api_paths_keep_problem_json(client: TestClient) -> None:
    missing = client.get("/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert client.get("/no-such-page").headers["content-type"].startswith("text/html")


def test_a_merged_products_page_shows_the_product_it_was_merged_into(
    client: TestClient, stubs: Any
) -> None:
    stubs.handler(
        "registry",
        "GET",
        "/v1/products/p2",
        lambda _: httpx.Response(
            308, headers={"Location": "/v1/products/p1"}, json={"merged_into": "p1"}
        ),
    )
    stubs.on("registry", "GET", "/v1/products/p1", PRODUCT)
    stubs.on("marketplace_sync", "GET", "/v1/products/p2/where-to-buy", [])
    page = client.get("/products/p2")
    assert page.status_code == 200
    assert "Nước mắm cá cơm Hải Đông" in page.text
