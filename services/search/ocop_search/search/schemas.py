"""What the search endpoints return."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from ocop_search.engines.base import Match


class Formatted(BaseModel):
    """Fields with matched words wrapped in `<em>…</em>` (the rest HTML-escaped)."""

    name: str | None = None
    producer_name: str | None = None
    province_name: str | None = None
    description: str | None = None


class SearchHit(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    name: str
    producer_name: str
    province_name: str
    province_code: str
    ward_name: str | None = None
    legacy_district: str | None = None
    legacy_province: str | None = None
    stars: int
    group: str = Field(description="The product's group code (may be a sub-group `a.b`).")
    group_name: str | None = None
    product_set: str | None = Field(
        default=None, description="The product set (bộ sản phẩm) code; null while unchosen."
    )
    certifications: list[str] = []
    price_vnd: int | None = None
    unit: str | None = None
    image: str | None = None
    expires_on: date | None = None
    match: Match = Field(
        description=(
            "`exact`: every word found as typed (diacritics aside; synonyms and the last word's "
            "prefix count); `approximate`: found only with a typo or without some words. "
            "Exact hits come first in every sort order."
        )
    )
    formatted: Formatted | None = Field(default=None, alias="_formatted")


class Facets(BaseModel):
    """Counts of the matching products, by value code."""

    stars: dict[str, int]
    group: dict[str, int] = Field(description="By top-level group code.")
    product_set: dict[str, int] = Field(
        default_factory=dict, description="By product set code (products without one uncounted)."
    )
    province_code: dict[str, int]
    certification: dict[str, int] = Field(description="By certification code, e.g. `vietgap`.")


class SearchResponse(BaseModel):
    hits: list[SearchHit]
    total: int
    facets: Facets
    took_ms: float
    engine: str


class Suggestion(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    text: str = Field(description="The product name to complete the search box with.")
    id: str
    formatted: str | None = Field(default=None, alias="_formatted")


class SuggestResponse(BaseModel):
    suggestions: list[Suggestion]
    took_ms: float


class IndexStatus(BaseModel):
    engine: str
    documents: int


class ReindexAccepted(BaseModel):
    task_id: str
