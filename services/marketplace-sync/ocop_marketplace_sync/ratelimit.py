"""The rate limiter per channel and shop, shared by every worker process.

Redis holds the window when the broker is Redis (production); on the embedded default a SQLite
file under the data dir, guarded by a file lock, lets the processes on one machine share it.
"""

from __future__ import annotations

import threading

from pyrate_limiter import Limiter, Rate, RedisBucket, SQLiteBucket

from ocop_marketplace_sync.settings import Settings

_limiters: dict[tuple[str, str, float], SharedRateLimiter] = {}
_guard = threading.Lock()


class SharedRateLimiter:
    """At most `per_second` requests in any sliding second for one key, across processes."""

    def __init__(self, key: str, per_second: float, settings: Settings) -> None:
        self.key = key
        self.per_second = per_second
        # Whole requests per window: 2.5 req/s becomes 5 per two seconds.
        window_ms = 1000 if per_second >= 1 else int(1000 / per_second)
        count = max(1, int(per_second * window_ms / 1000))
        margin = settings.rate_limit_margin_ms
        rates = [Rate(count, window_ms + margin)]
        if count >= 10:
            # Also a tenth of the allowance per tenth of the window: requests go out evenly
            # rather than in a burst, so late arrivals of one burst never meet the next.
            tenth = count // 10
            rates.insert(0, Rate(tenth, int(window_ms * tenth / count) + margin // 10))
        broker = settings.broker_url or ""
        if broker.startswith("redis"):
            import redis

            client = redis.Redis.from_url(broker)
            bucket = RedisBucket.init(rates, client, f"ocop:ratelimit:{key}")
            self.limiter = Limiter(bucket, buffer_ms=5)
        else:
            folder = (settings.data_dir / "ratelimit").resolve()
            folder.mkdir(parents=True, exist_ok=True)
            table = "bucket_" + "".join(ch if ch.isalnum() else "_" for ch in key)
            sqlite_bucket = SQLiteBucket.init_from_file(
                rates,
                table=table,
                db_path=str(folder / "limits.sqlite"),
                create_new_table=True,
                use_file_lock=True,
            )
            self.limiter = Limiter(sqlite_bucket, buffer_ms=5)

    def acquire(self) -> None:
        """Block until one more request may be sent."""
        while not self.limiter.try_acquire(self.key, blocking=True, timeout=60):
            pass


def rate_limiter(
    channel: str, shop_id: str, per_second: float, settings: Settings
) -> SharedRateLimiter:
    """The process's limiter object for a channel and shop (its window is shared)."""
    key = (f"{channel}:{shop_id}", str(settings.data_dir) + (settings.broker_url or ""), per_second)
    with _guard:
        limiter = _limiters.get((key[0], key[1], key[2]))
        if limiter is None:
            limiter = SharedRateLimiter(key[0], per_second, settings)
            _limiters[(key[0], key[1], key[2])] = limiter
        return limiter
