"""The running system the end-to-end flows use, on both setups."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ocop_kit.testing import System, start_system


@pytest.fixture(params=["redis-postgres", "embedded"])
def system(request: pytest.FixtureRequest, tmp_path) -> Iterator[System]:
    """`ocop up` on Redis + PostgreSQL, then on the embedded default."""
    env: dict[str, str] = {}
    if request.param == "redis-postgres":
        env = {
            "OCOP_DATABASE_URL": request.getfixturevalue("postgres_url"),
            "OCOP_BROKER_URL": request.getfixturevalue("redis_url"),
        }
    with start_system(tmp_path / "system", env) as running:
        yield running
