"""Shared fixtures of the search tests; helpers live in the search_* modules beside this file."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from search_engines import ENGINES, open_test_engine

from ocop_search.engines.base import SearchEngine


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchEngine]:
    """An empty index on each engine."""
    yield from open_test_engine(request.param, tmp_path)
