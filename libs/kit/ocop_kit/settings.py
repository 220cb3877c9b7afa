"""Settings every service shares; each service extends `KitSettings` with its own."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class KitSettings(BaseSettings):
    """Read from `OCOP_*` environment variables; the defaults are the embedded setup."""

    model_config = SettingsConfigDict(env_prefix="OCOP_", extra="ignore")
    # What every production deployment file must set for the processes of this settings class,
    # and which of those are secrets (never a default, never in plain configuration); checked
    # against deploy/ by tests/platform/test_deploy_files.py.
    DEPLOY_REQUIRED: ClassVar[frozenset[str]] = frozenset(
        {"environment", "database_url", "broker_url", "secret_key", "metrics_token"}
    )
    SECRETS: ClassVar[frozenset[str]] = frozenset({"database_url", "secret_key", "metrics_token"})

    data_dir: Path = Field(default=Path(".ocop"), description="Where all embedded state lives.")
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL; each service uses its own schema in it. Unset: SQLite files.",
    )
    broker_url: str | None = Field(
        default=None, description="Redis URL for Celery. Unset: an embedded broker under data_dir."
    )
    environment: Literal["development", "production"] = "development"
    forwarded_allow_ips: str = Field(
        default="",
        description="Addresses of the reverse proxies (comma-separated IPs or networks, as "
        "uvicorn's --forwarded-allow-ips) whose X-Forwarded-For and X-Forwarded-Proto are "
        "believed. Empty: none, the client is the connection's peer.",
    )
    listen_host: str = Field(
        default="127.0.0.1",
        description="Address the HTTP API listens on (`python -m ocop_<service> api --host` "
        "sets it for the process).",
    )
    listen_port: int = Field(
        default=8000, description="Port the HTTP API listens on (`api --port` sets it)."
    )
    secret_key: str | None = Field(
        default=None,
        description="Key that signs bearer tokens; required in production, "
        "generated under data_dir otherwise.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token Prometheus sends for /metrics. Set: /metrics needs it. "
        "Unset: /metrics is open in development and not served in production.",
    )
    token_ttl_seconds: int = 12 * 3600
    token_revocation_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How long a service keeps an account's token version before reading it "
        "again: a deactivated account's or changed password's old tokens stop within this.",
    )
    relay_poll_seconds: float = 0.05
    visibility_timeout_seconds: int = Field(
        default=600,
        description="Redis: a task whose worker died unacknowledged is delivered again after "
        "this, and an event its consumer has not confirmed is sent again by the relay.",
    )
    worker_concurrency: int = 1
    log_level: str = "INFO"
    max_request_bytes: int = Field(default=25_000_000, description="Larger requests get 413.")
    cors_origins: list[str] = Field(default=[], description="Origins allowed by CORS (JSON list).")
    keep_alive_seconds: int = Field(
        default=75,
        ge=1,
        description="How long an idle HTTP connection stays open. Longer than every client's and "
        "proxy's own idle limit (httpx 5 s, nginx 60 s), so a server never closes a connection "
        "at the moment a client reuses it (the client would see a reset request).",
    )

    @property
    def listens_on_loopback(self) -> bool:
        """Whether only this machine can reach the API."""
        try:
            return ipaddress.ip_address(self.listen_host).is_loopback
        except ValueError:
            return self.listen_host == "localhost"

    def database_url_for(self, service: str) -> str:
        """The SQLAlchemy URL of a service's own database."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir.resolve() / service}.db"

    def schema_for(self, service: str) -> str | None:
        """PostgreSQL schema of a service (its tables live there); None on SQLite."""
        return service if self.database_url else None

    def celery_broker_url(self) -> str:
        """Redis when configured; otherwise kombu's SQL transport on a SQLite file (measured
        against kombu's filesystem transport, which crashed consumers on half-written files)."""
        if self.broker_url:
            return self.broker_url
        broker_dir = (self.data_dir / "broker").resolve()
        broker_dir.mkdir(parents=True, exist_ok=True)
        return f"ocopsqlite+sqlite:///{broker_dir / 'broker.db'}"

    def signing_key(self) -> str:
        """The token signing key: configured, or (outside production) one kept under data_dir."""
        if self.environment == "production":
            if not self.secret_key or len(self.secret_key) < 32:
                raise RuntimeError(
                    "OCOP_SECRET_KEY of at least 32 characters is required in production"
                )
            return self.secret_key
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret.key"
        if not key_file.exists():
            import secrets

            self.data_dir.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()
