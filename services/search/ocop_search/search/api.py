"""HTTP: `GET /v1/search`, `GET /v1/suggest`, and the index's status and reindex for admins."""

from __future__ import annotations

from typing import Annotated

from celery import Celery
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from ocop_search.access import Admin
from ocop_search.engines import SearchEngine, SearchEngineError
from ocop_search.engines.base import SortOrder
from ocop_search.search import service
from ocop_search.search.schemas import (
    IndexStatus,
    ReindexAccepted,
    SearchResponse,
    SuggestResponse,
)

REINDEX_TASK = "ocop.search.reindex"
router = APIRouter(prefix="/v1", tags=["search"])


def json_response(model: BaseModel) -> Response:
    """Serialise once: the hot endpoints skip FastAPI's second validation of their answer."""
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")


async def get_engine(request: Request) -> SearchEngine:
    engine: SearchEngine = request.app.state.search_engine
    return engine


Engine = Annotated[SearchEngine, Depends(get_engine)]


@router.get(
    "/search",
    summary="Search certified OCOP products",
    description=(
        "Vietnamese with or without diacritics (đ = d), everyday variants and other place names "
        "(cafe = cà phê, trà = chè, Hà Tây), one typo in words of 5+ letters and two in 9+ "
        "(never into a place name), the last word as a prefix; every word must match, and only "
        "when nothing does are trailing words dropped. Each hit is marked `exact` or "
        "`approximate`; exact hits come first. Filters take codes, repeated or "
        "comma-separated; values of one filter are OR-ed, different filters AND-ed. Facets "
        "count all matching products."
    ),
    response_model=SearchResponse,
)
def search(
    engine: Engine,
    q: Annotated[str, Query(description="What the shopper typed.")] = "",
    province_code: Annotated[
        list[str] | None,
        Query(description="Province codes (the registry's `address.province_code`)."),
    ] = None,
    stars: Annotated[list[str] | None, Query(description="Star ratings, 1–5.")] = None,
    group: Annotated[
        list[str] | None,
        Query(description="Product group codes: a top-level group or a sub-group `a.b`."),
    ] = None,
    product_set: Annotated[
        list[str] | None,
        Query(description="Product set codes (bộ sản phẩm, the registry's `product_set`)."),
    ] = None,
    certification: Annotated[
        list[str] | None,
        Query(description="Certifications, e.g. `VietGAP`, `ISO 22000` (any case, any spacing)."),
    ] = None,
    sort: Annotated[
        SortOrder,
        Query(
            description=(
                "Relevance unless given. `price_asc` / `price_desc`: by price, products without "
                "a price last. In every order, exact matches come before approximate ones."
            )
        ),
    ] = "relevance",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    query = service.build_query(
        q=q,
        province_code=province_code,
        stars=stars,
        group=group,
        product_set=product_set,
        certification=certification,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return json_response(service.run_search(engine, query))


@router.get(
    "/suggest",
    summary="Completions for a search box (up to 10 product names)",
    response_model=SuggestResponse,
)
def suggest(
    engine: Engine,
    q: Annotated[str, Query(description="What is typed so far.")] = "",
    limit: Annotated[int, Query(ge=1, le=service.SUGGESTIONS)] = service.SUGGESTIONS,
) -> Response:
    return json_response(service.suggest(engine, q, limit))


@router.get("/search/index", summary="Which engine serves search and how many products it holds")
def index_status(engine: Engine) -> IndexStatus:
    try:
        return IndexStatus(engine=engine.name, documents=engine.count())
    except SearchEngineError as exc:
        raise service.SearchUnavailable("Máy tìm kiếm không phản hồi", str(exc)) from exc


@router.post(
    "/search/reindex",
    status_code=202,
    summary="Rebuild the index from the registry's export and swap it in (admins)",
)
def reindex(request: Request, _: Admin) -> ReindexAccepted:
    celery: Celery = request.app.state.celery
    result = celery.send_task(REINDEX_TASK, queue="search")
    return ReindexAccepted(task_id=str(result.id))
