"""Everyday words and other names of places: the synonym list (`data/synonyms.json`) and how a
query's words are expanded with it. Pure functions, no I/O beyond reading the data file once.

Both engines apply the same list: Meilisearch through its `synonyms` setting (`meili_synonyms`),
the embedded engine at query time (`expand`: a word or phrase becomes an OR of its variants).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from ocop_kit.text import fold_vietnamese
from ocop_search.text import QueryTerm, words

DATA_FILE = Path(__file__).resolve().parent / "data" / "synonyms.json"
# Meilisearch looks synonyms up only for terms of 1 to 3 words; the embedded engine does the same.
MAX_TERM_WORDS = 3


class SynonymEntry(BaseModel):
    """One entry: `terms` find each other; with `finds`, they find those names only one way."""

    kind: Literal["product", "place"]
    terms: list[str] = Field(min_length=1)
    finds: list[str] = []
    note: str = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> SynonymEntry:
        for name in [*self.terms, *self.finds]:
            if not words(name):
                raise ValueError(f"{name!r} has no words")
        if not self.finds and len(self.terms) < 2:
            raise ValueError(f"{self.terms!r}: a mutual entry needs two terms or more")
        return self

    def mapping(self) -> dict[str, list[str]]:
        """What each term is expanded into (other terms, or the one-way names)."""
        if self.finds:
            return {term: list(self.finds) for term in self.terms}
        return {term: [other for other in self.terms if other != term] for term in self.terms}


class SynonymList(BaseModel):
    version: int
    updated_on: date
    sources: list[str] = Field(min_length=1)
    notes: list[str] = []
    entries: list[SynonymEntry]

    @model_validator(mode="after")
    def _terms_are_unique(self) -> SynonymList:
        seen: set[tuple[str, ...]] = set()
        for entry in self.entries:
            for term in entry.terms:
                key = tuple(words(term))
                if key in seen:
                    raise ValueError(f"{term!r} is in two entries")
                seen.add(key)
        return self


def load_synonym_list(path: Path = DATA_FILE) -> SynonymList:
    """Parse and validate a synonym data file."""
    return SynonymList.model_validate(json.loads(path.read_text(encoding="utf-8")))


Phrase = tuple[str, ...]


@lru_cache
def synonym_table() -> dict[Phrase, tuple[Phrase, ...]]:
    """Folded words of a term → folded words of what it also finds (terms of ≤ 3 words)."""
    table: dict[Phrase, tuple[Phrase, ...]] = {}
    for entry in load_synonym_list().entries:
        for term, others in entry.mapping().items():
            key = tuple(words(term))
            if len(key) <= MAX_TERM_WORDS:
                table[key] = tuple(tuple(words(other)) for other in others)
    return table


@lru_cache
def meili_synonyms() -> dict[str, list[str]]:
    """The list as Meilisearch's `synonyms` setting: each term, written with and without
    diacritics, maps to what it finds, in both writings."""
    result: dict[str, list[str]] = {}
    for entry in load_synonym_list().entries:
        for term, others in entry.mapping().items():
            targets = list(dict.fromkeys(v for o in others for v in (o, fold_vietnamese(o))))
            for key in dict.fromkeys([term, fold_vietnamese(term)]):
                result[key] = [t for t in targets if t != key]
    return result


@dataclass(frozen=True)
class QuerySlot:
    """A word of the query, or a phrase of it that has synonyms (`alternatives`, folded words).

    A slot matches a product when all its `terms` do, or when one alternative does (as a word,
    or as a phrase of consecutive words).
    """

    terms: tuple[QueryTerm, ...]
    alternatives: tuple[Phrase, ...] = ()

    @property
    def typos(self) -> bool:
        """Whether a term of the slot may match with typos (an approximate match)."""
        return any(term.typos for term in self.terms)

    def with_prefix_last(self) -> QuerySlot:
        """The slot as the query's last: its last term also matches as a prefix."""
        *first, last = self.terms
        return QuerySlot((*first, QueryTerm(last.text, last.typos, True)), self.alternatives)


def expand(terms: list[QueryTerm]) -> list[QuerySlot]:
    """Group a query's terms into slots, the longest phrase with synonyms first."""
    table = synonym_table()
    slots: list[QuerySlot] = []
    start = 0
    while start < len(terms):
        for size in range(min(MAX_TERM_WORDS, len(terms) - start), 0, -1):
            span = terms[start : start + size]
            alternatives = table.get(tuple(t.text for t in span))
            if alternatives:
                slots.append(QuerySlot(tuple(span), alternatives))
                start += size
                break
        else:
            slots.append(QuerySlot((terms[start],)))
            start += 1
    return slots
