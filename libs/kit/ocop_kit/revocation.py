"""Token versions: an account's tokens die at once when it is deactivated or its password changes.

A token signed for an account carries the account's token version (`ver`). The registry raises
the version on deactivation and password change and writes it to a store every service reads:
a Redis hash when the broker is Redis, otherwise a small SQLite file under the data dir (the
embedded default runs every service on one machine). A token whose `ver` is below the stored
version is refused. Each process keeps what it read for `token_revocation_cache_seconds`, so the
check costs one lookup per account per interval; tokens without `ver` (`ocop token`, services'
own) are not accounts' and are not checked.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Protocol

import redis

from ocop_kit.errors import ServiceUnavailable
from ocop_kit.settings import KitSettings

REDIS_KEY = "ocop:token-versions"


class _VersionStore(Protocol):
    def read(self, account_id: str) -> int: ...

    def write(self, versions: dict[str, int]) -> None: ...


class _RedisVersions:
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def read(self, account_id: str) -> int:
        value = self.client.hget(REDIS_KEY, account_id)
        return int(value) if value is not None else 0

    def write(self, versions: dict[str, int]) -> None:
        self.client.hset(REDIS_KEY, mapping=versions)  # type: ignore[arg-type]


class _SqliteVersions:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS token_versions "
                "(account_id TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def read(self, account_id: str) -> int:
        connection = self._connect()
        try:
            row = connection.execute(
                "SELECT version FROM token_versions WHERE account_id = ?", (account_id,)
            ).fetchone()
        finally:
            connection.close()
        return int(row[0]) if row else 0

    def write(self, versions: dict[str, int]) -> None:
        connection = self._connect()
        try:
            with connection:
                connection.executemany(
                    "INSERT INTO token_versions (account_id, version) VALUES (?, ?) "
                    "ON CONFLICT (account_id) DO UPDATE SET version = excluded.version",
                    list(versions.items()),
                )
        finally:
            connection.close()


class TokenVersions:
    """The current token version of each account, shared by every service, read through a
    short cache."""

    def __init__(self, settings: KitSettings) -> None:
        broker = settings.broker_url or ""
        self._store: _VersionStore = (
            _RedisVersions(broker)
            if broker.startswith(("redis://", "rediss://"))
            else _SqliteVersions(settings.data_dir / "token-versions.db")
        )
        self._cache_seconds = settings.token_revocation_cache_seconds
        self._cache: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def is_current(self, account_id: str, version: int) -> bool:
        """Whether a token of `account_id` signed at `version` is still good."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(account_id)
        if cached is None or now - cached[0] >= self._cache_seconds:
            try:
                cached = (now, self._store.read(account_id))
            except (redis.RedisError, sqlite3.Error) as exc:
                # Unknown is not current: refuse for now rather than let a revoked token in.
                raise ServiceUnavailable(
                    "Chưa kiểm tra được mã truy cập; vui lòng thử lại sau",
                    "Cannot check the token right now; please try again later",
                ) from exc
            with self._lock:
                self._cache[account_id] = cached
        return version >= cached[1]

    def publish(self, versions: dict[str, int]) -> None:
        """Make these accounts' versions current everywhere (this process at once, others
        within the cache interval)."""
        if not versions:
            return
        self._store.write(versions)
        now = time.monotonic()
        with self._lock:
            self._cache.update({account: (now, v) for account, v in versions.items()})
