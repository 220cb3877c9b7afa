"""Password reset: an administrator issues a one-time, expiring code; the person sets a new
password with it under the same strength rule; the account's older tokens stop working."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ocop_kit.db import utc_now
from ocop_registry.accounts.models import Account, PasswordReset
from ocop_registry.app import create_app
from ocop_registry.settings import Settings

from .conftest import NINH_BINH, Registry

ADMIN_PASSWORD = "mật khẩu quản trị đủ dài"
FIRST_PASSWORD = "mật khẩu ban đầu của lan"
NEW_PASSWORD = "sông Hồng chảy qua ba tỉnh"


@pytest.fixture
def registry(postgres_url: str, tmp_path) -> Iterator[Registry]:
    settings = Settings(
        database_url=postgres_url, data_dir=tmp_path, bootstrap_admin_password=ADMIN_PASSWORD
    )
    with TestClient(create_app(settings)) as client:
        yield Registry(client, settings)


def token_of(registry: Registry, username: str, password: str) -> dict[str, str]:
    answer = registry.client.post(
        "/v1/auth/token", json={"username": username, "password": password}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def officer(registry: Registry) -> dict[str, str]:
    admin = token_of(registry, "admin", ADMIN_PASSWORD)
    created = registry.client.post(
        "/v1/accounts",
        json={
            "username": "lan.ninhbinh",
            "password": FIRST_PASSWORD,
            "role": "province_officer",
            "province_code": NINH_BINH,
            "display_name": "Nguyễn Thị Lan",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    return {"id": created.json()["id"], **admin}


def issue(registry: Registry, officer: dict[str, str]):
    return registry.client.post(
        f"/v1/accounts/{officer['id']}/password-reset",
        headers={"Authorization": officer["Authorization"]},
    )


def test_reset_code_sets_a_new_password_once_and_revokes_older_tokens(
    registry: Registry, officer: dict[str, str]
) -> None:
    old_token = token_of(registry, "lan.ninhbinh", FIRST_PASSWORD)
    own = f"/v1/accounts/{officer['id']}"
    # An officer may not manage their own account (403): the token itself is accepted.
    assert registry.client.get(own, headers=old_token).status_code == 403
    issued = issue(registry, officer)
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["username"] == "lan.ninhbinh" and len(body["code"]) >= 20
    # Only a hash is stored.
    with registry.db.session() as session:
        stored = session.scalars(select(PasswordReset)).one()
        assert body["code"] not in stored.code_hash

    done = registry.client.post(
        "/v1/auth/password-reset", json={"code": body["code"], "password": NEW_PASSWORD}
    )
    assert done.status_code == 200, done.text
    assert done.json() == {"username": "lan.ninhbinh"}
    refused = registry.client.get(own, headers=old_token)
    assert refused.status_code == 401
    assert refused.json()["detail_en"] == "The token was revoked; please sign in again"
    wrong = registry.client.post(
        "/v1/auth/token", json={"username": "lan.ninhbinh", "password": FIRST_PASSWORD}
    )
    assert wrong.status_code == 401
    token_of(registry, "lan.ninhbinh", NEW_PASSWORD)

    again = registry.client.post(
        "/v1/auth/password-reset", json={"code": body["code"], "password": NEW_PASSWORD + "!"}
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "code"
    history = registry.client.get(
        f"/v1/accounts/{officer['id']}/history",
        headers={"Authorization": officer["Authorization"]},
    ).json()
    assert [h["action"] for h in history][-2:] == ["password_reset_issued", "password_reset"]


def test_a_weak_password_is_refused_and_nothing_changes(
    registry: Registry, officer: dict[str, str]
) -> None:
    code = issue(registry, officer).json()["code"]
    weak = registry.client.post(
        "/v1/auth/password-reset", json={"code": code, "password": "password1234"}
    )
    assert weak.status_code == 422
    error = weak.json()["errors"][0]
    assert error["field"] == "password"
    assert error["message"] and error["message_en"]
    # The code is still usable, the old password still works: no partial write.
    token_of(registry, "lan.ninhbinh", FIRST_PASSWORD)
    with registry.db.session() as session:
        assert session.scalars(select(PasswordReset)).one().used_at is None
    assert (
        registry.client.post(
            "/v1/auth/password-reset", json={"code": code, "password": NEW_PASSWORD}
        ).status_code
        == 200
    )


def test_an_expired_or_superseded_code_is_refused(
    registry: Registry, officer: dict[str, str]
) -> None:
    first = issue(registry, officer).json()["code"]
    second = issue(registry, officer).json()["code"]
    superseded = registry.client.post(
        "/v1/auth/password-reset", json={"code": first, "password": NEW_PASSWORD}
    )
    assert superseded.status_code == 422
    with registry.db.session() as session:
        for reset in session.scalars(select(PasswordReset)):
            reset.expires_at = utc_now() - timedelta(seconds=1)
        session.commit()
    expired = registry.client.post(
        "/v1/auth/password-reset", json={"code": second, "password": NEW_PASSWORD}
    )
    assert expired.status_code == 422
    assert "hết hạn" in expired.json()["errors"][0]["message"]
    token_of(registry, "lan.ninhbinh", FIRST_PASSWORD)


def test_only_an_administrator_issues_codes(registry: Registry, officer: dict[str, str]) -> None:
    as_officer = token_of(registry, "lan.ninhbinh", FIRST_PASSWORD)
    refused = registry.client.post(
        f"/v1/accounts/{officer['id']}/password-reset", headers=as_officer
    )
    assert refused.status_code == 403
    unknown = registry.client.post(
        "/v1/accounts/no-such-account/password-reset",
        headers={"Authorization": officer["Authorization"]},
    )
    assert unknown.status_code == 404
    with registry.db.session() as session:
        assert session.scalars(select(PasswordReset)).all() == []
        assert session.scalars(select(Account).where(Account.username == "lan.ninhbinh")).one()
