"""The rate limiter per channel and shop, shared by every worker process.

Redis holds the window when the broker is Redis (production); on the embedded default a SQLite
file under the data dir, guarded by a file lock (fcntl), lets the processes on one machine
share it.
"""

from __future__ import annotations

import fcntl
import threading
import time
from collections import deque
from typing import IO

from pyrate_limiter import Limiter, Rate, RedisBucket, SQLiteBucket

from ocop_marketplace_sync.settings import Settings

_limiters: dict[tuple[str, str, float], SharedRateLimiter] = {}
# Past a window's edge by this much the bucket surely agrees (it stamps with its own clock).
FIT_SLACK_SECONDS = 0.002
_guard = threading.Lock()


class SharedRateLimiter:
    """At most `per_second` requests in any sliding second for one key, across processes."""

    def __init__(self, key: str, per_second: float, settings: Settings) -> None:
        self.key = key
        self.per_second = per_second
        self.step = max(0.002, min(0.05, 0.2 / per_second))
        self._local = threading.Lock()
        self._lock_file: IO[str] | None = None
        # Whole requests per window: 2.5 req/s becomes 5 per two seconds.
        window_ms = 1000 if per_second >= 1 else int(1000 / per_second)
        count = max(1, int(per_second * window_ms / 1000))
        margin = settings.rate_limit_margin_ms
        # Evenly spaced as well: a burst queues up at the platform and its late arrivals
        # would meet the next second's requests; so at most k requests per k/N of the window.
        # A fifth, at least two: a request that left late (a busy CPU wakes a thread late)
        # may be followed sooner, or every late wake-up would cost the channel its rate.
        k = max(2, count // 5)
        rates = [Rate(count, window_ms + margin)]
        if count > k:
            rates.insert(0, Rate(k, int(window_ms * k / count) + 1))
        self._rates = rates
        # This process's own recent requests: when it alone uses the key (the usual case) they
        # tell exactly when the next one fits, so we sleep until then rather than poll late.
        self._sent: deque[float] = deque(maxlen=count)
        self._windows = [(rate.limit, rate.interval / 1000 + FIT_SLACK_SECONDS) for rate in rates]
        self._redis_url = settings.broker_url or ""
        if self._redis_url.startswith("redis"):
            self.limiter = self._redis_limiter()
        else:
            folder = (settings.data_dir / "ratelimit").resolve()
            folder.mkdir(parents=True, exist_ok=True)
            table = "bucket_" + "".join(ch if ch.isalnum() else "_" for ch in key)
            # Processes share the window through our own file lock around each attempt.
            self._lock_file = (folder / "limits.lock").open("a")
            sqlite_bucket = SQLiteBucket.init_from_file(
                rates,
                table=table,
                db_path=str(folder / "limits.sqlite"),
                create_new_table=True,
            )
            self.limiter = Limiter(sqlite_bucket, buffer_ms=1)

    def _redis_limiter(self) -> Limiter:
        import redis

        client = redis.Redis.from_url(self._redis_url)
        bucket = RedisBucket.init(self._rates, client, f"ocop:ratelimit:{self.key}")
        return Limiter(bucket, buffer_ms=1)

    def acquire(self) -> None:
        """Block until one more request may be sent.

        We poll without blocking rather than use the library's blocking wait: that wait
        re-stamps the request with the planned sleep, not the clock, so a thread that woke
        late was let through with a timestamp in the past (we saw two requests 3 ms apart
        under a 1-per-126 ms rule). One thread of the process polls at a time. It polls
        when our own last requests say the next one fits; a poll refused (another process
        took the room) is tried again every `step`.
        """
        with self._local:
            pause = self._next_fit() - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            while not self._attempt():
                time.sleep(self.step)
            self._sent.append(time.monotonic())

    def _next_fit(self) -> float:
        """When our own requests leave room for one more in every window."""
        fits = [
            self._sent[-limit] + seconds
            for limit, seconds in self._windows
            if len(self._sent) >= limit
        ]
        return max(fits, default=0.0)

    def _attempt(self) -> bool:
        if self._lock_file is None:
            from redis.exceptions import NoScriptError

            try:
                return bool(self.limiter.try_acquire(self.key, blocking=False))
            except NoScriptError:
                # Redis restarted and forgot the limiter's Lua script: load it again.
                self.limiter = self._redis_limiter()
                return bool(self.limiter.try_acquire(self.key, blocking=False))
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        try:
            return bool(self.limiter.try_acquire(self.key, blocking=False))
        finally:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)


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
