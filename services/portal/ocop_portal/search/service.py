"""Reading the search service's answers into what the search page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FACETS = ("stars", "group", "province_code", "certification", "product_set")
# Orders the search service offers (its `sort`), with how the page names them.
SORTS: dict[str, tuple[str, str]] = {
    "": ("Phù hợp nhất", "Best match"),
    "stars:desc": ("Nhiều sao trước", "Most stars first"),
    "recognised_on:desc": ("Mới công nhận trước", "Newest recognition first"),
    "price_asc": ("Giá thấp trước", "Lowest price first"),
    "price_desc": ("Giá cao trước", "Highest price first"),
}


@dataclass
class SearchQuery:
    """The filters of the search page, as the URL carries them."""

    q: str = ""
    province_code: str = ""
    stars: str = ""
    group: str = ""
    certification: str = ""
    sort: str = ""
    page: int = 1
    product_set: str = ""

    @property
    def filtered(self) -> bool:
        return bool(
            self.province_code or self.stars or self.group or self.certification or self.product_set
        )

    @property
    def asked(self) -> bool:
        return bool(self.q.strip()) or self.filtered

    def params(self, page_size: int) -> dict[str, str | int | float | None]:
        return {
            "q": self.q.strip(),
            "province_code": self.province_code,
            "stars": self.stars,
            "group": self.group,
            "certification": self.certification,
            "product_set": self.product_set,
            "sort": self.sort if self.sort in SORTS else "",
            "limit": page_size,
            "offset": (self.page - 1) * page_size,
        }


@dataclass
class SearchResult:
    hits: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    took_ms: float | None = None

    @property
    def exact_hits(self) -> list[dict[str, Any]]:
        """Hits matching every word as typed (a search service that does not say counts so)."""
        return [hit for hit in self.hits if hit.get("match") != "approximate"]

    @property
    def close_hits(self) -> list[dict[str, Any]]:
        """Hits found only with a typo or without some words: shown after a notice."""
        return [hit for hit in self.hits if hit.get("match") == "approximate"]


def facet_counts(raw: Any) -> list[tuple[str, int]]:
    """A facet as `[(value, count)]`, from `{value: count}` or `[{value, count}]`, most first."""
    pairs: list[tuple[str, int]] = []
    if isinstance(raw, dict):
        for value, count in raw.items():
            if isinstance(count, int | float):
                pairs.append((str(value), int(count)))
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and "value" in item:
                pairs.append((str(item["value"]), int(item.get("count") or 0)))
    return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))


def read_search_answer(payload: Any) -> SearchResult:
    """Tolerant reading of `/v1/search`: missing parts become empty rather than errors."""
    if not isinstance(payload, dict):
        return SearchResult()
    hits = [hit for hit in payload.get("hits") or [] if isinstance(hit, dict) and "id" in hit]
    facets_raw = payload.get("facets") or {}
    facets = {name: facet_counts(facets_raw.get(name)) for name in FACETS}
    total = payload.get("total")
    if not isinstance(total, int):
        total = len(hits)
    took = payload.get("took_ms")
    return SearchResult(hits, total, facets, took if isinstance(took, int | float) else None)


def read_suggestions(payload: Any) -> list[str]:
    """Up to 10 completion texts from `/v1/suggest`, whatever shape the list comes in."""
    if isinstance(payload, dict):
        payload = payload.get("suggestions", payload.get("items", payload.get("hits", [])))
    texts: list[str] = []
    for item in payload if isinstance(payload, list) else []:
        if isinstance(item, str):
            text = item
        elif isinstance(item, dict):
            text = str(item.get("text") or item.get("name") or item.get("value") or "")
        else:
            continue
        if text and text not in texts:
            texts.append(text)
    return texts[:10]


def page_count(total: int, page_size: int) -> int:
    return max(1, -(-total // page_size))


def page_numbers(current: int, last: int, around: int = 2) -> list[int | None]:
    """The page links a pager shows: the first, the last and `around` pages either side of the
    current one, with `None` where pages are left out (`1 … 4 5 [6] 7 8 … 20`).

    A gap of a single page is shown as that page rather than as `…`, which would take as much room.
    """
    if last <= 1:
        return [1]
    current = max(1, min(current, last))
    shown = {1, last, *range(max(1, current - around), min(last, current + around) + 1)}
    numbers: list[int | None] = []
    previous = 0
    for number in sorted(shown):
        if number - previous == 2:
            numbers.append(number - 1)
        elif number - previous > 2:
            numbers.append(None)
        numbers.append(number)
        previous = number
    return numbers
