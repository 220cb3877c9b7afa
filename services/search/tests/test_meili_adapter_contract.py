"""Contract tests of the Meilisearch adapter: the HTTP transport is mocked (`responses`) and the
exact requests are asserted. These say nothing about Meilisearch's own behaviour (matching,
ranking): that is the behaviour suite's job, which runs only against a real server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import responses
from search_factories import snapshot

from ocop_search.documents import SearchDocument, document_from_snapshot
from ocop_search.engines.base import SearchEngineError, SearchQuery
from ocop_search.engines.meili_engine import MeiliEngine, index_settings, match_of

URL = "http://meili.test:7700"
KEY = "master-key"
ENQUEUED_AT = "2026-11-23T10:00:00.000000Z"


@dataclass
class FakeMeili:
    """Answers like Meilisearch: every write is a task; tasks end as `outcomes` says."""

    mock: responses.RequestsMock
    outcomes: dict[int, str] = field(default_factory=dict)
    errors: dict[int, dict[str, str]] = field(default_factory=dict)
    search_answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    next_uid: int = 1

    def enqueue(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        uid = self.next_uid
        self.next_uid += 1
        body = {
            "taskUid": uid,
            "indexUid": "products",
            "status": "enqueued",
            "type": "task",
            "enqueuedAt": ENQUEUED_AT,
        }
        return 202, {}, json.dumps(body)

    def task(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        uid = int(str(request.url).rsplit("/", 1)[1])
        body = {
            "uid": uid,
            "status": self.outcomes.get(uid, "succeeded"),
            "type": "task",
            "enqueuedAt": ENQUEUED_AT,
            "error": self.errors.get(uid),
        }
        return 200, {}, json.dumps(body)

    def search(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        status, body = self.search_answers.pop(0)
        return status, {}, json.dumps(body)

    def writes(self) -> list[tuple[str, str, Any]]:
        """(method, path with query, JSON body) of every request except task polling."""
        result = []
        for call in self.mock.calls:
            request = call.request
            path = str(request.url).removeprefix(URL)
            if path.startswith("/tasks/"):
                continue
            body = json.loads(request.body) if request.body else None
            result.append((str(request.method), path, body))
        return result


@pytest.fixture
def meili() -> Iterator[FakeMeili]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeMeili(mock)
        # Exactly one pattern per request: `responses` pops the first of several matches.
        any_path = re.compile(rf"{re.escape(URL)}/indexes(?!/[^/]+/search).*")
        mock.add_callback(responses.GET, re.compile(rf"{re.escape(URL)}/tasks/\d+"), fake.task)
        mock.add_callback(
            responses.POST, re.compile(rf"{re.escape(URL)}/indexes/[^/]+/search"), fake.search
        )
        for method in (responses.POST, responses.PATCH, responses.PUT, responses.DELETE):
            mock.add_callback(method, any_path, fake.enqueue)
        mock.add_callback(responses.POST, f"{URL}/swap-indexes", fake.enqueue)
        yield fake


def engine(**kwargs: Any) -> MeiliEngine:
    return MeiliEngine(URL, KEY, "products", **kwargs)


def documents(count: int) -> list[SearchDocument]:
    result = []
    for n in range(count):
        document = document_from_snapshot(snapshot(f"Sản phẩm {n}", id=f"p{n}"))
        assert document is not None
        result.append(document)
    return result


def test_prepare_creates_the_index_with_its_primary_key_then_applies_settings(
    meili: FakeMeili,
) -> None:
    engine().prepare()
    assert meili.writes() == [
        ("POST", "/indexes", {"uid": "products", "primaryKey": "id"}),
        ("PATCH", "/indexes/products/settings", index_settings()),
    ]
    assert all(c.request.headers["Authorization"] == f"Bearer {KEY}" for c in meili.mock.calls)
    polled = [c.request.url for c in meili.mock.calls if "/tasks/" in str(c.request.url)]
    assert polled == [f"{URL}/tasks/1", f"{URL}/tasks/2"]


def test_settings_are_tuned_for_vietnamese_and_filter_only_on_codes() -> None:
    settings = index_settings()
    assert settings["typoTolerance"] == {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
        "disableOnAttributes": [
            "province_name",
            "ward_name",
            "legacy_commune",
            "legacy_district",
            "legacy_province",
            "legacy",
        ],
    }
    assert set(settings["filterableAttributes"]) == {
        "id",
        "province_code",
        "stars",
        "group_codes",
        "group_top",
        "product_set",
        "certification_codes",
        "expires_day",
    }
    assert "province_name" not in settings["filterableAttributes"]
    assert {"legacy_district", "legacy_province", "legacy_commune"} <= set(
        settings["searchableAttributes"]
    )
    assert settings["rankingRules"][:3] == ["words", "typo", "sort"]
    assert set(settings["sortableAttributes"]) == {"stars", "recognised_day", "price_vnd"}


def test_synonyms_come_from_the_data_file_in_both_writings() -> None:
    synonyms = index_settings()["synonyms"]
    assert "sài gòn" in synonyms["hcm"]
    assert "tphcm" in synonyms["sai gon"]
    assert set(synonyms["cà phê"]) == {"cafe", "coffee"}
    assert {"cà phê", "ca phe"} <= set(synonyms["cafe"])
    assert {"trà", "tra"} <= set(synonyms["che"])
    # One way: "Hà Tây" finds its former districts, a district does not find "Hà Tây".
    assert {"quận hà đông", "quan ha dong", "huyện ba vì", "xã ba vì"} <= set(synonyms["ha tay"])
    assert "quận hà đông" not in synonyms
    assert all(name not in others for name, others in synonyms.items())


def test_an_existing_index_is_kept_and_its_settings_still_applied(meili: FakeMeili) -> None:
    meili.outcomes[1] = "failed"
    meili.errors[1] = {"code": "index_already_exists", "message": "Index `products` exists."}
    engine().prepare()
    assert [w[:2] for w in meili.writes()] == [
        ("POST", "/indexes"),
        ("PATCH", "/indexes/products/settings"),
    ]


def test_documents_are_sent_in_batches_and_every_task_is_awaited(meili: FakeMeili) -> None:
    engine(batch_size=1000).upsert(documents(2500))
    writes = meili.writes()
    assert [(m, p) for m, p, _ in writes] == [
        ("POST", "/indexes/products/documents?primaryKey=id")
    ] * 3
    assert [len(body) for _, _, body in writes] == [1000, 1000, 500]
    first = writes[0][2][0]
    assert first["id"] == "p0"
    assert first["name"] == "Sản phẩm 0"
    assert "price_vnd" not in first  # no price: left out, so sorted after every priced product
    polled = [str(c.request.url) for c in meili.mock.calls if "/tasks/" in str(c.request.url)]
    assert polled == [f"{URL}/tasks/1", f"{URL}/tasks/2", f"{URL}/tasks/3"]


def test_a_failed_task_is_an_error_naming_meilisearchs_code(meili: FakeMeili) -> None:
    meili.outcomes[2] = "failed"
    meili.errors[2] = {"code": "invalid_document_id", "message": "bad id"}
    with pytest.raises(SearchEngineError, match="invalid_document_id"):
        engine(batch_size=1).upsert(documents(3))
    # All batches were enqueued (Meilisearch pipelines them); waiting stopped at the failed one.
    assert len(meili.writes()) == 3
    polled = [str(c.request.url) for c in meili.mock.calls if "/tasks/" in str(c.request.url)]
    assert polled == [f"{URL}/tasks/1", f"{URL}/tasks/2"]


def test_a_task_that_never_finishes_times_out(meili: FakeMeili) -> None:
    meili.outcomes[1] = "processing"
    with pytest.raises(SearchEngineError, match="did not finish within 150 ms"):
        engine(task_timeout_ms=150).upsert(documents(1))


def test_delete_uses_a_filter_with_quoted_ids(meili: FakeMeili) -> None:
    engine().delete(["p1", 'odd"id'])
    assert meili.writes() == [
        ("POST", "/indexes/products/documents/delete", {"filter": 'id IN ["p1", "odd\\"id"]'})
    ]


def test_search_request_has_quoted_code_filters_facets_sort_and_highlight_tags(
    meili: FakeMeili,
) -> None:
    meili.search_answers.append(
        (
            200,
            {
                "hits": [
                    {
                        "id": "p1",
                        "name": "Nước mắm <Lê Gia>",
                        "producer_name": "Công ty",
                        "province_name": "Tỉnh Hưng Yên",
                        "stars": 4,
                        "group": "thuc_pham",
                        "_rankingScoreDetails": {
                            "words": {"order": 0, "matchingWords": 2, "maxMatchingWords": 2},
                            "typo": {"order": 1, "typoCount": 0, "maxTypoCount": 2},
                        },
                        "_formatted": {
                            "name": "\ue000Nước\ue001 mắm <Lê Gia>",
                            "producer_name": "Công ty",
                            "province_name": "Tỉnh Hưng Yên",
                            "description": None,
                        },
                    }
                ],
                "estimatedTotalHits": 1,
                "facetDistribution": {
                    "stars": {"4": 1},
                    "group_top": {"thuc_pham": 1},
                    "province_code": {"33": 1},
                    "certification_codes": {},
                },
            },
        )
    )
    result = engine().search(
        SearchQuery(
            q="nuoc mam",
            province_codes=["33", 'x"y'],
            stars=[4, 5],
            groups=["thuc_pham"],
            certifications=["vietgap"],
            sort="price_asc",
            limit=5,
            offset=10,
            valid_on_day=20_000,
        )
    )
    (method, path, body) = meili.writes()[0]
    assert (method, path) == ("POST", "/indexes/products/search")
    assert body == {
        "q": "nuoc mam",
        "limit": 5,
        "offset": 10,
        "matchingStrategy": "all",
        "attributesToRetrieve": body["attributesToRetrieve"],
        "filter": [
            'province_code IN ["33", "x\\"y"]',
            "stars IN [4, 5]",
            'group_codes IN ["thuc_pham"]',
            'certification_codes IN ["vietgap"]',
            "expires_day >= 20000",
        ],
        "facets": ["stars", "group_top", "product_set", "province_code", "certification_codes"],
        "sort": ["price_vnd:asc"],
        "showRankingScoreDetails": True,
        "attributesToHighlight": ["name", "producer_name", "province_name", "description"],
        "highlightPreTag": "\ue000",
        "highlightPostTag": "\ue001",
        "attributesToCrop": ["description"],
        "cropLength": 24,
        "cropMarker": "…",
    }
    assert result.total == 1
    assert result.hits[0]["_formatted"]["name"] == "<em>Nước</em> mắm &lt;Lê Gia&gt;"
    assert result.hits[0]["match"] == "exact"
    assert result.facets == {
        "stars": {"4": 1},
        "group": {"thuc_pham": 1},
        "product_set": {},
        "province_code": {"33": 1},
        "certification": {},
    }


def test_a_document_with_a_typo_or_with_words_dropped_is_an_approximate_match() -> None:
    def details(typos: int, words: int) -> dict[str, Any]:
        return {
            "words": {"order": 0, "matchingWords": words, "maxMatchingWords": 3},
            "typo": {"order": 1, "typoCount": typos, "maxTypoCount": 3},
        }

    assert match_of(details(0, 3), complete=True) == "exact"
    assert match_of(details(1, 3), complete=True) == "approximate"
    assert match_of(details(0, 2), complete=True) == "approximate"
    assert match_of(details(0, 3), complete=False) == "approximate"
    assert match_of(None, complete=True) == "exact"  # an empty query ranks nothing


def test_when_nothing_has_every_word_trailing_words_may_be_dropped(meili: FakeMeili) -> None:
    empty = {"hits": [], "estimatedTotalHits": 0, "facetDistribution": {}}
    meili.search_answers.extend([(200, empty), (200, empty)])
    engine().search(SearchQuery(q="keo dua xyz"))
    strategies = [body["matchingStrategy"] for _, _, body in meili.writes()]
    assert strategies == ["all", "last"]


def test_a_missing_index_searches_as_empty_and_a_server_error_is_an_engine_error(
    meili: FakeMeili,
) -> None:
    missing = {
        "message": "Index `products` not found.",
        "code": "index_not_found",
        "type": "invalid_request",
        "link": "https://docs.meilisearch.com/errors#index_not_found",
    }
    meili.search_answers.append((404, missing))
    assert engine().search(SearchQuery(q="x")).total == 0
    meili.search_answers.append((500, {"message": "boom", "code": "internal"}))
    with pytest.raises(SearchEngineError):
        engine().search(SearchQuery(q="x"))


def test_an_unreachable_server_is_an_engine_error() -> None:
    with (
        responses.RequestsMock() as mock,
        pytest.raises(SearchEngineError, match="create index"),
    ):
        mock.add(
            responses.POST, f"{URL}/indexes", body=requests.ConnectionError("connection refused")
        )
        engine().prepare()


def test_rebuild_fills_a_staging_index_then_swaps_and_drops_the_old(meili: FakeMeili) -> None:
    count = engine(batch_size=2).rebuild(iter(documents(3)))
    assert count == 3
    writes = meili.writes()
    staging = writes[2][2]["uid"]
    assert staging.startswith("products_rebuild_")
    assert [(m, p) for m, p, _ in writes] == [
        ("POST", "/indexes"),
        ("PATCH", "/indexes/products/settings"),
        ("POST", "/indexes"),
        ("PATCH", f"/indexes/{staging}/settings"),
        ("POST", f"/indexes/{staging}/documents?primaryKey=id"),
        ("POST", f"/indexes/{staging}/documents?primaryKey=id"),
        ("POST", "/swap-indexes"),
        ("DELETE", f"/indexes/{staging}"),
    ]
    assert writes[6][2] == [{"indexes": ["products", staging]}]
    assert [len(writes[4][2]), len(writes[5][2])] == [2, 1]


def test_a_failed_rebuild_leaves_the_live_index_alone(meili: FakeMeili) -> None:
    meili.outcomes[5] = "failed"  # the first batch into the staging index
    meili.errors[5] = {"code": "internal", "message": "disk full"}
    with pytest.raises(SearchEngineError, match="disk full"):
        engine(batch_size=2).rebuild(iter(documents(3)))
    paths = [(m, p) for m, p, _ in meili.writes()]
    assert ("POST", "/swap-indexes") not in paths
    assert paths[-1][0] == "DELETE" and paths[-1][1].startswith("/indexes/products_rebuild_")


def test_index_creation_failing_for_another_reason_stops_before_the_settings(
    meili: FakeMeili,
) -> None:
    meili.outcomes[1] = "failed"
    meili.errors[1] = {"code": "invalid_index_uid", "message": "bad uid"}
    with pytest.raises(SearchEngineError, match="invalid_index_uid"):
        engine().prepare()
    assert [w[:2] for w in meili.writes()] == [("POST", "/indexes")]


def test_losing_the_server_while_waiting_for_a_task_is_an_engine_error() -> None:
    with responses.RequestsMock() as mock:
        mock.add(
            responses.POST,
            f"{URL}/indexes/products/documents?primaryKey=id",
            json={
                "taskUid": 7,
                "indexUid": "products",
                "status": "enqueued",
                "type": "documentAdditionOrUpdate",
                "enqueuedAt": ENQUEUED_AT,
            },
            status=202,
        )
        mock.add(responses.GET, f"{URL}/tasks/7", body=requests.ConnectionError("reset"))
        with pytest.raises(SearchEngineError, match="task 7"):
            engine().upsert(documents(1))
