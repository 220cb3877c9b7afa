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
from collections.abc import Iterable, Sequence
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

from ocop_search.documents import SearchDocument
from ocop_search.engines.base import (
    CROP_WORDS,
    FACETS,
    HIGHLIGHT_FIELDS,
    HIT_FIELDS,
    SearchEngineError,
    SearchQuery,
    SearchResult,
    hit_from_document,
)
from ocop_search.text import MAX_WORD_BYTES, Highlighter, QueryTerm, nfc, typo_budget

log = logging.getLogger(__name__)

# 2: one `all_text` field for the constant-score clauses; `source` keeps only what hits show.
# 3: `product_set`, a filter and facet.
SCHEMA_VERSION = 3
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
ALL_TEXT = "all_text"
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
    builder.add_text_field(ALL_TEXT, tokenizer_name=ANALYZER, index_option="basic")
    builder.add_text_field("province_code", fast=True, tokenizer_name="raw")
    builder.add_text_field("group_top", fast=True, tokenizer_name="raw")
    builder.add_text_field("group_codes", tokenizer_name="raw")
    builder.add_text_field("product_set", fast=True, tokenizer_name="raw")
    builder.add_text_field("certification", fast=True, tokenizer_name="raw")
    builder.add_integer_field("stars", indexed=True, fast=True)
    builder.add_integer_field("expires_day", indexed=True, fast=True)
    builder.add_integer_field("recognised_day", fast=True)
    builder.add_bytes_field("source", stored=True)
    return builder.build()


def _to_tantivy(document: SearchDocument) -> Document:
    groups = dict.fromkeys([document.group_name, document.group_top_name])
    tags = [*groups, *document.certifications]
    places = [*document.places(), *document.aliases]
    description = document.description or ""
    return Document(
        id=document.id,
        name=document.name,
        producer_name=document.producer_name,
        places=places,
        tags=tags,
        description=description,
        all_text=[document.name, document.producer_name, *places, *tags, description],
        province_code=document.province_code,
        group_top=document.group_top,
        group_codes=document.group_codes,
        product_set=[document.product_set] if document.product_set else [],
        certification=document.certification_codes or [],
        stars=document.stars,
        expires_day=document.expires_day,
        recognised_day=document.recognised_day,
        source=document.model_dump_json(include=STORED_FIELDS).encode(),
    )


class TantivyEngine:
    """Tantivy behind the SearchEngine interface."""

    name = "tantivy"

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
                self._carry_over(self._writer)
                index.reload()
                self._write_pointer(generation)
            else:
                index = self._open(generation, create=False)
                if self.is_writer:
                    self._writer = self._new_writer(index)
            self._index, self._generation = index, generation
            self._seen = self._stamp()

    def _carry_over(self, writer: tantivy.IndexWriter) -> None:
        """Fill a new index with the products of an older schema's, when it stored them whole.

        Searches find nothing from the upgrade until the worker has done this (a few seconds
        for 20,000 products), rather than until someone reindexes from the registry.
        """
        data = self._pointer_data()
        if data.get("schema") not in WHOLE_DOCUMENT_SCHEMAS:
            return
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
            return
        log.info("search index carried over to a new schema", extra={"documents": count})

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

    def _term_clause(self, term: QueryTerm) -> Query:
        clauses = [
            (Occur.Should, Query.boost_query(Query.term_query(self.schema, f, term.text), w))
            for f, w in TEXT_FIELDS.items()
        ]
        exact = Query.term_query(self.schema, ALL_TEXT, term.text)
        clauses.append((Occur.Should, Query.const_score_query(exact, EXACT_BONUS)))
        if term.typos:
            fuzzy = Query.fuzzy_term_query(self.schema, ALL_TEXT, term.text, term.typos, True)
            clauses.append((Occur.Should, Query.const_score_query(fuzzy, FUZZY_BONUS)))
        if term.prefix:
            prefix = Query.fuzzy_term_query(self.schema, ALL_TEXT, term.text, 0, True, True)
            clauses.append((Occur.Should, Query.const_score_query(prefix, PREFIX_BONUS)))
        return Query.boolean_query(clauses)

    @staticmethod
    def _constant(alternatives: list[Query], score: float) -> Query:
        return Query.const_score_query(
            Query.boolean_query([(Occur.Should, q) for q in alternatives]), score
        )

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

    def _compose(self, terms: list[QueryTerm], filters: list[tuple[Occur, Query]]) -> Query:
        clauses = [(Occur.Must, self._term_clause(t)) for t in terms] + filters
        if len(terms) > 1:
            words = [t.text for t in terms]
            phrases = [Query.phrase_query(self.schema, f, list(words)) for f in TEXT_FIELDS]
            clauses.append((Occur.Should, self._constant(phrases, PHRASE_BONUS)))
        if not clauses:
            return Query.all_query()
        if not terms:
            clauses.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(clauses)

    def _matching(self, terms: list[QueryTerm], filters: list[tuple[Occur, Query]]) -> Query:
        """The products `_compose` matches, unscored: for counting and facets.

        A word's clause in `_compose` matches when the word is in a field, within its typos of
        a word there, or (the last word) a prefix of one; exact ⊂ fuzzy and exact ⊂ prefix.
        """
        clauses = []
        for term in terms:
            if term.typos:
                word = Query.fuzzy_term_query(self.schema, ALL_TEXT, term.text, term.typos, True)
            else:
                word = Query.term_query(self.schema, ALL_TEXT, term.text)
            if term.prefix:
                prefix = Query.fuzzy_term_query(self.schema, ALL_TEXT, term.text, 0, True, True)
                word = Query.boolean_query([(Occur.Should, word), (Occur.Should, prefix)])
            clauses.append((Occur.Must, word))
        clauses += filters
        if not terms:
            clauses.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(clauses)

    def search(self, query: SearchQuery) -> SearchResult:
        index = self._refresh()
        if index is None:
            return SearchResult.empty(query.facets)
        searcher = index.searcher()
        terms = [
            QueryTerm(word, typo_budget(word) if query.typos else 0, prefix=False)
            for word in self.analyze(query.q)
        ]
        if terms:
            last = terms[-1]
            terms[-1] = QueryTerm(last.text, last.typos, prefix=True)
        filters = self._filters(query)
        # All words are required; only when nothing matches are trailing words dropped.
        used = terms
        facets: dict[str, dict[str, int]] = {}
        found: tantivy.SearchResult | None = None
        while True:
            if query.facets:
                # One unscored pass counts and facets; the scored pass below only ranks a page.
                facets = self._facets(searcher, self._matching(used, filters))
                total = sum(facets["stars"].values())  # every product has one star rating
            else:
                found = self._ranked(searcher, self._compose(used, filters), query, count=True)
                total = int(found.count)  # type: ignore[attr-defined]
            if total or len(used) <= 1:
                break
            used = used[:-1]
            used[-1] = QueryTerm(used[-1].text, used[-1].typos, prefix=True)
        if found is None and query.offset < total:
            found = self._ranked(searcher, self._compose(used, filters), query, count=False)
        hits = []
        highlight = Highlighter(used)
        for _score, address in found.hits if found is not None else ():
            source = json.loads(searcher.doc(address).get_first("source") or b"{}")
            hit = hit_from_document(source)
            if query.highlight and used:
                hit["_formatted"] = {
                    name: highlight(source[name], CROP_WORDS if name == "description" else None)
                    if source.get(name)
                    else source.get(name)
                    for name in HIGHLIGHT_FIELDS
                }
            hits.append(hit)
        return SearchResult(hits, total, facets)

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
