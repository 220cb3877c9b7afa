"""Search engines: Tantivy embedded by default, Meilisearch when `MEILI_URL` is set."""

from ocop_search.engines.base import (
    SearchEngine,
    SearchEngineError,
    SearchQuery,
    SearchResult,
)
from ocop_search.settings import Settings


def open_engine(settings: Settings, *, writer: bool) -> SearchEngine:
    """The configured engine. Only the indexing worker opens it as a writer."""
    if settings.meili_url:
        from ocop_search.engines.meili_engine import MeiliEngine

        return MeiliEngine(
            settings.meili_url,
            settings.meili_master_key,
            settings.meili_index,
            task_timeout_ms=settings.meili_task_timeout_ms,
        )
    from ocop_search.engines.tantivy_engine import TantivyEngine

    return TantivyEngine(settings.search_dir, writer=writer)


__all__ = ["SearchEngine", "SearchEngineError", "SearchQuery", "SearchResult", "open_engine"]
