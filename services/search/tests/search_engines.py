"""Engines for the shared behaviour suite: Tantivy always, Meilisearch where one is reachable."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ocop_search.engines.base import SearchEngine
from ocop_search.engines.tantivy_engine import TantivyEngine

ENGINES = ("tantivy", "meilisearch")


def reachable_meilisearch() -> str | None:
    """MEILI_URL if a Meilisearch server answers there, else None."""
    url = os.environ.get("MEILI_URL")
    if not url:
        return None
    try:
        response = httpx.get(f"{url.rstrip('/')}/health", timeout=2.0)
    except httpx.HTTPError:
        return None
    return url if response.status_code == 200 else None


def open_test_engine(name: str, directory: Path) -> Iterator[SearchEngine]:
    if name == "tantivy":
        tantivy_engine = TantivyEngine(directory / "search", writer=True)
        tantivy_engine.prepare()
        yield tantivy_engine
        tantivy_engine.close()
        return
    url = reachable_meilisearch()
    if url is None:
        pytest.skip(
            "Meilisearch NOT tested: no server reachable at MEILI_URL "
            f"({os.environ.get('MEILI_URL') or 'unset'}); this run checked Tantivy only"
        )
    from ocop_search.engines.meili_engine import MeiliEngine

    meili = MeiliEngine(url, os.environ.get("MEILI_MASTER_KEY"), f"test_{uuid.uuid4().hex[:10]}")
    meili.prepare()
    yield meili
    meili.client.index(meili.index_uid).delete()
