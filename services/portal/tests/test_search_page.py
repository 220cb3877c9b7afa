"""Search page rendering (STUB BACKENDS: see conftest.py)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

SEARCH_ANSWER = {
    "hits": [
        {
            "id": "p1",
            "name": "Nước mắm cá cơm Hải Đông",
            "producer_name": "HTX Hải Đông",
            "province_name": "Ninh Bình",
            "province_code": "37",
            "legacy_district": "Huyện Hải Hậu",
            "stars": 4,
            "group": "thuc_pham",
        }
    ],
    "total": 45,
    "facets": {
        "stars": {"3": 30, "4": 15},
        "group": {"thuc_pham": 45},
        "province_code": {"37": 45},
        "certification": {"vietgap": 3},
    },
    "took_ms": 1.5,
}


def test_results_show_stars_province_producer_and_facet_counts(
    client: TestClient, stubs: Any
) -> None:
    stubs.on("search", "GET", "/v1/search", SEARCH_ANSWER)
    page = client.get(
        "/search", params={"q": "nuoc mam", "stars": "4", "page": "2", "sort": "stars:desc"}
    )
    assert page.status_code == 200
    html = page.text
    card = html.split('<a class="card-link" href="/products/p1">')[1].split("</a>")[0]
    assert '<img class="card-photo"' in card and "Nước mắm cá cơm Hải Đông</h2>" in card
    assert "★★★★☆" in html and "HTX Hải Đông" in html and "Ninh Bình" in html
    assert "Huyện Hải Hậu" in html
    assert "Ninh Bình (45)" in html  # province facet named from the official list
    assert "VietGAP (3)" in html
    assert '<option value="4" selected>4 sao (15)</option>' in html
    # The filters and the page reach the search service as docs/API.md names them.
    sent = stubs.requests_to("search", "/v1/search")[-1].url.params
    assert sent["q"] == "nuoc mam" and sent["stars"] == "4"
    assert sent["limit"] == "20" and sent["offset"] == "20" and sent["sort"] == "stars:desc"
    pager = html.split('class="pager"')[1].split("</nav>")[0]
    assert 'rel="prev"' in pager and 'rel="next"' in pager
    assert '<span class="current" aria-current="page">' in pager
    assert "took" not in html and " ms)" not in html  # no engine timings for shoppers


def test_close_matches_come_after_a_notice_below_the_exact_ones(
    client: TestClient, stubs: Any
) -> None:
    exact, close = dict(SEARCH_ANSWER["hits"][0]), dict(SEARCH_ANSWER["hits"][0])
    exact.update(id="p1", name="Bánh đậu xanh", match="exact")
    close.update(id="p2", name="Bánh đa nem", match="approximate")
    stubs.on("search", "GET", "/v1/search", {**SEARCH_ANSWER, "hits": [exact, close], "total": 2})
    html = client.get("/search", params={"q": "banh dau"}).text
    assert html.index("Bánh đậu xanh") < html.index("Kết quả gần đúng") < html.index("Bánh đa nem")
    english = client.get("/search", params={"q": "banh dau", "lang": "en"}).text
    assert "Close matches" in english
    stubs.on("search", "GET", "/v1/search", {**SEARCH_ANSWER, "hits": [exact], "total": 1})
    assert "Kết quả gần đúng" not in client.get("/search", params={"q": "banh dau"}).text


def test_price_sorts_are_offered_and_passed_on(client: TestClient, stubs: Any) -> None:
    stubs.on("search", "GET", "/v1/search", SEARCH_ANSWER)
    html = client.get("/search", params={"q": "mat ong", "sort": "price_asc"}).text
    assert '<option value="price_asc" selected>' in html
    assert stubs.requests_to("search", "/v1/search")[-1].url.params["sort"] == "price_asc"


def test_unknown_sort_is_not_passed_on(client: TestClient, stubs: Any) -> None:
    stubs.on("search", "GET", "/v1/search", SEARCH_ANSWER)
    assert client.get("/search", params={"sort": "price;drop"}).status_code == 200
    assert "sort" not in stubs.requests_to("search", "/v1/search")[-1].url.params


def test_search_service_down_gives_a_friendly_page_in_the_readers_language(
    client: TestClient, stubs: Any
) -> None:
    stubs.down.add("search")
    vietnamese = client.get("/search", params={"q": "mat ong"})
    assert vietnamese.status_code == 503
    assert "Dịch vụ tìm kiếm tạm thời không phản hồi" in vietnamese.text
    english = client.get("/search", params={"q": "mat ong", "lang": "en"})
    assert "The search service is not answering right now" in english.text
    assert english.cookies.get("lang") == "en"
    # The language choice sticks for the next page.
    assert '<html lang="en">' in client.get("/sign-in").text


def test_suggestions_fragment_lists_completions(client: TestClient, stubs: Any) -> None:
    stubs.on(
        "search",
        "GET",
        "/v1/suggest",
        {"suggestions": [{"text": "Nước mắm cá cơm Hải Đông", "id": "p1"}, {"text": "Nước mía"}]},
    )
    fragment = client.get("/suggest", params={"q": "nuoc m"})
    assert fragment.status_code == 200
    assert '<option value="Nước mắm cá cơm Hải Đông">' in fragment.text
    assert '<option value="Nước mía">' in fragment.text
    stubs.down.add("search")
    assert "<option" not in client.get("/suggest", params={"q": "nuoc"}).text
