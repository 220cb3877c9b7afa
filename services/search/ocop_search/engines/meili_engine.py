"""The production engine: Meilisearch through its official client.

Meilisearch's tokenizer (charabia) already folds diacritics and đ → d. What this adapter adds:
settings for Vietnamese (typos never matched against place names, the synonym list, the sort
rule right after typos so exact matches come first in every order), batched writes, every task
awaited and its status checked (the client's `wait_for_task` returns a failed task rather than
raising), filters on codes only (filters do not fold accents), an atomic rebuild through an
index swap, and each hit marked exact or approximate from its ranking details.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchError, MeilisearchTimeoutError
from meilisearch.models.task import Task, TaskInfo

from ocop_kit.text import nfc
from ocop_search.documents import SearchDocument
from ocop_search.engines.base import (
    CROP_WORDS,
    HIGHLIGHT_FIELDS,
    HIT_FIELDS,
    Match,
    SearchEngineError,
    SearchQuery,
    SearchResult,
    hit_from_document,
)
from ocop_search.synonyms import meili_synonyms
from ocop_search.text import (
    CROP_MARK,
    MARK_END,
    MARK_START,
    ONE_TYPO_FROM,
    TWO_TYPOS_FROM,
    escape_marked,
)

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
# Enough for 20,000 documents on a modest server; settings changes re-index everything too.
TASK_TIMEOUT_MS = 120_000
TASK_POLL_MS = 50
FACET_ATTRIBUTES = {
    "stars": "stars",
    "group": "group_top",
    "product_set": "product_set",
    "province_code": "province_code",
    "certification": "certification_codes",
}
SORT_ATTRIBUTES = {
    "stars:desc": "stars:desc",
    "stars:asc": "stars:asc",
    "recognised_on:desc": "recognised_day:desc",
    "recognised_on:asc": "recognised_day:asc",
    "price_asc": "price_vnd:asc",
    "price_desc": "price_vnd:desc",
}
PLACE_ATTRIBUTES = [
    "province_name",
    "ward_name",
    "legacy_commune",
    "legacy_district",
    "legacy_province",
    "legacy",
]


def index_settings() -> dict[str, Any]:
    """The settings applied to the products index on start."""
    return {
        "searchableAttributes": [
            "name",
            "producer_name",
            "group_name",
            "group_top_name",
            "certifications",
            *PLACE_ATTRIBUTES,
            "description",
        ],
        "filterableAttributes": [
            "id",
            "province_code",
            "stars",
            "group_codes",
            "group_top",
            "product_set",
            "certification_codes",
            "expires_day",
        ],
        "sortableAttributes": ["stars", "recognised_day", "price_vnd"],
        # `sort` right after `typo`: a chosen order applies within the documents having every
        # word with the fewest typos, so exact matches come before approximate ones in any order.
        "rankingRules": [
            "words",
            "typo",
            "sort",
            "proximity",
            "attribute",
            "exactness",
            "stars:desc",
        ],
        "synonyms": meili_synonyms(),
        # Meilisearch's defaults, written out; `disableOnAttributes` needs Meilisearch 1.6+
        # (1.5 ignored it when several attributes were listed), score details 1.7+.
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {"oneTypo": ONE_TYPO_FROM, "twoTypos": TWO_TYPOS_FROM},
            "disableOnAttributes": PLACE_ATTRIBUTES,
        },
        "faceting": {"maxValuesPerFacet": 100},
        "pagination": {"maxTotalHits": 20_000},
    }


def quote(value: str) -> str:
    """A string value in a Meilisearch filter expression."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def filter_expression(query: SearchQuery) -> list[str]:
    """The filter of a search: one AND-ed expression per filter, its values OR-ed."""
    expressions: list[str] = []
    if query.province_codes:
        values = ", ".join(quote(c) for c in query.province_codes)
        expressions.append(f"province_code IN [{values}]")
    if query.stars:
        expressions.append(f"stars IN [{', '.join(str(int(s)) for s in query.stars)}]")
    if query.groups:
        expressions.append(f"group_codes IN [{', '.join(quote(g) for g in query.groups)}]")
    if query.product_sets:
        values = ", ".join(quote(s) for s in query.product_sets)
        expressions.append(f"product_set IN [{values}]")
    if query.certifications:
        values = ", ".join(quote(c) for c in query.certifications)
        expressions.append(f"certification_codes IN [{values}]")
    if query.valid_on_day is not None:
        expressions.append(f"expires_day >= {int(query.valid_on_day)}")
    return expressions


def _meili_document(document: SearchDocument) -> dict[str, Any]:
    # Without a price the attribute is left out: Meilisearch sorts documents lacking a sort
    # attribute after all others (specification 0055-sort), in both directions.
    return document.model_dump(
        mode="json", exclude={"price_vnd"} if document.price_vnd is None else None
    )


def match_of(details: dict[str, Any] | None, *, complete: bool) -> Match:
    """`exact` when a hit has every word of the query without a typo (synonyms and the last
    word's prefix count as exact), from its `_rankingScoreDetails`; else `approximate`."""
    if not complete:
        return "approximate"
    typo = (details or {}).get("typo") or {}
    words = (details or {}).get("words") or {}
    if typo.get("typoCount", 0) or words.get("matchingWords") != words.get("maxMatchingWords"):
        return "approximate"
    return "exact"


class MeiliEngine:
    """Meilisearch behind the SearchEngine interface."""

    name = "meilisearch"
    needs_rebuild = False  # settings are applied to the index in place: no layout to outgrow

    def __init__(
        self,
        url: str,
        api_key: str | None,
        index_uid: str = "products",
        *,
        batch_size: int = BATCH_SIZE,
        task_timeout_ms: int = TASK_TIMEOUT_MS,
        request_timeout_s: int = 10,
    ) -> None:
        self.client = meilisearch.Client(url, api_key, timeout=request_timeout_s)
        self.index_uid = index_uid
        self.batch_size = batch_size
        self.task_timeout_ms = task_timeout_ms

    # --- tasks --------------------------------------------------------------------------------

    def _finished(self, info: TaskInfo, what: str) -> Task:
        """Wait until a task ends (succeeded, failed or canceled) and return it."""
        try:
            return self.client.wait_for_task(
                info.task_uid, timeout_in_ms=self.task_timeout_ms, interval_in_ms=TASK_POLL_MS
            )
        except MeilisearchTimeoutError as exc:
            raise SearchEngineError(
                f"Meilisearch task {info.task_uid} ({what}) did not finish within "
                f"{self.task_timeout_ms} ms"
            ) from exc
        except MeilisearchError as exc:
            raise SearchEngineError(f"Meilisearch task {info.task_uid} ({what}): {exc}") from exc

    def _await(self, info: TaskInfo, what: str) -> None:
        """Wait for a task and fail unless it succeeded."""
        task = self._finished(info, what)
        if task.status != "succeeded":
            raise self._task_error(task, what)

    @staticmethod
    def _task_error(task: Task, what: str) -> SearchEngineError:
        error = task.error or {}
        return SearchEngineError(
            f"Meilisearch task {task.uid} ({what}) {task.status}: "
            f"{error.get('code', '?')}: {error.get('message', '')}"
        )

    def _call(self, what: str, action: Any) -> Any:
        try:
            return action()
        except MeilisearchError as exc:
            raise SearchEngineError(f"Meilisearch {what} failed: {exc}") from exc

    # --- lifecycle ----------------------------------------------------------------------------

    def _create_index(self, uid: str) -> None:
        info = self._call(
            "create index", lambda: self.client.create_index(uid, {"primaryKey": "id"})
        )
        task = self._finished(info, f"create index {uid}")
        exists = (task.error or {}).get("code") == "index_already_exists"
        if task.status != "succeeded" and not exists:
            raise self._task_error(task, f"create index {uid}")
        settings = index_settings()
        info = self._call("settings", lambda: self.client.index(uid).update_settings(settings))
        self._await(info, f"settings of {uid}")

    def prepare(self) -> None:
        self._create_index(self.index_uid)

    def close(self) -> None:
        """Nothing to release: the client opens a connection per request."""

    # --- writing ------------------------------------------------------------------------------

    def _add(self, uid: str, documents: Sequence[SearchDocument]) -> None:
        payload = [_meili_document(d) for d in documents]
        if not payload:
            return
        index = self.client.index(uid)
        infos = self._call(
            "add documents",
            lambda: index.add_documents_in_batches(payload, self.batch_size, primary_key="id"),
        )
        for info in infos:
            self._await(info, f"add documents to {uid}")

    def upsert(self, documents: Sequence[SearchDocument]) -> None:
        self._add(self.index_uid, documents)

    def delete(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        expression = f"id IN [{', '.join(quote(i) for i in ids)}]"
        index = self.client.index(self.index_uid)
        info = self._call("delete", lambda: index.delete_documents(filter=expression))
        self._await(info, "delete documents")

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        staging = f"{self.index_uid}_rebuild_{uuid.uuid4().hex[:12]}"
        self.prepare()
        self._create_index(staging)
        count = 0
        batch: list[SearchDocument] = []
        try:
            for document in documents:
                batch.append(document)
                count += 1
                if len(batch) >= self.batch_size:
                    self._add(staging, batch)
                    batch = []
            self._add(staging, batch)
            info = self._call(
                "swap",
                lambda: self.client.swap_indexes([{"indexes": [self.index_uid, staging]}]),
            )
            self._await(info, "swap indexes")
        finally:
            # After the swap the staging uid holds the old documents; before it, the partial build.
            info = self._call("delete index", lambda: self.client.index(staging).delete())
            self._await(info, f"delete index {staging}")
        return count

    # --- reading ------------------------------------------------------------------------------

    def count(self) -> int:
        stats = self._call("stats", lambda: self.client.index(self.index_uid).get_stats())
        return int(stats.number_of_documents)

    def _search_body(self, query: SearchQuery, strategy: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "limit": query.limit,
            "offset": query.offset,
            "matchingStrategy": strategy,
            "attributesToRetrieve": list(dict.fromkeys([*HIT_FIELDS, *HIGHLIGHT_FIELDS])),
        }
        if query.q.strip():
            # Per hit, the typos and words matched: which hits are exact (`match_of`).
            body["showRankingScoreDetails"] = True
        expressions = filter_expression(query)
        if expressions:
            body["filter"] = expressions
        if query.facets:
            body["facets"] = list(FACET_ATTRIBUTES.values())
        if query.sort in SORT_ATTRIBUTES:
            body["sort"] = [SORT_ATTRIBUTES[query.sort]]
        if query.highlight and query.q.strip():
            body["attributesToHighlight"] = list(HIGHLIGHT_FIELDS)
            body["highlightPreTag"] = MARK_START
            body["highlightPostTag"] = MARK_END
            body["attributesToCrop"] = ["description"]
            body["cropLength"] = CROP_WORDS
            body["cropMarker"] = CROP_MARK
        return body

    def search(self, query: SearchQuery) -> SearchResult:
        index = self.client.index(self.index_uid)
        q = nfc(query.q)
        complete = True
        try:
            found = index.search(q, self._search_body(query, "all"))
            if not found["estimatedTotalHits"] and len(q.split()) > 1:
                # Nothing has every word: drop trailing words, as the embedded engine does.
                found = index.search(q, self._search_body(query, "last"))
                complete = False
        except MeilisearchApiError as exc:
            if exc.code == "index_not_found":
                return SearchResult.empty(query.facets)
            raise SearchEngineError(f"Meilisearch search failed: {exc}") from exc
        except MeilisearchError as exc:
            raise SearchEngineError(f"Meilisearch search failed: {exc}") from exc
        hits = []
        for source in found["hits"]:
            hit = hit_from_document(source)
            hit["match"] = match_of(source.get("_rankingScoreDetails"), complete=complete)
            formatted = source.get("_formatted")
            if formatted:
                hit["_formatted"] = {
                    name: escape_marked(formatted[name]) if formatted.get(name) else None
                    for name in HIGHLIGHT_FIELDS
                }
            hits.append(hit)
        distribution = found.get("facetDistribution") or {}
        facets = (
            {
                name: {str(k): int(v) for k, v in distribution.get(attribute, {}).items()}
                for name, attribute in FACET_ATTRIBUTES.items()
            }
            if query.facets
            else {}
        )
        return SearchResult(hits, int(found["estimatedTotalHits"]), facets)
