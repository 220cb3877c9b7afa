"""The one search interface both engines implement, and the values that cross it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ocop_search.documents import SearchDocument

SortOrder = Literal[
    "relevance",
    "stars:desc",
    "stars:asc",
    "recognised_on:desc",
    "recognised_on:asc",
    "price_asc",
    "price_desc",
]
# How a hit matched: every word as typed (diacritics aside, synonyms and the last word's prefix
# included), or with a typo or without some words.
Match = Literal["exact", "approximate"]
FACETS = ("stars", "group", "product_set", "province_code", "certification")

# Fields of a hit beyond the contract's minimum that a results page needs.
HIT_FIELDS = (
    "id",
    "name",
    "producer_name",
    "province_name",
    "province_code",
    "ward_name",
    "legacy_district",
    "legacy_province",
    "stars",
    "group",
    "group_name",
    "product_set",
    "certifications",
    "price_vnd",
    "unit",
    "image",
    "expires_on",
)
# Fields shown with matched words highlighted in `_formatted`.
HIGHLIGHT_FIELDS = ("name", "producer_name", "province_name", "description")
# The description is cropped to about this many words around its first match.
CROP_WORDS = 24


class SearchEngineError(Exception):
    """The engine failed or refused (unreachable, task failed, timed out)."""


@dataclass(frozen=True)
class SearchQuery:
    """What a search asks for. Filters hold codes; several values of one filter are OR-ed."""

    q: str = ""
    province_codes: Sequence[str] = ()
    stars: Sequence[int] = ()
    groups: Sequence[str] = ()
    product_sets: Sequence[str] = ()
    certifications: Sequence[str] = ()
    sort: SortOrder = "relevance"
    limit: int = 20
    offset: int = 0
    facets: bool = True
    highlight: bool = True
    # False: exact words and the last word's prefix only (suggestions try that first). Meilisearch
    # cannot turn typos off per search, so it tolerates typos either way.
    typos: bool = True
    # Certificates whose expiry day number (days since 1970) is before this are never shown.
    valid_on_day: int | None = None


@dataclass
class SearchResult:
    hits: list[dict[str, Any]]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def empty(cls, with_facets: bool = True) -> SearchResult:
        return cls([], 0, {name: {} for name in FACETS} if with_facets else {})


def hit_from_document(document: dict[str, Any]) -> dict[str, Any]:
    """The public part of a stored document."""
    return {name: document.get(name) for name in HIT_FIELDS}


class SearchEngine(Protocol):
    """An index of public products. Only the indexing worker writes; API processes only read."""

    name: str
    # True when `prepare` had to start an empty index in place of one it could not carry over
    # (an older layout): the worker then rebuilds it from the registry.
    needs_rebuild: bool

    def prepare(self) -> None:
        """Create the index and apply its settings (idempotent; writers call it at start)."""

    def upsert(self, documents: Sequence[SearchDocument]) -> None:
        """Add or replace documents, visible to searches when this returns."""

    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents by product id (unknown ids are ignored)."""

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        """Build a new index from these documents and swap it in atomically; returns the count."""

    def search(self, query: SearchQuery) -> SearchResult:
        """Matching documents, best first (exact matches before approximate ones in every
        order, each hit's `match` saying which), with facet counts over all matches."""

    def count(self) -> int:
        """How many documents the index holds."""

    def close(self) -> None:
        """Release files, locks and connections."""
