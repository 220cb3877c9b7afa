"""Limits that hold on the running system: an account's old tokens stop working on every service
the moment it is deactivated or its password changes, and a body over the size limit gets 413
on every service even when it streams in chunks without a Content-Length. Runs on Redis +
PostgreSQL and on the embedded default."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from ocop_kit.testing import System, start_system

ADMIN_PASSWORD = "mật khẩu quản trị thử nghiệm"
API_SERVICES = ("registry", "evaluation", "marketplace_sync", "search")
# Every service answers this (the kit's dead-letter API) to a signed-in operator or admin.
PROTECTED = "/v1/dead-letters"


@pytest.fixture(params=["redis-postgres", "embedded"])
def system(request: pytest.FixtureRequest, tmp_path) -> Iterator[System]:
    env = {"OCOP_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD}
    if request.param == "redis-postgres":
        env["OCOP_DATABASE_URL"] = request.getfixturevalue("postgres_url")
        env["OCOP_BROKER_URL"] = request.getfixturevalue("redis_url")
    with start_system(tmp_path / "system", env) as running:
        yield running


def sign_in(system: System, username: str, password: str) -> str:
    answer = httpx.post(
        f"{system.urls['registry']}/v1/auth/token",
        json={"username": username, "password": password},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def answers(system: System, token: str) -> dict[str, int]:
    """What each service answers a read that needs the token."""
    headers = {"Authorization": f"Bearer {token}"}
    codes = {s: httpx.get(system.urls[s] + PROTECTED, headers=headers).status_code
             for s in API_SERVICES}  # fmt: skip
    codes["portal"] = httpx.post(
        f"{system.urls['portal']}/sign-in", data={"token": token}
    ).status_code
    return codes


def everywhere(status: int, portal: int) -> dict[str, int]:
    return {**dict.fromkeys(API_SERVICES, status), "portal": portal}


def test_an_accounts_tokens_die_on_every_service_when_it_is_deactivated_or_its_password_changes(
    system: System,
) -> None:
    admin = {"Authorization": f"Bearer {sign_in(system, 'admin', ADMIN_PASSWORD)}"}
    registry = system.urls["registry"]
    created = httpx.post(
        f"{registry}/v1/accounts",
        json={"username": "vanhanh.san", "password": "mật khẩu vận hành", "role": "sync_operator"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    account = f"{registry}/v1/accounts/{created.json()['id']}"
    before_change = sign_in(system, "vanhanh.san", "mật khẩu vận hành")
    assert answers(system, before_change) == everywhere(200, 303)

    changed = httpx.patch(
        account,
        json={"password": "một mật khẩu mới hẳn"},
        headers={**admin, "If-Match": created.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    # Each service reads the account's version again after the cache interval (1 s by default).
    time.sleep(1.2)
    assert answers(system, before_change) == everywhere(401, 400)
    after_change = sign_in(system, "vanhanh.san", "một mật khẩu mới hẳn")
    assert answers(system, after_change) == everywhere(200, 303)

    deactivated = httpx.patch(
        account, json={"active": False}, headers={**admin, "If-Match": changed.headers["ETag"]}
    )
    assert deactivated.status_code == 200, deactivated.text
    time.sleep(1.2)
    assert answers(system, after_change) == everywhere(401, 400)
    # A script's token from `ocop token` belongs to no account and keeps working.
    assert answers(system, system.token("sync_operator")) == everywhere(200, 303)


def chunks(total: int, size: int = 1 << 20) -> Iterator[bytes]:
    """A body with no Content-Length: httpx sends a generator chunked."""
    sent = 0
    while sent < total:
        yield b" " * size
        sent += size


@pytest.mark.parametrize("system", ["embedded"], indirect=True)
def test_a_chunked_body_over_the_limit_gets_413_on_every_service(system: System) -> None:
    targets = {
        "registry": "/v1/auth/token",  # no token needed: nothing may parse 100 MB first
        "evaluation": "/v1/sessions",
        # These take no body, but an Idempotency-Key makes the kit read it to fingerprint it.
        "marketplace_sync": "/v1/channels/shopee/sync",
        "search": "/v1/search/reindex",
        "portal": "/sign-in/password",
    }
    for service, path in targets.items():
        answer = httpx.post(
            system.urls[service] + path,
            content=chunks(100_000_000),
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": f"big-{service}",
                **_token(system, service),
            },
            timeout=60,
        )
        assert answer.status_code == 413, (service, answer.status_code, answer.text[:200])
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "payload_too_large"
    producers = httpx.post(
        f"{system.urls['registry']}/v1/producers",
        content=chunks(100_000_000),
        headers={"Content-Type": "application/json", **_token(system, "registry")},
        timeout=60,
    )
    assert producers.status_code == 413
    listed = httpx.get(f"{system.urls['registry']}/v1/producers", headers=_token(system, "x"))
    assert listed.json()["items"] == []


def _token(system: System, service: str) -> dict[str, str]:
    return {} if service == "registry" else {"Authorization": f"Bearer {system.token('admin')}"}


@pytest.mark.parametrize("system", ["embedded"], indirect=True)
def test_x_forwarded_for_does_not_dodge_the_sign_in_throttle(system: System) -> None:
    """No proxy is configured, so every guess counts against the connection's own address."""
    answers = [
        httpx.post(
            f"{system.urls['registry']}/v1/auth/token",
            json={"username": "admin", "password": "đoán bừa một mật khẩu"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        ).status_code
        for n in range(6)
    ]
    assert answers == [401] * 5 + [429]
