"""Settings of the Evaluation service (environment variables `OCOP_*`)."""

from functools import lru_cache

from ocop_kit.settings import KitSettings


class Settings(KitSettings):
    pass


@lru_cache
def get_settings() -> Settings:
    return Settings()
