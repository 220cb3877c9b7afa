"""The HTTP API over the embedded engine: the API process only reads the index the worker writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from search_corpus import catalogue
from search_factories import snapshot

from ocop_kit.auth import issue_token
from ocop_search.app import create_app
from ocop_search.documents import document_from_snapshot
from ocop_search.engines.base import SearchEngineError
from ocop_search.engines.tantivy_engine import TantivyEngine
from ocop_search.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture
def writer(settings: Settings) -> Iterator[TantivyEngine]:
    """The index as the worker holds it, filled with the test catalogue."""
    engine = TantivyEngine(settings.search_dir, writer=True)
    engine.prepare()
    engine.upsert([d for d in map(document_from_snapshot, catalogue()) if d is not None])
    yield engine
    engine.close()


@pytest.fixture
def client(settings: Settings, writer: TantivyEngine) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_search_answers_with_hits_total_facets_and_timing(client: TestClient) -> None:
    response = client.get("/v1/search", params={"q": "nuoc mam"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 4
    assert {hit["name"] for hit in body["hits"]} >= {"Nước mắm Lê Gia", "Nước mắm Cát Hải"}
    hit = body["hits"][0]
    assert {"id", "name", "producer_name", "province_name", "stars", "group"} <= set(hit)
    assert "<em>" in hit["_formatted"]["name"]
    assert set(body["facets"]) == {
        "stars",
        "group",
        "product_set",
        "province_code",
        "certification",
    }
    assert sum(body["facets"]["stars"].values()) == 4
    assert body["took_ms"] >= 0
    assert body["engine"] == "tantivy"


def test_filters_take_repeated_or_comma_separated_codes(client: TestClient) -> None:
    repeated = client.get("/v1/search", params=[("stars", "5"), ("province_code", "19")]).json()
    assert [h["name"] for h in repeated["hits"]] == ["Chè Thái Nguyên Tân Cương"]
    commas = client.get("/v1/search", params={"province_code": "66,68", "q": "ca phe"}).json()
    assert commas["total"] == 2
    cert = client.get("/v1/search", params={"certification": "ISO 22000"}).json()
    assert {h["name"] for h in cert["hits"]} == {"Cao actiso Đà Lạt", "Hạt điều rang muối"}


def test_hits_are_marked_exact_or_approximate_exact_first(client: TestClient) -> None:
    body = client.get("/v1/search", params={"q": "trang"}).json()
    matches = {hit["name"]: hit["match"] for hit in body["hits"]}
    assert matches["Gốm Bát Tràng"] == "exact"
    assert matches["Đông trùng hạ thảo Cordyceps militaris"] == "approximate"
    order = [hit["match"] for hit in body["hits"]]
    assert order == sorted(order, key=lambda match: match != "exact")


def test_sorting_by_price_lists_priced_products_first(
    client: TestClient, writer: TantivyEngine
) -> None:
    priced = [
        document_from_snapshot(snapshot(name, price_vnd=price))
        for name, price in (("Mắm cáy 300", 300_000), ("Mắm cáy 80", 80_000))
    ]
    writer.upsert([d for d in priced if d is not None])
    ascending = client.get("/v1/search", params={"q": "mam", "sort": "price_asc"}).json()
    assert [h["price_vnd"] for h in ascending["hits"][:2]] == [80_000, 300_000]
    assert all(h["price_vnd"] is None for h in ascending["hits"][2:])
    descending = client.get("/v1/search", params={"q": "mam", "sort": "price_desc"}).json()
    assert [h["price_vnd"] for h in descending["hits"][:2]] == [300_000, 80_000]


def test_paging_and_sorting(client: TestClient) -> None:
    first = client.get("/v1/search", params={"sort": "stars:desc", "limit": 4}).json()
    assert [h["stars"] for h in first["hits"]] == [5, 5, 5, 5]
    second = client.get("/v1/search", params={"sort": "stars:desc", "limit": 4, "offset": 4}).json()
    assert second["total"] == first["total"]
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"stars": "7"}, "stars"),
        ({"stars": "bốn"}, "stars"),
        ({"group": "do_an_vat"}, "group"),
        ({"province_code": "79;DROP"}, "province_code"),
        ({"q": "x" * 201}, "q"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"sort": "price"}, "sort"),
        ({"sort": "price:asc"}, "sort"),
    ],
)
def test_bad_parameters_are_refused_in_both_languages(
    client: TestClient, params: dict[str, str], field: str
) -> None:
    response = client.get("/v1/search", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert field in [e["field"] for e in errors]
    assert all(e["message"] and e["message_en"] for e in errors)


def test_suggest_completes_the_last_word_with_product_names(client: TestClient) -> None:
    body = client.get("/v1/suggest", params={"q": "nuoc m"}).json()
    texts = [s["text"] for s in body["suggestions"]]
    assert set(texts) == {
        "Nước mắm Lê Gia",
        "Nước mắm Phú Quốc Khải Hoàn",
        "Nước mắm Cát Hải",
        "Nước mắm Nam Ô",
    }
    assert all("<em>" in s["_formatted"] for s in body["suggestions"])
    typo = client.get("/v1/suggest", params={"q": "nuocc mam le"}).json()["suggestions"]
    assert [s["text"] for s in typo] == ["Nước mắm Lê Gia"]
    many = client.get("/v1/suggest", params={"q": "t"}).json()["suggestions"]
    assert 0 < len(many) <= 10
    assert client.get("/v1/suggest", params={"q": " "}).json()["suggestions"] == []


def test_the_api_sees_the_workers_new_commits_and_rebuilds(
    client: TestClient, writer: TantivyEngine
) -> None:
    assert client.get("/v1/search", params={"q": "xeo"}).json()["total"] == 0
    new = document_from_snapshot(snapshot("Bánh xèo Cần Thơ"))
    assert new is not None
    writer.upsert([new])
    assert client.get("/v1/search", params={"q": "xeo"}).json()["total"] == 1
    writer.rebuild(iter([new]))
    assert client.get("/v1/search").json()["total"] == 1
    assert client.get("/v1/search/index").json() == {"engine": "tantivy", "documents": 1}


def test_before_the_worker_creates_the_index_search_is_empty_not_an_error(
    tmp_path: Path,
) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path))) as fresh:
        body = fresh.get("/v1/search", params={"q": "gao"}).json()
        assert body["total"] == 0
        assert body["facets"] == {
            "stars": {},
            "group": {},
            "product_set": {},
            "province_code": {},
            "certification": {},
        }


def test_only_one_process_may_write_the_index(writer: TantivyEngine, settings: Settings) -> None:
    second = TantivyEngine(settings.search_dir, writer=True)
    with pytest.raises(SearchEngineError, match="locked"):
        second.prepare()


def test_reindex_is_for_admins_and_queued_for_the_worker(
    client: TestClient, settings: Settings
) -> None:
    assert client.post("/v1/search/reindex").status_code == 401
    officer = issue_token(settings, "province_officer", province_code="01")
    forbidden = client.post("/v1/search/reindex", headers={"Authorization": f"Bearer {officer}"})
    assert forbidden.status_code == 403
    admin = issue_token(settings, "admin")
    accepted = client.post("/v1/search/reindex", headers={"Authorization": f"Bearer {admin}"})
    assert accepted.status_code == 202
    assert accepted.json()["task_id"]
