"""Settings of the Portal service (environment variables `OCOP_*`)."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from pydantic import Field, model_validator

from ocop_kit.settings import KitSettings


class Settings(KitSettings):
    """Where the other services answer (`ocop up` sets these for every process) and how long to
    wait for them: a page must still render, with a notice, when one of them is down."""

    DEPLOY_REQUIRED = KitSettings.DEPLOY_REQUIRED | {
        "public_base_url",
        "registry_url",
        "evaluation_url",
        "marketplace_sync_url",
        "search_url",
    }

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
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="The portal's public address (OCOP_PUBLIC_BASE_URL), which product pages "
        "and QR codes link to; required in production. Unset: the portal's own listen address "
        "(never the request's Host header, which the client chooses).",
    )
    dev_sign_in: bool = Field(
        default=False,
        description="Offer a sign-in that issues a token for any role, admin included "
        "(OCOP_DEV_SIGN_IN=1; `ocop up` opts in). Refused in production and when the portal "
        "listens beyond loopback; every page shows a warning while it is on.",
    )
    search_page_size: int = Field(default=20, ge=1, le=100)
    media_public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="Where product photos are served (OCOP_MEDIA_PUBLIC_URL, as the registry "
        "reads it); pages may show images from there. Unset: the registry's address.",
    )
    # Who publishes the portal: shown in every page's header and footer and on the about page.
    agency_name: str = Field(
        default="Văn phòng Điều phối nông thôn mới Trung ương",
        description="The office that issues OCOP certificates and runs this portal "
        "(OCOP_AGENCY_NAME), in Vietnamese.",
    )
    agency_name_en: str = Field(
        default="Central Coordination Office for New Rural Development",
        description="The same office's name in English (OCOP_AGENCY_NAME_EN).",
    )
    agency_address: str = Field(
        default="Số 2 Ngọc Hà, phường Ba Đình, Thành phố Hà Nội",
        description="The office's postal address (OCOP_AGENCY_ADDRESS).",
    )
    agency_phone: str | None = Field(
        default=None,
        pattern=r"^[0-9+() .-]{6,20}$",
        description="The office's contact phone (OCOP_AGENCY_PHONE); unset: not shown.",
    )
    agency_email: str | None = Field(
        default=None,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="The office's contact e-mail (OCOP_AGENCY_EMAIL); unset: not shown.",
    )

    @model_validator(mode="after")
    def _refuse_what_production_or_an_open_port_must_not_have(self) -> Settings:
        if self.dev_sign_in and (self.environment == "production" or not self.listens_on_loopback):
            raise ValueError(
                "OCOP_DEV_SIGN_IN hands out admin tokens to anyone who can reach the portal: "
                "it is refused in production and when the portal listens beyond loopback "
                f"(OCOP_LISTEN_HOST={self.listen_host})"
            )
        if self.environment == "production" and not self.public_base_url:
            raise ValueError(
                "OCOP_PUBLIC_BASE_URL is required in production: QR codes on product stamps "
                "link to it"
            )
        return self

    @property
    def media_origin(self) -> str:
        """The scheme://host:port product photos come from (for the Content-Security-Policy)."""
        parts = urlsplit(self.media_public_url or self.registry_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def page_base_url(self) -> str:
        """Where the portal's pages are found: the public address, or its own listen address."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        host = f"[{self.listen_host}]" if ":" in self.listen_host else self.listen_host
        return f"http://{host}:{self.listen_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
