"""The relevance test set (see relevance_cases.py) over the test catalogue, on each engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from search_corpus import catalogue
from search_engines import ENGINES, open_test_engine
from search_relevance_cases import CASES, Case

from ocop_search.documents import document_from_snapshot
from ocop_search.engines.base import SearchEngine, SearchQuery
from ocop_search.search.service import today_day_number
from ocop_search.synonyms import load_synonym_list
from ocop_search.text import words


@pytest.fixture(scope="module", params=ENGINES)
def catalogue_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SearchEngine]:
    directory: Path = tmp_path_factory.mktemp(request.param)
    for engine in open_test_engine(request.param, directory):
        documents = [d for d in map(document_from_snapshot, catalogue()) if d is not None]
        engine.upsert(documents)
        yield engine


def test_the_relevance_set_is_big_and_varied() -> None:
    assert len(CASES) >= 60
    kinds = {case.kind for case in CASES}
    for kind in ("no diacritics", "wrong diacritics", "one typo", "two typos", "prefix"):
        assert kind in kinds
    assert {"legacy place", "filter", "not public"} <= kinds


def test_every_entry_of_the_synonym_list_has_a_case() -> None:
    queries = [f" {' '.join(words(case.q))} " for case in CASES]
    for entry in load_synonym_list().entries:
        terms = [f" {' '.join(words(term))} " for term in entry.terms]
        assert any(term in query for term in terms for query in queries), entry.terms


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_relevance(catalogue_engine: SearchEngine, case: Case) -> None:
    query = SearchQuery(
        q=case.q,
        limit=50,
        valid_on_day=today_day_number(),
        **case.filters,  # type: ignore[arg-type]
    )
    result = catalogue_engine.search(query)
    names = [hit["name"] for hit in result.hits]
    if case.top is not None:
        assert names and names[0] == case.top, names
    for name in case.includes:
        assert name in names, names
    for name in case.excludes:
        assert name not in names, names
    if case.before is not None:
        first, second = case.before
        assert first in names and second in names, names
        assert names.index(first) < names.index(second), names
    matches = [hit["match"] for hit in result.hits]
    assert matches == sorted(matches, key=lambda match: match != "exact"), (names, matches)
    named = [*([case.top] if case.top else []), *case.includes, *(case.before or ())]
    for name in dict.fromkeys([*named, *case.approximate]):
        expected = "approximate" if name in case.approximate else "exact"
        assert name in names and matches[names.index(name)] == expected, (name, names, matches)
    if case.total is not None:
        assert result.total == case.total, names
