"""Settings of the Registry service (environment variables `OCOP_*`)."""

from functools import lru_cache

from pydantic import Field

from ocop_kit.settings import KitSettings


class Settings(KitSettings):
    mail_sender: str | None = Field(
        default=None,
        description="`module:function(to, subject, body)` that sends producers' notices by "
        "e-mail (OCOP_MAIL_SENDER). Unset: the e-mails are written to the log.",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
