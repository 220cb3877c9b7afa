"""The embedded engine: a Tantivy index on disk under `<data_dir>/search`.

Layout: each full build is a generation directory `gen-<id>`; the file `CURRENT` names the one in
use and is replaced atomically, so a rebuild swaps in at once for every process. Tantivy allows
one writer per index across processes: only the indexing worker opens this engine with
`writer=True`; API processes read, and pick up new commits and new generations on their next search.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import tantivy
from tantivy import (
    Document,
    FieldType,
    Filter,
    Index,
    Occur,
    Order,
    Query,
    SchemaBuilder,
    TextAnalyzerBuilder,
    Tokenizer,
)

from ocop_kit.text import nfc
from ocop_search.documents import SearchDocument
from ocop_search.engines.base import (
    CROP_WORDS,
    FACETS,
    HIGHLIGHT_FIELDS,
    HIT_FIELDS,
    Match,
    SearchEngineError,
    SearchQuery,
    SearchResult,
    hit_from_document,
)
from ocop_search.synonyms import Phrase, QuerySlot, expand
from ocop_search.text import MAX_WORD_BYTES, Highlighter, QueryTerm, typo_budget

log = logging.getLogger(__name__)

# 2: one `all_text` field for the constant-score clauses; `source` keeps only what hits show.
# 3: `product_text` (typos match no place name), `price_vnd` to sort by, positions on `all_text`
# (one phrase query instead of one per field); no index-time aliases.
# 4: `product_set`, a filter and facet.
SCHEMA_VERSION = 4
# Indexes of these schemas stored each product's whole document: a writer finding one rebuilds
# it into the current schema from those documents. Later schemas need a reindex from the
# registry (`POST /v1/search/reindex`) instead.
WHOLE_DOCUMENT_SCHEMAS = (1,)
ANALYZER = "vi_folded"
WRITER_HEAP_BYTES = 64_000_000

# Searchable fields and the weight of a match in each (BM25 is multiplied by it).
TEXT_FIELDS: dict[str, float] = {
    "name": 3.0,
    "producer_name": 1.5,
    "places": 1.0,
    "tags": 1.0,
    "description": 0.5,
}
# Constant scores per query word. A whole-word (exact) match outranks a prefix match, which
# outranks a fuzzy one, whatever BM25 adds: Tantivy scores fuzzy and prefix hits as constants.
EXACT_BONUS = 100.0
PREFIX_BONUS = 30.0
FUZZY_BONUS = 10.0
# Words found next to each other, in the order typed, in one field ("bắc giang").
PHRASE_BONUS = 50.0
# Added to every product matching all words without a typo: exact matches rank above
# approximate ones whatever the rest adds up to (a 200-character query stays far below it).
EXACT_CLASS = 100_000.0
ALL_TEXT = "all_text"
# Every searchable text but the places: typos are matched only here, so a word is never
# corrected into a place name ("banh" into "Bình" of "Ninh Bình").
PRODUCT_TEXT = "product_text"
# What the index stores of a product: what a hit shows and highlights, nothing more to load.
STORED_FIELDS = frozenset({*HIT_FIELDS, *HIGHLIGHT_FIELDS})
FACET_FIELDS = {
    "stars": "stars",
    "group": "group_top",
    "product_set": "product_set",
    "province_code": "province_code",
    "certification": "certification",
}
SORT_FIELDS = {
    "stars:desc": ("stars", Order.Desc),
    "stars:asc": ("stars", Order.Asc),
    "recognised_on:desc": ("recognised_day", Order.Desc),
    "recognised_on:asc": ("recognised_day", Order.Asc),
    # Tantivy puts documents without a value last in either order: products without a price.
    "price_asc": ("price_vnd", Order.Asc),
    "price_desc": ("price_vnd", Order.Desc),
}


def vietnamese_analyzer() -> tantivy.TextAnalyzer:
    """Split on non-alphanumerics, lowercase, fold diacritics (đ → d). Text must arrive NFC."""
    return (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(MAX_WORD_BYTES))
        .filter(Filter.lowercase())
        .filter(Filter.ascii_fold())
        .build()
    )


def build_schema() -> tantivy.Schema:
    builder = SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name=ANALYZER)
    # With positions: a phrase (a synonym, the words typed) is one query here, not one per field.
    builder.add_text_field(ALL_TEXT, tokenizer_name=ANALYZER, index_option="position")
    builder.add_text_field(PRODUCT_TEXT, tokenizer_name=ANALYZER, index_option="basic")
    builder.add_text_field("province_code", fast=True, tokenizer_name="raw")
    builder.add_text_field("group_top", fast=True, tokenizer_name="raw")
    builder.add_text_field("group_codes", tokenizer_name="raw")
    builder.add_text_field("product_set", fast=True, tokenizer_name="raw")
    builder.add_text_field("certification", fast=True, tokenizer_name="raw")
    builder.add_integer_field("stars", indexed=True, fast=True)
    builder.add_integer_field("expires_day", indexed=True, fast=True)
    builder.add_integer_field("recognised_day", fast=True)
    builder.add_integer_field("price_vnd", fast=True)
    builder.add_bytes_field("source", stored=True)
    return builder.build()


def _to_tantivy(document: SearchDocument) -> Document:
    groups = dict.fromkeys([document.group_name, document.group_top_name])
    tags = [*groups, *document.certifications]
    places = document.places()
    description = document.description or ""
    product_text = [document.name, document.producer_name, *tags, description]
    return Document(
        id=document.id,
        name=document.name,
        producer_name=document.producer_name,
        places=places,
        tags=tags,
        description=description,
        all_text=[*product_text, *places],
        product_text=product_text,
        province_code=document.province_code,
        group_top=document.group_top,
        group_codes=document.group_codes,
        product_set=[document.product_set] if document.product_set else [],
        certification=document.certification_codes or [],
        stars=document.stars,
        expires_day=document.expires_day,
        recognised_day=document.recognised_day,
        **({} if document.price_vnd is None else {"price_vnd": document.price_vnd}),
        source=document.model_dump_json(include=STORED_FIELDS).encode(),
    )


class TantivyEngine:
    """Tantivy behind the SearchEngine interface."""

    name = "tantivy"
    needs_rebuild = False

    def __init__(self, root: Path, *, writer: bool) -> None:
        self.root = root
        self.is_writer = writer
        self.schema = build_schema()
        self.analyzer = vietnamese_analyzer()
        self._lock = threading.RLock()
        self._index: Index | None = None
        self._writer: tantivy.IndexWriter | None = None
        self._generation: str | None = None
        self._seen: tuple[int, ...] = (-1,)

    # --- files --------------------------------------------------------------------------------

    @property
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def _pointer_data(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._pointer.read_text())
        except FileNotFoundError:
            return {}
        return data

    def _read_pointer(self) -> str | None:
        data = self._pointer_data()
        if data.get("schema") != SCHEMA_VERSION:
            return None
        return str(data["generation"])

    def _write_pointer(self, generation: str) -> None:
        temporary = self.root / f".CURRENT.{uuid.uuid4().hex}"
        temporary.write_text(json.dumps({"generation": generation, "schema": SCHEMA_VERSION}))
        os.replace(temporary, self._pointer)

    def _open(self, generation: str, *, create: bool) -> Index:
        path = self.root / generation
        if create:
            path.mkdir(parents=True, exist_ok=False)
            index = Index(self.schema, path=str(path), reuse=False)
        else:
            index = Index.open(str(path))
        index.register_tokenizer(ANALYZER, self.analyzer)
        return index

    def _stamp(self) -> tuple[int, ...]:
        """Change marks of the pointer and of the current generation's last commit.

        Both files are replaced by rename on every change, so the inode changes even when two
        changes fall within the file system's timestamp granularity.
        """
        try:
            pointer = self._pointer.stat()
            meta = (self.root / str(self._generation) / "meta.json").stat()
        except FileNotFoundError:
            return (-1,)
        return (pointer.st_ino, pointer.st_mtime_ns, meta.st_ino, meta.st_mtime_ns)

    # --- lifecycle ----------------------------------------------------------------------------

    def prepare(self) -> None:
        with self._lock:
            if self._index is not None:
                return
            self.root.mkdir(parents=True, exist_ok=True)
            generation = self._read_pointer()
            if generation is None:
                if not self.is_writer:
                    return
                generation = f"gen-{uuid.uuid4().hex}"
                index = self._open(generation, create=True)
                self._writer = self._new_writer(index)
                self.needs_rebuild = not self._carry_over(self._writer)
                index.reload()
                self._write_pointer(generation)
            else:
                index = self._open(generation, create=False)
                if self.is_writer:
                    self._writer = self._new_writer(index)
            self._index, self._generation = index, generation
            self._seen = self._stamp()

    def _carry_over(self, writer: tantivy.IndexWriter) -> bool:
        """Fill a new index with the products of an older schema's, when it stored them whole;
        False when there was an older index and it could not be carried over.

        Searches find nothing from the upgrade until the worker has done this (a few seconds
        for 20,000 products), rather than until the index is rebuilt from the registry.
        """
        data = self._pointer_data()
        if not data:
            return True
        if data.get("schema") not in WHOLE_DOCUMENT_SCHEMAS:
            return False
        try:
            searcher = self._open(str(data["generation"]), create=False).searcher()
            count = searcher.num_docs
            if count:
                for _score, address in searcher.search(Query.all_query(), count).hits:
                    source = searcher.doc(address).get_first("source")
                    writer.add_document(_to_tantivy(SearchDocument.model_validate_json(source)))
            writer.commit()
        except Exception:
            writer.rollback()
            log.exception("the older search index could not be carried over; reindex it")
            return False
        log.info("search index carried over to a new schema", extra={"documents": count})
        return True

    def _new_writer(self, index: Index) -> tantivy.IndexWriter:
        try:
            return index.writer(WRITER_HEAP_BYTES, 1)
        except ValueError as exc:
            raise SearchEngineError(
                "the search index is locked by another writer (the search worker)"
            ) from exc

    def _refresh(self) -> Index | None:
        """The index to read, reopened or reloaded if the worker committed or swapped since."""
        with self._lock:
            if self._index is None:
                self.prepare()
                if self._index is None:
                    return None
            if self.is_writer:
                return self._index
            stamp = self._stamp()
            if stamp != self._seen:
                generation = self._read_pointer()
                if generation and generation != self._generation:
                    self._index, self._generation = self._open(generation, create=False), generation
                else:
                    self._index.reload()
                # The stamp taken before reading: a change made meanwhile is seen next time.
                self._seen = stamp
            return self._index

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.wait_merging_threads()
            self._writer = None
            self._index = None

    # --- writing ------------------------------------------------------------------------------

    def _writable(self) -> tuple[Index, tantivy.IndexWriter]:
        if not self.is_writer:
            raise SearchEngineError("this process only reads the search index")
        self.prepare()
        assert self._index is not None and self._writer is not None
        return self._index, self._writer

    def upsert(self, documents: Sequence[SearchDocument]) -> None:
        with self._lock:
            index, writer = self._writable()
            for document in documents:
                writer.delete_documents_by_term("id", document.id)
                writer.add_document(_to_tantivy(document))
            writer.commit()
            index.reload()

    def delete(self, ids: Sequence[str]) -> None:
        with self._lock:
            index, writer = self._writable()
            searcher = index.searcher()
            present = [i for i in ids if searcher.doc_freq("id", i)]
            if not present:
                # Most events about non-public products (drafts, imports without a certificate)
                # concern products never indexed: no commit, no fsync.
                return
            for product_id in present:
                writer.delete_documents_by_term("id", product_id)
            writer.commit()
            index.reload()

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        with self._lock:
            self._writable()
            previous = self._generation
            generation = f"gen-{uuid.uuid4().hex}"
            index = self._open(generation, create=True)
            writer = self._new_writer(index)
            count = 0
            try:
                for document in documents:
                    writer.add_document(_to_tantivy(document))
                    count += 1
                writer.commit()
            except BaseException:
                writer.rollback()
                del writer
                shutil.rmtree(self.root / generation, ignore_errors=True)
                raise
            index.reload()
            self._write_pointer(generation)
            if self._writer is not None:
                self._writer.wait_merging_threads()
            self._index, self._writer, self._generation = index, writer, generation
            self._remove_old_generations(keep={generation, str(previous)})
            return count

    def _remove_old_generations(self, keep: set[str]) -> None:
        # The previous generation stays one more round: a reader may be opening it right now.
        for path in self.root.glob("gen-*"):
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    # --- reading ------------------------------------------------------------------------------

    def count(self) -> int:
        index = self._refresh()
        return 0 if index is None else index.searcher().num_docs

    def analyze(self, text: str) -> list[str]:
        """The folded terms Tantivy indexes for a text."""
        return list(self.analyzer.analyze(nfc(text)))

    # --- queries: a word, a slot (a word or a phrase with synonyms), the whole query ----------

    def _exact_word(self, term: QueryTerm) -> Query:
        """The word as typed (diacritics aside), or the last word as a prefix. Unscored."""
        word = Query.term_query(self.schema, ALL_TEXT, term.text)
        if not term.prefix:
            return word
        prefix = Query.fuzzy_term_query(self.schema, ALL_TEXT, term.text, 0, True, True)
        return Query.boolean_query([(Occur.Should, word), (Occur.Should, prefix)])

    def _matching_word(self, term: QueryTerm) -> Query:
        """The word exactly, or within its typos of a word other than a place name. Unscored."""
        exact = self._exact_word(term)
        if not term.typos:
            return exact
        fuzzy = Query.fuzzy_term_query(self.schema, PRODUCT_TEXT, term.text, term.typos, True)
        return Query.boolean_query([(Occur.Should, exact), (Occur.Should, fuzzy)])

    def _scored_word(self, term: QueryTerm) -> Query:
        """`_matching_word`, scored: BM25 per field plus a constant per kind of match."""
        clauses = [
            (Occur.Should, Query.boost_query(Query.term_query(self.schema, f, term.text), w))
            for f, w in TEXT_FIELDS.items()
        ]
        exact = Query.term_query(self.schema, ALL_TEXT, term.text)
        clauses.append((Occur.Should, Query.const_score_query(exact, EXACT_BONUS)))
        if term.typos:
            fuzzy = Query.fuzzy_term_query(self.schema, PRODUCT_TEXT, term.text, term.typos, True)
            clauses.append((Occur.Should, Query.const_score_query(fuzzy, FUZZY_BONUS)))
        if term.prefix:
            prefix = Query.fuzzy_term_query(self.schema, ALL_TEXT, term.text, 0, True, True)
            clauses.append((Occur.Should, Query.const_score_query(prefix, PREFIX_BONUS)))
        return Query.boolean_query(clauses)

    def _alternative(self, phrase: Phrase) -> Query:
        """A synonym: one word anywhere, or its words next to each other in one field."""
        if len(phrase) == 1:
            return Query.term_query(self.schema, ALL_TEXT, phrase[0])
        return Query.phrase_query(self.schema, ALL_TEXT, list(phrase))

    def _slot(self, slot: QuerySlot, word: Callable[[QueryTerm], Query], scored: bool) -> Query:
        """All the slot's words (each as `word` builds it), or one of its synonyms."""
        typed = [word(term) for term in slot.terms]
        query = (
            typed[0] if len(typed) == 1 else Query.boolean_query([(Occur.Must, q) for q in typed])
        )
        if not slot.alternatives:
            return query
        synonyms = Query.boolean_query(
            [(Occur.Should, self._alternative(a)) for a in slot.alternatives]
        )
        if scored:
            # A synonym counts as the words typed, matched exactly.
            synonyms = Query.const_score_query(synonyms, EXACT_BONUS * len(slot.terms))
        return Query.boolean_query([(Occur.Should, query), (Occur.Should, synonyms)])

    @staticmethod
    def _all(clauses: list[tuple[Occur, Query]], filters: list[tuple[Occur, Query]]) -> Query:
        clauses = clauses + filters
        if not any(occur == Occur.Must for occur, _ in clauses):
            clauses.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(clauses)

    def _matching(self, slots: list[QuerySlot], filters: list[tuple[Occur, Query]]) -> Query:
        """Every product the query finds, exactly or approximately. Unscored: for counts."""
        words = [(Occur.Must, self._slot(s, self._matching_word, False)) for s in slots]
        return self._all(words, filters)

    def _exact(self, slots: list[QuerySlot], filters: list[tuple[Occur, Query]]) -> Query:
        """The products matching every word without a typo (or through a synonym). Unscored."""
        words = [(Occur.Must, self._slot(s, self._exact_word, False)) for s in slots]
        return self._all(words, filters)

    def _compose(
        self, slots: list[QuerySlot], filters: list[tuple[Occur, Query]], *, exact_first: bool
    ) -> Query:
        """`_matching`, scored for ranking; with `exact_first`, exact matches above the rest."""
        clauses = [(Occur.Must, self._slot(s, self._scored_word, True)) for s in slots]
        words = [term.text for slot in slots for term in slot.terms]
        if len(words) > 1:
            phrase = Query.phrase_query(self.schema, ALL_TEXT, words)
            clauses.append((Occur.Should, Query.const_score_query(phrase, PHRASE_BONUS)))
        if exact_first:
            exact = Query.const_score_query(self._exact(slots, []), EXACT_CLASS)
            clauses.append((Occur.Should, exact))
        return self._all(clauses, filters)

    def _any_of(self, field: str, values: Sequence[Any]) -> Query:
        return Query.boolean_query(
            [(Occur.Should, Query.term_query(self.schema, field, v)) for v in values]
        )

    def _filters(self, query: SearchQuery) -> list[tuple[Occur, Query]]:
        filters: list[tuple[Occur, Query]] = []
        if query.province_codes:
            filters.append((Occur.Must, self._any_of("province_code", query.province_codes)))
        if query.stars:
            filters.append((Occur.Must, self._any_of("stars", list(query.stars))))
        if query.groups:
            filters.append((Occur.Must, self._any_of("group_codes", query.groups)))
        if query.product_sets:
            filters.append((Occur.Must, self._any_of("product_set", query.product_sets)))
        if query.certifications:
            filters.append((Occur.Must, self._any_of("certification", query.certifications)))
        if query.valid_on_day is not None:
            valid = Query.range_query(
                self.schema, "expires_day", FieldType.Integer, lower_bound=query.valid_on_day
            )
            filters.append((Occur.Must, valid))
        return filters

    # --- searching ----------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        index = self._refresh()
        if index is None:
            return SearchResult.empty(query.facets)
        searcher = index.searcher()
        terms = [
            QueryTerm(word, typo_budget(word) if query.typos else 0, prefix=False)
            for word in self.analyze(query.q)
        ]
        slots = expand(terms)
        if slots:
            slots[-1] = slots[-1].with_prefix_last()
        filters = self._filters(query)
        sorted_by_field = query.sort in SORT_FIELDS
        # All words are required; only when nothing matches are trailing words dropped.
        used = slots
        facets: dict[str, dict[str, int]] = {}
        found: tantivy.SearchResult | None = None
        while True:
            # Exact and approximate matches both possible: exact ones are put first.
            mixed = len(used) == len(slots) and any(slot.typos for slot in used)
            if query.facets:
                # One unscored pass counts and facets; the scored pass below only ranks a page.
                facets = self._facets(searcher, self._matching(used, filters))
                total = sum(facets["stars"].values())  # every product has one star rating
            elif mixed and sorted_by_field:
                total = self._count(searcher, self._matching(used, filters))
            else:
                composed = self._compose(used, filters, exact_first=mixed)
                found = self._ranked(searcher, composed, query, count=True)
                total = int(found.count)  # type: ignore[attr-defined]
            if total or len(used) <= 1:
                break
            used = used[:-1]
            used[-1] = used[-1].with_prefix_last()
        page: list[tuple[tantivy.DocAddress, Match]] = []
        if query.offset >= total:
            pass
        elif mixed and sorted_by_field:
            page = self._exact_first(searcher, used, filters, query)
        else:
            if found is None:
                composed = self._compose(used, filters, exact_first=mixed)
                found = self._ranked(searcher, composed, query, count=False)
            # Dropped words leave only approximate matches; without typos, only exact ones.
            default: Match = "exact" if len(used) == len(slots) else "approximate"
            page = [
                (
                    address,
                    ("exact" if score >= EXACT_CLASS else "approximate") if mixed else default,
                )
                for score, address in found.hits
            ]
        return SearchResult(self._hits(searcher, page, used, query), total, facets)

    def _exact_first(
        self,
        searcher: tantivy.Searcher,
        slots: list[QuerySlot],
        filters: list[tuple[Occur, Query]],
        search: SearchQuery,
    ) -> list[tuple[tantivy.DocAddress, Match]]:
        """A page in a field's order, the exact matches first, then the approximate ones."""
        exact = self._exact(slots, filters)
        exact_total = self._count(searcher, exact)
        page: list[tuple[tantivy.DocAddress, Match]] = []
        if search.offset < exact_total:
            found = self._ranked(searcher, exact, search, count=False)
            page = [(address, "exact") for _, address in found.hits]
        rest = search.limit - len(page)
        if rest > 0:
            approximate = Query.boolean_query(
                [
                    (Occur.Must, self._matching(slots, filters)),
                    (Occur.MustNot, self._exact(slots, [])),
                ]
            )
            window = replace(search, limit=rest, offset=max(0, search.offset - exact_total))
            found = self._ranked(searcher, approximate, window, count=False)
            page += [(address, "approximate") for _, address in found.hits]
        return page

    def _hits(
        self,
        searcher: tantivy.Searcher,
        page: list[tuple[tantivy.DocAddress, Match]],
        slots: list[QuerySlot],
        query: SearchQuery,
    ) -> list[dict[str, Any]]:
        """The stored part of each hit, marked exact or approximate, highlighted."""
        terms = [term for slot in slots for term in slot.terms]
        synonyms = [phrase for slot in slots for phrase in slot.alternatives]
        # One-word synonyms go through the word verdicts' cache; only phrases need a scan.
        highlight = Highlighter(
            terms + [QueryTerm(p[0], 0, False) for p in synonyms if len(p) == 1],
            [phrase for phrase in synonyms if len(phrase) > 1],
        )
        hits = []
        for address, match in page:
            source = json.loads(searcher.doc(address).get_first("source") or b"{}")
            hit = hit_from_document(source)
            hit["match"] = match
            if query.highlight and terms:
                hit["_formatted"] = {
                    name: highlight(source[name], CROP_WORDS if name == "description" else None)
                    if source.get(name)
                    else source.get(name)
                    for name in HIGHLIGHT_FIELDS
                }
            hits.append(hit)
        return hits

    @staticmethod
    def _count(searcher: tantivy.Searcher, query: Query) -> int:
        return int(searcher.search(query, 1, count=True).count)  # type: ignore[attr-defined]

    @staticmethod
    def _ranked(
        searcher: tantivy.Searcher, query: Query, search: SearchQuery, *, count: bool
    ) -> tantivy.SearchResult:
        """A page of the matches, best first (or by the sort field)."""
        sort = SORT_FIELDS.get(search.sort)
        if sort is None:
            return searcher.search(query, search.limit, count=count, offset=search.offset)
        return searcher.search(
            query,
            search.limit,
            count=count,
            offset=search.offset,
            order_by_field=sort[0],
            order=sort[1],
        )

    def _facets(self, searcher: tantivy.Searcher, query: Query) -> dict[str, dict[str, int]]:
        aggregations = {
            name: {"terms": {"field": field, "size": 100}} for name, field in FACET_FIELDS.items()
        }
        result = searcher.aggregate(query, aggregations)
        return {
            name: {str(b["key"]): int(b["doc_count"]) for b in result[name]["buckets"]}
            for name in FACETS
        }
