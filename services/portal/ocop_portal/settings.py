"""Settings of the Portal service (environment variables `OCOP_*`)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator

from ocop_kit.settings import KitSettings


class Settings(KitSettings):
    """Where the other services answer (`ocop up` sets these for every process) and how long to
    wait for them: a page must still render, with a notice, when one of them is down."""

    registry_url: str = Field(default="http://127.0.0.1:8001", description="Registry service.")
    evaluation_url: str = Field(default="http://127.0.0.1:8002", description="Evaluation service.")
    marketplace_sync_url: str = Field(
        default="http://127.0.0.1:8003", description="Marketplace-sync service."
    )
    search_url: str = Field(default="http://127.0.0.1:8004", description="Search service.")
    backend_timeout_seconds: float = Field(
        default=4.0, gt=0, description="Read timeout of one call to another service."
    )
    backend_connect_timeout_seconds: float = Field(default=1.0, gt=0)
    public_base_url: str | None = Field(
        default=None,
        description="The portal's public address, used in QR codes; unset: the request's host.",
    )
    dev_sign_in: bool = Field(
        default=False,
        description="Offer a sign-in that issues a token for any role, admin included "
        "(OCOP_DEV_SIGN_IN=1; `ocop up` opts in). Refused in production and when the portal "
        "listens beyond loopback; every page shows a warning while it is on.",
    )
    search_page_size: int = Field(default=20, ge=1, le=100)

    @model_validator(mode="after")
    def _dev_sign_in_only_on_loopback(self) -> Settings:
        if self.dev_sign_in and (self.environment == "production" or not self.listens_on_loopback):
            raise ValueError(
                "OCOP_DEV_SIGN_IN hands out admin tokens to anyone who can reach the portal: "
                "it is refused in production and when the portal listens beyond loopback "
                f"(OCOP_LISTEN_HOST={self.listen_host})"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
