"""Settings of the Search service (environment variables `OCOP_*`, plus `MEILI_URL`)."""

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field

from ocop_kit.settings import KitSettings


class Settings(KitSettings):
    DEPLOY_REQUIRED = KitSettings.DEPLOY_REQUIRED | {
        "meili_url",
        "meili_master_key",
        "registry_url",
    }
    SECRETS = KitSettings.SECRETS | {"meili_master_key"}

    meili_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MEILI_URL", "OCOP_MEILI_URL"),
        description="Meilisearch URL; unset: the embedded Tantivy engine under data_dir/search.",
    )
    meili_master_key: str | None = Field(
        default=None, validation_alias=AliasChoices("MEILI_MASTER_KEY", "OCOP_MEILI_MASTER_KEY")
    )
    meili_index: str = "products"
    meili_task_timeout_ms: int = 120_000
    registry_url: str = Field(
        default="http://127.0.0.1:8001",
        description="The registry's base URL, for full reindexing from its export endpoint.",
    )
    reindex_page_size: int = 500

    @property
    def search_dir(self) -> Path:
        """Where the embedded engine keeps its index."""
        return self.data_dir / "search"


@lru_cache
def get_settings() -> Settings:
    return Settings()
