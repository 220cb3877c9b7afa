"""The shared token versions: what one process publishes, every other reads (after its cache
interval), on the embedded SQLite file and on Redis; an unreadable store refuses, never admits."""

from __future__ import annotations

import pytest

from ocop_kit.errors import ServiceUnavailable
from ocop_kit.revocation import TokenVersions
from ocop_kit.settings import KitSettings


@pytest.fixture(params=["sqlite", "redis"])
def settings(request: pytest.FixtureRequest, tmp_path) -> KitSettings:
    broker = request.getfixturevalue("redis_url") if request.param == "redis" else None
    return KitSettings(data_dir=tmp_path, broker_url=broker, token_revocation_cache_seconds=0)


def test_a_published_version_retires_older_tokens_in_every_process(settings: KitSettings):
    registry, other_service = TokenVersions(settings), TokenVersions(settings)
    assert other_service.is_current("account-1", 1)
    registry.publish({"account-1": 2, "account-2": 5})
    assert not other_service.is_current("account-1", 1)
    assert other_service.is_current("account-1", 2)
    assert not other_service.is_current("account-2", 4)
    assert other_service.is_current("account-3", 1)


def test_a_process_trusts_what_it_read_for_the_cache_interval_only(settings: KitSettings):
    cached = TokenVersions(settings.model_copy(update={"token_revocation_cache_seconds": 60}))
    assert cached.is_current("account-1", 1)
    TokenVersions(settings).publish({"account-1": 2})
    assert cached.is_current("account-1", 1)  # read less than 60 s ago
    assert not TokenVersions(settings).is_current("account-1", 1)


def test_an_unreachable_store_refuses_with_503(tmp_path):
    settings = KitSettings(data_dir=tmp_path, broker_url="redis://127.0.0.1:1/0")
    with pytest.raises(ServiceUnavailable):
        TokenVersions(settings).is_current("account-1", 1)
