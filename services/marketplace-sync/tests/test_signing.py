"""Request signatures against known vectors, and the simulator refusing bad ones."""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi.testclient import TestClient

from ocop_marketplace_sync.adapters.signing import generic_sign, lazada_sign, shopee_sign
from ocop_marketplace_sync.simulator import SimConfig, create_simulator


def test_lazada_signature_matches_the_published_documentation_vector():
    # Lazada Open Platform's signature example (app secret "helloworld").
    params = {
        "app_key": "12345678",
        "code": "3_500102_JxZ05Ux3cnnSSUm6dCxYg6Q26",
        "sign_method": "sha256",
        "timestamp": "1517820392000",
    }
    assert (
        lazada_sign("helloworld", "/auth/token/create", params)
        == "35607762342831B6A417A0DED84B79C05FEFBF116969C48AD6DC00279A9F4D81"
    )


def test_lazada_signature_ignores_the_sign_parameter_and_parameter_order():
    params = {"b": "2", "a": "1", "sign": "whatever"}
    assert lazada_sign("k", "/p", params) == lazada_sign("k", "/p", {"a": "1", "b": "2"})


def test_shopee_shop_api_signature_is_lowercase_hmac_over_the_five_parts():
    # Vector computed independently with `openssl dgst -sha256 -hmac`.
    sign = shopee_sign(
        "sim-shopee-partner-key",
        "2001001",
        "/api/v2/product/add_item",
        1700000000,
        "sim-token",
        "220001",
    )
    assert sign == "96057b009cdb5ef7d1ea7640b27c65b18c7831680ca31ef27044b149662446f9"


def test_shopee_public_api_signature_leaves_out_token_and_shop():
    sign = shopee_sign(
        "sim-shopee-partner-key", "2001001", "/api/v2/auth/access_token/get", 1700000000
    )
    assert sign == "85cfb5de46f94429381432589decee0d54c56ab09900b64ffe200e3d42f1029b"


def test_generic_signature_covers_method_path_timestamp_and_body():
    sign = generic_sign("secret", "post", "/v1/products", 1700000000, b'{"sku":"A"}')
    assert sign == "972a4a1dc877b43492ef0b4ead582527ad8e77a46184affdd1170b14f629cf11"
    assert generic_sign("secret", "POST", "/v1/products", 1700000000, b'{"sku":"B"}') != sign


@pytest.fixture
def sim(simulator):
    return simulator(rate_limit=0)


def test_simulator_refuses_a_shopee_request_with_a_wrong_signature(sim):
    timestamp = int(time.time())
    response = httpx.post(
        f"{sim}/shopee/api/v2/auth/access_token/get",
        params={"partner_id": "2001001", "timestamp": timestamp, "sign": "0" * 64},
        json={"refresh_token": "sim-shopee-bootstrap-refresh", "shop_id": 220001},
    )
    assert response.status_code == 403
    assert response.json()["error"] == "error_sign"


def test_simulator_refuses_a_shopee_timestamp_older_than_five_minutes(sim):
    path = "/api/v2/auth/access_token/get"
    timestamp = int(time.time()) - 301
    sign = shopee_sign("sim-shopee-partner-key", "2001001", path, timestamp)
    response = httpx.post(
        f"{sim}/shopee{path}",
        params={"partner_id": "2001001", "timestamp": timestamp, "sign": sign},
        json={"refresh_token": "sim-shopee-bootstrap-refresh", "shop_id": 220001},
    )
    assert response.status_code == 403
    assert response.json()["error"] == "error_auth"


def test_simulator_accepts_a_correctly_signed_lazada_call_and_refuses_a_tampered_one(sim):
    params = {
        "app_key": "100001",
        "timestamp": str(int(time.time() * 1000)),
        "sign_method": "sha256",
        "access_token": "sim-lazada-access-token",
        "filter": "all",
    }
    params["sign"] = lazada_sign("sim-lazada-app-secret", "/products/get", params)
    assert httpx.get(f"{sim}/lazada/rest/products/get", params=params).json()["code"] == "0"
    tampered = {**params, "filter": "live"}
    refused = httpx.get(f"{sim}/lazada/rest/products/get", params=tampered)
    assert refused.json()["code"] == "IncompleteSignature"


def test_the_simulators_reset_needs_its_admin_key() -> None:
    without_key = TestClient(create_simulator(SimConfig()))
    assert without_key.post("/_sim/reset").status_code == 403
    assert without_key.post("/_sim/reset", headers={"X-Sim-Admin-Key": ""}).status_code == 403
    keyed = TestClient(create_simulator(SimConfig(admin_key="sim-admin-key")))
    assert keyed.post("/_sim/reset", headers={"X-Sim-Admin-Key": "guess"}).status_code == 403
    answer = keyed.post("/_sim/reset", headers={"X-Sim-Admin-Key": "sim-admin-key"})
    assert answer.json() == {"status": "reset"}
