"""The public search page: a search box with suggestions, results, facet filters and paging."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ocop_portal.backends import BackendProblem, Backends, BackendUnavailable
from ocop_portal.catalog import (
    CERTIFICATE_STATUS,
    GroupNames,
    certification_name,
    province_name,
)
from ocop_portal.search.service import (
    SORTS,
    SearchQuery,
    SearchResult,
    page_count,
    page_numbers,
    read_search_answer,
    read_suggestions,
)
from ocop_portal.web import is_htmx, pick_language, render, translator

router = APIRouter(tags=["pages"], include_in_schema=False)
# How many of the best-rated products the front page shows.
HOME_SHOWCASE = 8


def _query(request: Request) -> SearchQuery:
    params = request.query_params
    try:
        page = max(1, min(500, int(params.get("page", "1"))))
    except ValueError:
        page = 1
    return SearchQuery(
        q=params.get("q", "")[:200],
        province_code=params.get("province_code", ""),
        stars=params.get("stars", ""),
        group=params.get("group", ""),
        certification=params.get("certification", ""),
        product_set=params.get("product_set", "")[:64],
        sort=params.get("sort", "") if params.get("sort", "") in SORTS else "",
        page=page,
    )


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request) -> HTMLResponse:
    """The front page: the search box, the product sets, the best-rated products and the
    provinces, each a link into the search page with that filter.

    One call to search (best stars first, with its facets over every public product) feeds it all.
    """
    if request.query_params.get("q") is not None or _query(request).filtered:
        return search_page(request)  # an old bookmark of `/?q=…` still searches
    backends: Backends = request.app.state.backends
    groups: GroupNames = request.app.state.group_names
    lang = pick_language(request)
    tr = translator(lang)
    result = SearchResult()
    notice: str | None = None
    try:
        result = read_search_answer(
            backends.get_json(
                "search", "/v1/search", {"q": "", "sort": "stars:desc", "limit": HOME_SHOWCASE}
            )
        )
    except (BackendUnavailable, BackendProblem):
        notice = tr(
            "Dịch vụ tìm kiếm tạm thời không phản hồi. Vui lòng thử lại sau ít phút.",
            "The search service is not answering right now. Please try again in a few minutes.",
        )
    provinces = sorted(
        result.facets.get("province_code", []), key=lambda pair: province_name(pair[0])
    )
    context = {
        "query": SearchQuery(),
        "result": result,
        "notice": notice,
        "top_stars": max((hit.get("stars") or 0 for hit in result.hits), default=0),
        "product_sets": result.facets.get("product_set", []),
        "groups_found": result.facets.get("group", []),
        "provinces": provinces,
        "group_name": lambda code: groups.name(code, lang),
        "province_name": province_name,
    }
    return render(request, "home.html", context)


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:
    backends: Backends = request.app.state.backends
    groups: GroupNames = request.app.state.group_names
    page_size: int = request.app.state.settings.search_page_size
    lang = pick_language(request)
    tr = translator(lang)
    query = _query(request)
    result = SearchResult()
    notice: str | None = None
    status = 200
    try:
        # Without a query, the page still lists every public product (best first) to browse.
        result = read_search_answer(
            backends.get_json("search", "/v1/search", query.params(page_size))
        )
    except BackendUnavailable:
        notice = tr(
            "Dịch vụ tìm kiếm tạm thời không phản hồi. Vui lòng thử lại sau ít phút.",
            "The search service is not answering right now. Please try again in a few minutes.",
        )
        status = 503
    except BackendProblem as problem:
        notice = problem.message(lang)
        status = 400 if problem.status == 422 else 200
    context = {
        "query": query,
        "result": result,
        "notice": notice,
        "pages": page_count(result.total, page_size),
        "page_numbers": page_numbers(query.page, page_count(result.total, page_size)),
        "group_name": lambda code: groups.name(code, lang),
        "province_name": province_name,
        "certification_name": certification_name,
        "sorts": SORTS,
        "certificate_status": CERTIFICATE_STATUS,
    }
    template = "search_results.html" if is_htmx(request) else "search.html"
    return render(request, template, context, status_code=status)


@router.get("/suggest", response_class=HTMLResponse)
def suggest(request: Request, q: str = "") -> HTMLResponse:
    """Options for the search box's list of suggestions (an htmx fragment)."""
    backends: Backends = request.app.state.backends
    suggestions: list[str] = []
    if q.strip():
        try:
            suggestions = read_suggestions(
                backends.get_json("search", "/v1/suggest", {"q": q.strip()[:100]})
            )
        except (BackendUnavailable, BackendProblem):
            suggestions = []
    return render(request, "suggestions.html", {"suggestions": suggestions})
