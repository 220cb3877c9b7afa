"""Settings of the Registry service (environment variables `OCOP_*`)."""

from functools import lru_cache

from pydantic import Field, SecretStr

from ocop_kit.media import MediaSettings
from ocop_kit.settings import KitSettings


class Settings(KitSettings, MediaSettings):
    SECRETS = KitSettings.SECRETS | {"bootstrap_admin_password", "media_s3_secret_access_key"}

    mail_sender: str | None = Field(
        default=None,
        description="`module:function(to, subject, body)` that sends producers' notices by "
        "e-mail (OCOP_MAIL_SENDER). Unset: the e-mails are written to the log.",
    )
    bootstrap_admin_password: SecretStr | None = Field(
        default=None,
        min_length=12,
        description="Creates the account `admin` with this password when there is no account "
        "yet (OCOP_BOOTSTRAP_ADMIN_PASSWORD). Change the password after the first sign-in.",
    )
    sign_in_max_failures: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins per user name from one client address before a pause.",
    )
    sign_in_max_failures_per_user: int = Field(
        default=50,
        ge=1,
        description="Failed sign-ins per user name from all clients before a pause.",
    )
    sign_in_max_failures_per_client: int = Field(
        default=30, ge=1, description="Failed sign-ins per client address before a pause."
    )
    sign_in_window_seconds: int = Field(
        default=900, ge=1, description="How far back failed sign-ins count."
    )
    password_reset_ttl_seconds: int = Field(
        default=24 * 3600,
        ge=60,
        le=7 * 24 * 3600,
        description="How long a password reset code an administrator issues stays usable.",
    )

    @property
    def media_base_url(self) -> str:
        """What photo addresses start with: the public media address, or the registry's own
        listen address (the embedded default, where everything runs on one machine)."""
        if self.media_public_url:
            return self.media_public_url.rstrip("/")
        host = f"[{self.listen_host}]" if ":" in self.listen_host else self.listen_host
        return f"http://{host}:{self.listen_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
