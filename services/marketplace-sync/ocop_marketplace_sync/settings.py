"""Settings of the Marketplace sync service (environment variables `OCOP_*`)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field

from ocop_kit.settings import KitSettings


class Settings(KitSettings):
    channel_base_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Per-channel base URLs as JSON (OCOP_CHANNEL_BASE_URLS); a channel not "
        "named keeps the `base_url` of the channel file. `ocop up` points every channel at "
        "the marketplace simulator this way when none is set.",
    )
    channels_file: Path | None = Field(
        default=None, description="A channel configuration file replacing the built-in one."
    )
    channel_rate_limit_cap: float | None = Field(
        default=None,
        gt=0,
        description="Requests a second no channel is driven faster than, whatever its file "
        "says (OCOP_CHANNEL_RATE_LIMIT_CAP): for a sandbox or test server allowing less than "
        "the platform. Unset: each channel's own rate.",
    )
    http_timeout_seconds: float = 10.0
    sync_concurrency: int = Field(default=8, description="Concurrent HTTP requests in one run.")
    sync_batch_size: int = 200
    sync_attempts_per_run: int = Field(
        default=6, description="Attempts of one request within a run (429, 5xx, timeouts only)."
    )
    retry_base_seconds: float = 0.25
    retry_max_seconds: float = 30.0
    rate_limit_margin_ms: int = Field(
        default=75,
        description="Extra window length of our limiter, so clock skew never puts a request over.",
    )
    # A run renews its lease every 10 s; a dead run blocks its channel this long at most.
    run_lease_seconds: float = 30.0
    run_stop_seconds: float = Field(
        default=10.0,
        description="On worker shutdown, how long the channel runners may take to write what "
        "is in flight and release their leases.",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
