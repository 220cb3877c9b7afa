"""Search and suggest: request checks, the query the engine gets, and the answer's shape."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import replace

from ocop_contracts import PRODUCT_GROUP_CODES, top_level_group
from ocop_kit.errors import FieldError, ProblemError, ValidationFailed
from ocop_kit.text import nfc
from ocop_search import access
from ocop_search.documents import certification_code, day_number
from ocop_search.engines import SearchEngine, SearchEngineError, SearchQuery
from ocop_search.engines.base import SortOrder
from ocop_search.search.schemas import (
    Facets,
    SearchHit,
    SearchResponse,
    Suggestion,
    SuggestResponse,
)

MAX_QUERY_LENGTH = 200
SUGGESTIONS = 10
_CODE = re.compile(r"^[0-9A-Za-z_.-]{1,32}$")


class SearchUnavailable(ProblemError):
    status = 503
    code = "search_unavailable"
    title = "Tìm kiếm tạm thời không khả dụng"
    title_en = "Search is temporarily unavailable"


def today_day_number() -> int:
    """The day hits must hold a valid certificate on, as the engines compare expiry dates."""
    return day_number(access.shown_on())


def split_values(values: Sequence[str] | None) -> list[str]:
    """Filter values given repeated (`?a=1&a=2`) or comma-separated (`?a=1,2`)."""
    result: list[str] = []
    for value in values or []:
        result.extend(part.strip() for part in value.split(",") if part.strip())
    return list(dict.fromkeys(result))


def build_query(
    *,
    q: str,
    province_code: Sequence[str] | None,
    stars: Sequence[str] | None,
    group: Sequence[str] | None,
    certification: Sequence[str] | None,
    sort: SortOrder,
    product_set: Sequence[str] | None = None,
    limit: int,
    offset: int,
) -> SearchQuery:
    """Check a search request and turn it into an engine query (422 with every bad field)."""
    errors: list[FieldError] = []
    q = nfc(q).strip()
    if len(q) > MAX_QUERY_LENGTH:
        errors.append(
            FieldError(
                "q",
                f"Từ khóa tối đa {MAX_QUERY_LENGTH} ký tự",
                f"At most {MAX_QUERY_LENGTH} characters",
            )
        )
    provinces = split_values(province_code)
    for code in provinces:
        if not _CODE.match(code):
            errors.append(
                FieldError(
                    "province_code", "Mã tỉnh không hợp lệ", f"Invalid province code {code!r}"
                )
            )
    star_values: list[int] = []
    for value in split_values(stars):
        if value.isdigit() and 1 <= int(value) <= 5:
            star_values.append(int(value))
        else:
            errors.append(
                FieldError(
                    "stars", "Số sao phải từ 1 đến 5", f"Stars must be 1 to 5, not {value!r}"
                )
            )
    groups = split_values(group)
    for code in groups:
        if not _CODE.match(code) or top_level_group(code) not in PRODUCT_GROUP_CODES:
            errors.append(
                FieldError(
                    "group",
                    "Nhóm sản phẩm không có trong danh mục",
                    f"Unknown product group {code!r}; top-level groups: "
                    + ", ".join(PRODUCT_GROUP_CODES),
                )
            )
    product_sets = split_values(product_set)
    if any(not _CODE.match(code) for code in product_sets):
        errors.append(
            FieldError("product_set", "Mã bộ sản phẩm không hợp lệ", "Invalid product set code")
        )
    certifications = [certification_code(c) for c in split_values(certification)]
    if any(not c for c in certifications):
        errors.append(
            FieldError("certification", "Mã chứng nhận không hợp lệ", "Invalid certification")
        )
    if errors:
        raise ValidationFailed(
            "Tham số tìm kiếm không hợp lệ", "Invalid search parameters", errors=errors
        )
    return SearchQuery(
        q=q,
        province_codes=provinces,
        stars=star_values,
        groups=groups,
        product_sets=product_sets,
        certifications=certifications,
        sort=sort,
        limit=limit,
        offset=offset,
        valid_on_day=today_day_number(),
    )


def run_search(engine: SearchEngine, query: SearchQuery) -> SearchResponse:
    """Search and shape the answer; an engine failure is a 503, never a partial answer."""
    started = time.perf_counter()
    try:
        result = engine.search(query)
    except SearchEngineError as exc:
        raise SearchUnavailable(
            "Máy tìm kiếm không phản hồi, vui lòng thử lại sau", str(exc)
        ) from exc
    return SearchResponse(
        hits=[SearchHit.model_validate(hit) for hit in result.hits],
        total=result.total,
        facets=Facets.model_validate(result.facets),
        took_ms=round((time.perf_counter() - started) * 1000, 3),
        engine=engine.name,
    )


def suggest(engine: SearchEngine, q: str, limit: int = SUGGESTIONS) -> SuggestResponse:
    """Product names completing what is typed so far (the last word as a prefix)."""
    started = time.perf_counter()
    q = nfc(q).strip()[:MAX_QUERY_LENGTH]
    suggestions: list[Suggestion] = []
    if q:
        query = SearchQuery(
            q=q, limit=limit * 2, facets=False, typos=False, valid_on_day=today_day_number()
        )
        try:
            # Completions of what was typed first; typo-tolerant matches only when there are none.
            result = engine.search(query)
            if not result.hits:
                result = engine.search(replace(query, typos=True))
        except SearchEngineError as exc:
            raise SearchUnavailable(
                "Máy tìm kiếm không phản hồi, vui lòng thử lại sau", str(exc)
            ) from exc
        seen: set[str] = set()
        for hit in result.hits:
            key = hit["name"].casefold()
            if key in seen:
                continue
            seen.add(key)
            formatted = (hit.get("_formatted") or {}).get("name")
            suggestions.append(Suggestion(text=hit["name"], id=hit["id"], _formatted=formatted))
            if len(suggestions) == limit:
                break
    return SuggestResponse(
        suggestions=suggestions, took_ms=round((time.perf_counter() - started) * 1000, 3)
    )
