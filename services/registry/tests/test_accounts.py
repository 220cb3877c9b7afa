"""Password sign-in, its throttling, and the accounts behind it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ocop_kit.auth import decode_token
from ocop_kit.client_address import HEADER as CLIENT_HEADER
from ocop_kit.client_address import vouch_for_client
from ocop_kit.revocation import TokenVersions
from ocop_registry.accounts.password_policy import password_problem
from ocop_registry.app import create_app
from ocop_registry.settings import Settings

from .conftest import HA_NOI, NINH_BINH, Registry

ADMIN_PASSWORD = "mật khẩu quản trị đủ dài"


@pytest.fixture
def registry(postgres_url: str, tmp_path) -> Iterator[Registry]:
    settings = Settings(
        database_url=postgres_url,
        data_dir=tmp_path,
        bootstrap_admin_password=ADMIN_PASSWORD,
        sign_in_max_failures=3,
        sign_in_max_failures_per_user=7,
        sign_in_max_failures_per_client=5,
    )
    with TestClient(create_app(settings)) as client:
        yield Registry(client, settings)


def sign_in(registry: Registry, username: str, password: str):
    return registry.client.post("/v1/auth/token", json={"username": username, "password": password})


def bearer(response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_bootstrap_admin_signs_in_and_gets_a_token_the_services_accept(registry: Registry):
    response = sign_in(registry, "admin", ADMIN_PASSWORD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["role"] == "admin"
    assert body["expires_in"] == registry.settings.token_ttl_seconds
    principal = decode_token(
        registry.settings, TokenVersions(registry.settings), body["access_token"]
    )
    assert principal.role == "admin"
    # The token works for a write.
    created = registry.client.post(
        "/v1/producers",
        json={
            "name": "HTX Gạo Hải Hậu",
            "kind": "cooperative",
            "address": {"legacy": "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định"},
        },
        headers=bearer(response),
    )
    assert created.status_code == 201, created.text


def test_officer_account_token_is_scoped_to_its_province(registry: Registry):
    admin = bearer(sign_in(registry, "admin", ADMIN_PASSWORD))
    created = registry.client.post(
        "/v1/accounts",
        json={
            "username": "canbo.ninhbinh",
            "password": "một mật khẩu rất dài",
            "role": "province_officer",
            "province_code": NINH_BINH,
            "display_name": "Cán bộ OCOP Ninh Bình",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert "password" not in created.text and "hash" not in created.text
    officer = bearer(sign_in(registry, "canbo.ninhbinh", "một mật khẩu rất dài"))
    mine = registry.client.post(
        "/v1/producers",
        json={
            "name": "HTX A",
            "kind": "cooperative",
            "address": {"legacy": "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định"},
        },
        headers=officer,
    )
    assert mine.status_code == 201, mine.text
    elsewhere = registry.client.post(
        "/v1/producers",
        json={"name": "HTX B", "kind": "cooperative", "address": {"ward_code": "00004"}},
        headers=officer,
    )
    assert elsewhere.status_code == 403
    assert elsewhere.headers["content-type"].startswith("application/problem+json")


def test_wrong_password_and_unknown_user_get_the_same_401(registry: Registry):
    wrong = sign_in(registry, "admin", "sai mật khẩu")
    unknown = sign_in(registry, "nobody", "sai mật khẩu")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "Sai tên đăng nhập hoặc mật khẩu"


def test_repeated_failures_pause_sign_in_even_with_the_right_password(registry: Registry):
    for _ in range(3):
        assert sign_in(registry, "admin", "đoán bừa một mật khẩu").status_code == 401
    paused = sign_in(registry, "admin", ADMIN_PASSWORD)
    assert paused.status_code == 429
    assert int(paused.headers["Retry-After"]) > 0
    assert paused.json()["retry_after_seconds"] == int(paused.headers["Retry-After"])
    assert "Đăng nhập sai quá nhiều lần" in paused.json()["detail"]


def test_a_guesser_pauses_only_itself_until_many_clients_fail_one_user(registry: Registry):
    def client_at(address: str) -> TestClient:
        return TestClient(registry.client.app, client=(address, 50000))

    guesser, owner = client_at("203.0.113.7"), client_at("198.51.100.20")
    body = {"username": "admin", "password": "đoán bừa một mật khẩu"}
    for _ in range(3):
        assert guesser.post("/v1/auth/token", json=body).status_code == 401
    assert guesser.post("/v1/auth/token", json=body).status_code == 429
    right = {"username": "admin", "password": ADMIN_PASSWORD}
    assert owner.post("/v1/auth/token", json=right).status_code == 200
    # Failures from many clients still add up to a softer pause of the user name.
    for n in range(7):
        client_at(f"192.0.2.{n}").post("/v1/auth/token", json=body)
    assert owner.post("/v1/auth/token", json=right).status_code == 429


def test_the_portal_vouches_for_the_readers_address_and_nobody_else_can(registry: Registry):
    portal = TestClient(registry.client.app, client=("10.0.0.2", 50000))
    body = {"username": "admin", "password": "đoán bừa một mật khẩu"}
    guesser = {CLIENT_HEADER: vouch_for_client(registry.settings, "203.0.113.7")}
    for _ in range(3):
        assert portal.post("/v1/auth/token", json=body, headers=guesser).status_code == 401
    assert portal.post("/v1/auth/token", json=body, headers=guesser).status_code == 429
    owner = {CLIENT_HEADER: vouch_for_client(registry.settings, "198.51.100.20")}
    right = {"username": "admin", "password": ADMIN_PASSWORD}
    assert portal.post("/v1/auth/token", json=right, headers=owner).status_code == 200
    # A made-up address without the services' key counts as the connection's own address.
    forged = {CLIENT_HEADER: "192.0.2.9 " + "0" * 64}
    for _ in range(3):
        assert portal.post("/v1/auth/token", json=body, headers=forged).status_code == 401
    assert portal.post("/v1/auth/token", json=right, headers=forged).status_code == 429


def test_many_user_names_from_one_client_are_paused_too(registry: Registry):
    for n in range(5):
        assert sign_in(registry, f"user{n}", "sai mật khẩu").status_code == 401
    assert sign_in(registry, "admin", ADMIN_PASSWORD).status_code == 429


def test_a_success_clears_the_user_names_failures(registry: Registry):
    for _ in range(2):
        sign_in(registry, "admin", "sai mật khẩu")
    assert sign_in(registry, "admin", ADMIN_PASSWORD).status_code == 200
    for _ in range(2):
        sign_in(registry, "admin", "sai mật khẩu")
    assert sign_in(registry, "admin", ADMIN_PASSWORD).status_code == 200


def test_deactivated_account_cannot_sign_in_and_the_change_is_in_history(registry: Registry):
    admin = bearer(sign_in(registry, "admin", ADMIN_PASSWORD))
    account = registry.client.post(
        "/v1/accounts",
        json={"username": "vanhanh", "password": "mật khẩu vận hành sàn", "role": "sync_operator"},
        headers=admin,
    )
    assert account.status_code == 201
    etag = account.headers["ETag"]
    changed = registry.client.patch(
        f"/v1/accounts/{account.json()['id']}",
        json={"active": False},
        headers={**admin, "If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    assert sign_in(registry, "vanhanh", "mật khẩu vận hành sàn").status_code == 401
    stale = registry.client.patch(
        f"/v1/accounts/{account.json()['id']}",
        json={"active": True},
        headers={**admin, "If-Match": etag},
    )
    assert stale.status_code == 412
    history = registry.client.get(
        f"/v1/accounts/{account.json()['id']}/history", headers=admin
    ).json()
    assert [h["action"] for h in history] == ["created", "updated"]
    assert history[1]["before"]["active"] is True and history[1]["after"]["active"] is False
    assert "password_hash" not in str(history)


def test_deactivation_and_password_change_revoke_the_accounts_tokens_at_once(
    registry: Registry,
):
    admin = bearer(sign_in(registry, "admin", ADMIN_PASSWORD))
    created = registry.client.post(
        "/v1/accounts",
        json={"username": "canbo.kiemtra", "password": "mật khẩu ban đầu", "role": "admin"},
        headers=admin,
    )
    account_url = f"/v1/accounts/{created.json()['id']}"
    first = bearer(sign_in(registry, "canbo.kiemtra", "mật khẩu ban đầu"))
    second = bearer(sign_in(registry, "canbo.kiemtra", "mật khẩu ban đầu"))
    assert registry.client.get("/v1/accounts", headers=first).status_code == 200
    renamed = registry.client.patch(
        account_url,
        json={"display_name": "Cán bộ kiểm tra"},
        headers={**admin, "If-Match": created.headers["ETag"]},
    )
    assert registry.client.get("/v1/accounts", headers=first).status_code == 200
    changed = registry.client.patch(
        account_url,
        json={"password": "mật khẩu mới hoàn toàn"},
        headers={**admin, "If-Match": renamed.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    for old in (first, second):
        refused = registry.client.get("/v1/accounts", headers=old)
        assert refused.status_code == 401
        assert refused.json()["detail_en"] == "The token was revoked; please sign in again"
    fresh = bearer(sign_in(registry, "canbo.kiemtra", "mật khẩu mới hoàn toàn"))
    assert registry.client.get("/v1/accounts", headers=fresh).status_code == 200
    deactivated = registry.client.patch(
        account_url, json={"active": False}, headers={**admin, "If-Match": changed.headers["ETag"]}
    )
    assert registry.client.get("/v1/accounts", headers=fresh).status_code == 401
    registry.client.patch(
        account_url,
        json={"active": True},
        headers={**admin, "If-Match": deactivated.headers["ETag"]},
    )
    assert registry.client.get("/v1/accounts", headers=fresh).status_code == 401
    # Tokens of no account (`ocop token`, the services' own) carry no version and keep working.
    assert registry.client.get("/v1/accounts", headers=registry.headers()).status_code == 200


def test_revocations_are_published_again_when_the_registry_starts(registry: Registry, tmp_path):
    admin = bearer(sign_in(registry, "admin", ADMIN_PASSWORD))
    accounts = registry.client.get("/v1/accounts", headers=admin)
    admin_url = f"/v1/accounts/{accounts.json()['items'][0]['id']}"
    etag = registry.client.get(admin_url, headers=admin).headers["ETag"]
    registry.client.patch(
        admin_url, json={"password": "mật khẩu quản trị mới"}, headers={**admin, "If-Match": etag}
    )
    # The shared store lost its records (as a Redis without persistence does on restart).
    for store in tmp_path.glob("token-versions.db*"):
        store.unlink()
    with TestClient(create_app(registry.settings)) as restarted:
        assert restarted.get("/v1/accounts", headers=admin).status_code == 401


@pytest.mark.parametrize(
    "password",
    ["Password123!", "123456789012", "qwertyuiop12", "iloveyou1234", "canbo.hanoi.2025"],
)
def test_common_breached_or_username_passwords_are_refused_and_change_nothing(
    registry: Registry, password: str
):
    admin = registry.headers()
    body = {"username": "canbo.hanoi", "password": password, "role": "admin"}
    refused = registry.client.post("/v1/accounts", json=body, headers=admin)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["password"]
    accounts = registry.client.get("/v1/accounts", headers=admin).json()["items"]
    assert [a["username"] for a in accounts] == ["admin"]
    own = registry.client.get(f"/v1/accounts/{accounts[0]['id']}", headers=admin)
    change = registry.client.patch(
        f"/v1/accounts/{accounts[0]['id']}",
        json={"password": password.replace("canbo.hanoi", "admin")},
        headers={**admin, "If-Match": own.headers["ETag"]},
    )
    assert change.status_code == 422, change.text
    assert sign_in(registry, "admin", ADMIN_PASSWORD).status_code == 200


def test_a_long_uncommon_phrase_is_accepted_as_a_password():
    assert password_problem("mùa lúa chín vàng trên cánh đồng", "canbo.hanoi") is None
    assert password_problem("Canbo.Hanoi-rất-bí-mật", "canbo.hanoi") is not None


def test_officer_creates_producer_accounts_only_for_producers_in_their_province(
    registry: Registry,
):
    producer = registry.producer()  # in Ninh Bình
    body = {
        "username": "htx.haidong",
        "password": "mật khẩu của hợp tác xã",
        "role": "producer",
        "producer_id": producer["id"],
    }
    assert (
        registry.client.post(
            "/v1/accounts", json=body, headers=registry.officer(HA_NOI)
        ).status_code
        == 403
    )
    created = registry.client.post("/v1/accounts", json=body, headers=registry.officer())
    assert created.status_code == 201, created.text
    token = bearer(sign_in(registry, "htx.haidong", "mật khẩu của hợp tác xã"))
    assert registry.client.get(f"/v1/producers/{producer['id']}", headers=token).status_code == 200
    officer_account = {
        "username": "canbo2",
        "password": "mật khẩu dài dài dài",
        "role": "province_officer",
        "province_code": NINH_BINH,
    }
    assert (
        registry.client.post(
            "/v1/accounts", json=officer_account, headers=registry.officer()
        ).status_code
        == 403
    )


def test_bad_account_requests_are_refused_and_change_nothing(registry: Registry):
    admin = registry.headers()
    cases = [
        {"username": "ab", "password": "mật khẩu đủ dài rồi", "role": "admin"},
        {"username": "canbo", "password": "ngắn", "role": "admin"},
        {"username": "canbo", "password": "mật khẩu đủ dài rồi", "role": "province_officer"},
        {
            "username": "canbo",
            "password": "mật khẩu đủ dài rồi",
            "role": "producer",
            "producer_id": "không-có",
        },
        {"username": "canbo", "password": "mật khẩu đủ dài rồi", "role": "emperor"},
    ]
    for body in cases:
        response = registry.client.post("/v1/accounts", json=body, headers=admin)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"]
    accounts = registry.client.get("/v1/accounts", headers=admin).json()["items"]
    assert [a["username"] for a in accounts] == ["admin"]
    duplicate = {"username": "admin", "password": "mật khẩu đủ dài rồi", "role": "admin"}
    assert registry.client.post("/v1/accounts", json=duplicate, headers=admin).status_code == 409
