"""The simulator's memory and its gate: listings, tokens, rate windows, injected faults."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse

REJECTION = (
    "Nội dung sản phẩm vi phạm chính sách của sàn (từ ngữ bị cấm) / "
    "Product content violates the platform policy (prohibited wording)"
)


@dataclass
class SimConfig:
    """What the simulator was started with (the command line's options)."""

    error_rate: float = 0.0
    rate_limit: float = 20.0
    reject_rate: float = 0.0
    hang_seconds: float = 2.0
    review_seconds: float = 0.3
    seed: int | None = None
    # `POST /_sim/reset` wipes every listing: only a caller sending this key may (none: nobody).
    admin_key: str | None = None
    channel_rate_limits: dict[str, float] = field(default_factory=dict)
    channel_delays: dict[str, float] = field(default_factory=dict)


@dataclass
class Item:
    """One listing the simulator holds."""

    channel: str
    shop_id: str
    external_id: str
    sku: str
    name: str
    price_vnd: int | None
    stock: int | None
    payload: dict[str, Any]
    active: bool = True
    deleted: bool = False


@dataclass
class SimState:
    """Everything the simulator remembers, shared by every channel."""

    config: SimConfig
    rng: random.Random
    items: list[Item] = field(default_factory=list)
    windows: dict[str, deque[float]] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100000))
    tokens: dict[str, float] = field(default_factory=dict)  # access token -> expiry
    refresh_tokens: set[str] = field(default_factory=set)
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)  # tiki track id -> request
    paths: dict[str, int] = field(default_factory=dict)  # calls per path, for inspection
    calls: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=100_000))

    def count(self, key: str, by: int = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + by

    def next_id(self) -> str:
        return str(next(self.ids))

    def rejects(self, sku: str) -> bool:
        if self.config.reject_rate <= 0:
            return False
        value = int(hashlib.sha256(sku.encode()).hexdigest()[:8], 16) / 2**32
        return value < self.config.reject_rate

    def live(self, channel: str) -> list[Item]:
        return [i for i in self.items if i.channel == channel and not i.deleted]

    def by_sku(self, channel: str, sku: str) -> list[Item]:
        return [i for i in self.live(channel) if i.sku == sku]

    def by_id(self, channel: str, external_id: str) -> Item | None:
        for item in self.live(channel):
            if item.external_id == external_id:
                return item
        return None

    def over_limit(self, key: str, arrived: float) -> bool:
        """Sliding one-second window per channel and shop, by arrival time."""
        channel = key.partition(":")[0]
        limit = self.config.channel_rate_limits.get(channel, self.config.rate_limit)
        if limit <= 0:
            return False
        now = arrived
        window = self.windows.setdefault(key, deque())
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= int(limit):
            return True
        window.append(now)
        return False

    def fault(self) -> bool:
        return self.config.error_rate > 0 and self.rng.random() < self.config.error_rate

    def create(
        self,
        channel: str,
        shop_id: str,
        sku: str,
        name: str,
        price: Any,
        stock: Any,
        payload: dict[str, Any],
        active: bool = True,
    ) -> Item:
        item = Item(channel, shop_id, self.next_id(), sku, name, price, stock, payload, active)
        self.items.append(item)
        self.count("created")
        return item


class Fault(Exception):
    """An injected failure's response."""

    def __init__(self, response: Response) -> None:
        self.response = response


def too_many() -> Response:
    """429 with `Retry-After: 1`, as the platforms answer over their limit."""
    return JSONResponse(
        {"error": "too_many_requests", "message": "Rate limit exceeded"},
        status_code=429,
        headers={"Retry-After": "1"},
    )


def server_error() -> Response:
    """An injected 503."""
    return JSONResponse({"error": "server_error", "message": "Injected failure"}, status_code=503)


def arrival(request: Request) -> bool | None:
    """The rate gate's verdict on this request (None when no gate stood in front)."""
    verdict: bool | None = request.scope.get("sim_rate_limited")
    return verdict


async def guard(
    state: SimState,
    channel: str,
    shop_key: str,
    create: bool,
    run: Callable[[], Response],
    limited: bool | None = None,
) -> Response:
    """Rate limit, injected faults, then the handler (a create may time out after it ran)."""
    state.count("requests")
    if limited is None:
        limited = state.over_limit(f"{channel}:{shop_key}", time.monotonic())
    if limited:
        state.count("rate_limited")
        state.count(f"rate_limited:{channel}:{shop_key}")
        return too_many()
    if state.fault():
        if create and state.rng.random() < 0.5:
            run()  # the listing is made, but the answer never arrives in time
            state.count("timeouts_after_create")
            await asyncio.sleep(state.config.hang_seconds)
            return JSONResponse({"error": "gateway_timeout"}, status_code=504)
        state.count("server_errors")
        return server_error()
    return run()
