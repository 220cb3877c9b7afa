"""What every adapter shares: the error kinds, the results, one HTTP attempt through the shared
rate limiter, and the retry policy (only 429, 5xx and timeouts; Retry-After honoured)."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol, TypeVar

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from ocop_marketplace_sync.channels.config import Channel, Shop
from ocop_marketplace_sync.ratelimit import SharedRateLimiter

T = TypeVar("T")


class ChannelError(Exception):
    """A call to a channel did not succeed; `message` is the platform's own words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Retryable(ChannelError):
    """Worth another try later: 429, 5xx or no answer in time."""

    def __init__(self, message: str, retry_after: float | None = None, timed_out: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.timed_out = timed_out


class Rejected(ChannelError):
    """The platform refused (4xx or a business error): retrying the same request cannot help."""


@dataclass(frozen=True)
class CreateOutcome:
    external_id: str | None
    request_id: str | None = None  # Tiki: the product request under review


@dataclass(frozen=True)
class ReviewOutcome:
    state: Literal["pending", "approved", "rejected"]
    external_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class RemoteListing:
    external_id: str
    sku: str
    price_vnd: int | None
    stock: int | None


@dataclass(frozen=True)
class PriceStock:
    sku: str
    external_id: str
    price_vnd: int
    stock: int
    price_changed: bool = True
    stock_changed: bool = True


@dataclass
class Token:
    access_token: str
    access_expires_at: datetime
    refresh_token: str | None = None
    refresh_expires_at: datetime | None = None

    def fresh(self, margin: timedelta = timedelta(minutes=5)) -> bool:
        return self.access_expires_at - margin > datetime.now(UTC)


class TokenStore(Protocol):
    """Where a shop's OAuth tokens live between runs (the database, in the service)."""

    def load(self, channel: str, shop_id: str) -> Token | None: ...

    def save(self, channel: str, shop_id: str, token: Token) -> None: ...


class MemoryTokenStore:
    def __init__(self) -> None:
        self.tokens: dict[tuple[str, str], Token] = {}

    def load(self, channel: str, shop_id: str) -> Token | None:
        return self.tokens.get((channel, shop_id))

    def save(self, channel: str, shop_id: str, token: Token) -> None:
        self.tokens[(channel, shop_id)] = token


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class Adapter:
    """One shop on one channel. Every method makes single attempts; callers retry."""

    _token: Token | None = None  # the shop's access token, cached in memory between calls

    def __init__(
        self,
        channel: Channel,
        shop: Shop,
        client: httpx.Client,
        limiter: SharedRateLimiter,
        tokens: TokenStore,
    ) -> None:
        if not channel.base_url:
            raise ValueError(f"channel {channel.code} has no base URL")
        self.channel = channel
        self.shop = shop
        self.client = client
        self.limiter = limiter
        self.tokens = tokens
        self.base_url = channel.base_url.rstrip("/")

    @property
    def batch_size(self) -> int:
        return self.channel.batch_price_size

    # --- one HTTP attempt -----------------------------------------------------------------------
    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request, after the shared limiter lets it through; 429/5xx/timeouts → Retryable."""
        self.limiter.acquire()
        try:
            response = self.client.request(method, self.base_url + path, **kwargs)
        except httpx.TimeoutException as exc:
            raise Retryable(f"timeout: {type(exc).__name__}", timed_out=True) from exc
        except httpx.TransportError as exc:
            raise Retryable(f"network error: {exc}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise Retryable(
                f"HTTP {response.status_code}: {response.text[:200]}",
                retry_after_seconds(response.headers.get("retry-after")),
                timed_out=response.status_code in (504, 408),
            )
        return response

    # --- the operations -------------------------------------------------------------------------
    def create(self, payload: dict[str, Any]) -> CreateOutcome:
        raise NotImplementedError

    def find_by_sku(self, sku: str) -> CreateOutcome | None:
        """What the channel holds under our SKU (a listing, or a request under review)."""
        raise NotImplementedError

    def restore(self, external_id: str, payload: dict[str, Any]) -> None:
        """Show again a listing that exists on the channel (updated to the payload)."""
        self.update(external_id, payload)

    def update(self, external_id: str, payload: dict[str, Any]) -> None:
        raise NotImplementedError

    def update_price_stock(self, items: list[PriceStock]) -> dict[str, str | None]:
        """Absolute price and stock for up to `batch_size` SKUs: an error message per SKU."""
        raise NotImplementedError

    def delete(self, external_id: str, sku: str) -> None:
        raise NotImplementedError

    def review(self, request_id: str) -> ReviewOutcome:
        """Where an asynchronous product request stands (only Tiki has them)."""
        return ReviewOutcome("approved", request_id)

    def list_all(self) -> list[RemoteListing]:
        raise NotImplementedError


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_seconds: float = 0.25
    max_seconds: float = 30.0

    def wait(self, state: RetryCallState) -> float:
        """Exponential backoff with jitter, never shorter than what Retry-After asked."""
        backoff = wait_exponential_jitter(
            multiplier=self.base_seconds, max=self.max_seconds, jitter=self.base_seconds
        )(state)
        exc = state.outcome.exception() if state.outcome else None
        asked = exc.retry_after if isinstance(exc, Retryable) else None
        return max(backoff, asked or 0.0)

    def call(
        self, fn: Callable[[], T], before_retry: Callable[[Retryable], None] | None = None
    ) -> T:
        """Run `fn`, retrying Retryable failures only; the last one is raised."""
        for attempt in Retrying(
            retry=retry_if_exception_type(Retryable),
            stop=stop_after_attempt(self.attempts),
            wait=self.wait,
            sleep=time.sleep,
            reraise=True,
            before_sleep=(
                (lambda s: before_retry(s.outcome.exception()))  # type: ignore[arg-type,union-attr]
                if before_retry
                else None
            ),
        ):
            with attempt:
                return fn()
        raise AssertionError("unreachable")
